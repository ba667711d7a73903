"""Seeding and the numerics settings that change bits, recorded with every run."""

from __future__ import annotations

import os


def configure(seed: int, op_determinism: bool) -> None:
    """Seed Python, NumPy, TF and Keras; optionally force deterministic TF kernels."""
    import keras
    import tensorflow as tf

    tf.get_logger().setLevel("ERROR")  # retracing chatter; real errors still raise
    keras.utils.set_random_seed(seed)
    if op_determinism:
        tf.config.experimental.enable_op_determinism()


def settings() -> dict[str, str]:
    """What must match for bitwise-equal reruns (STACK_FACTS: each flag changes the bits)."""
    import keras
    import tensorflow as tf

    try:
        op_det = tf.config.experimental.is_op_determinism_enabled()
    except AttributeError:  # older TF
        op_det = "unknown"
    return {
        "determinism.op_determinism": str(op_det).lower(),
        "determinism.onednn": os.environ.get("TF_ENABLE_ONEDNN_OPTS", "default(on)"),
        "backend": keras.backend.backend(),
    }
