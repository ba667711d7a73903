"""Seeding and the numerics settings that change bits, recorded with every run."""

from __future__ import annotations

import os

import keras


def configure(seed: int, op_determinism: bool) -> None:
    """Seed Python, NumPy, TF and Keras; force deterministic TF kernels on or off.

    Both ways, because the setting is process-wide: a worker that ran a deterministic cell must
    not carry it into the next cell that asked for XLA (Keras silently drops XLA under it)."""
    import tensorflow as tf  # deferred: the one TensorFlow-specific step here
    from tensorflow.python.framework import config as tf_config

    tf.get_logger().setLevel("ERROR")  # retracing chatter; real errors still raise
    keras.utils.set_random_seed(seed)
    if op_determinism:
        tf.config.experimental.enable_op_determinism()
    else:
        tf_config.disable_op_determinism()


def settings() -> dict[str, str]:
    """What must match for bitwise-equal reruns (each flag changes the bits)."""
    from tensorflow.python.framework import config as tf_config  # not in tf.config's public API

    op_det = tf_config.is_op_determinism_enabled()
    return {
        "determinism.op_determinism": str(op_det).lower(),
        "determinism.onednn": os.environ.get("TF_ENABLE_ONEDNN_OPTS", "default(on)"),
        "backend": keras.backend.backend(),
    }
