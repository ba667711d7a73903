"""Seeding and the numerics settings that change bits, per Keras backend, recorded with every run.

Each backend is bitwise reproducible against itself on CPU with op determinism on; different
backends give different bits (their kernels differ), which is why the backend is a config key.
- TensorFlow: `tf.config.experimental.enable_op_determinism` (and oneDNN, `TF_ENABLE_ONEDNN_OPTS`).
- JAX: XLA's `--xla_gpu_deterministic_ops` (GPU; CPU kernels are deterministic), set in
  `XLA_FLAGS` before JAX starts (see `backends.backend_environment`).
- PyTorch: `torch.use_deterministic_algorithms` plus cuDNN's deterministic mode
  (`CUBLAS_WORKSPACE_CONFIG` for CUDA matmuls, also set before start).
"""

from __future__ import annotations

import os

import keras


def configure(seed: int, op_determinism: bool) -> None:
    """Seed Python, NumPy and the backend; force deterministic kernels on or off.

    Both ways, because the setting is process-wide: a worker that ran a deterministic cell must
    not carry it into the next cell that asked for speed (XLA, cuDNN autotuning)."""
    keras.utils.set_random_seed(seed)
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf  # deferred: only the TensorFlow backend needs it
        from tensorflow.python.framework import config as tf_config

        tf.get_logger().setLevel("ERROR")  # retracing chatter; real errors still raise
        if op_determinism:
            tf.config.experimental.enable_op_determinism()
        else:
            tf_config.disable_op_determinism()
    elif backend == "torch":
        import torch  # deferred: only the PyTorch backend needs it

        torch.use_deterministic_algorithms(op_determinism, warn_only=False)
        torch.backends.cudnn.deterministic = op_determinism
        torch.backends.cudnn.benchmark = not op_determinism


def settings() -> dict[str, str]:
    """What must match for bitwise-equal reruns (each flag changes the bits)."""
    backend = keras.backend.backend()
    out = {"backend": backend, "determinism.op_determinism": str(_op_determinism()).lower()}
    if backend == "tensorflow":
        out["determinism.onednn"] = os.environ.get("TF_ENABLE_ONEDNN_OPTS", "default(on)")
    elif backend == "jax":
        out["determinism.xla_flags"] = os.environ.get("XLA_FLAGS", "")
    elif backend == "torch":
        out["determinism.cublas_workspace"] = os.environ.get("CUBLAS_WORKSPACE_CONFIG", "")
    return out


def _op_determinism() -> bool:
    backend = keras.backend.backend()
    if backend == "tensorflow":
        from tensorflow.python.framework import config as tf_config  # not in tf.config's API

        return bool(tf_config.is_op_determinism_enabled())
    if backend == "torch":
        import torch

        return bool(torch.are_deterministic_algorithms_enabled())
    return "--xla_gpu_deterministic_ops=true" in os.environ.get("XLA_FLAGS", "")
