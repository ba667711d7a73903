"""Which Keras backend a process runs, chosen before Keras is imported (it cannot change after).

No Keras import here: the CLI asks this module first, then imports the training code.
"""

from __future__ import annotations

import importlib.util
import os
import sys

from benchmark.errors import ConfigError

PACKAGES = {"tensorflow": "tensorflow", "jax": "jax", "torch": "torch"}
EXTRAS = {"tensorflow": "tensorflow", "jax": "jax", "torch": "torch"}
DETERMINISTIC_ENV = {
    "jax": {"XLA_FLAGS": "--xla_gpu_deterministic_ops=true"},
    "torch": {"CUBLAS_WORKSPACE_CONFIG": ":4096:8"},
}


def backend_environment(backend: str, op_determinism: bool) -> dict[str, str]:
    """Environment a process of `backend` must start with (read when JAX / CUDA start)."""
    env = {"KERAS_BACKEND": backend}
    if op_determinism:
        for key, value in DETERMINISTIC_ENV.get(backend, {}).items():
            current = os.environ.get(key, "")
            env[key] = current if value in current else f"{current} {value}".strip()
    return env


def check_installed(backend: str) -> None:
    """A clear error, before any run exists, when the backend's package is missing."""
    if importlib.util.find_spec(PACKAGES[backend]) is None:
        raise ConfigError(
            f"train.backend: {backend!r} needs the {PACKAGES[backend]} package; install "
            f"vitbench[{EXTRAS[backend]}] or choose another of: {', '.join(PACKAGES)}"
        )


def current_backend() -> str | None:
    """The backend of this process if Keras is already imported, else None (still open)."""
    keras = sys.modules.get("keras")
    return keras.backend.backend() if keras is not None else None


def select(backend: str, op_determinism: bool) -> bool:
    """Make this process run `backend` if Keras is not imported yet; True when it will."""
    check_installed(backend)
    current = current_backend()
    if current is None:
        os.environ.update(backend_environment(backend, op_determinism))
        return True
    return current == backend
