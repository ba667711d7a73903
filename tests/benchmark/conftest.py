"""Shared fixtures for the tests of `benchmark` (tiny models, a clean Keras session).

Everything here is tiny on purpose (8x8 / 16x16 images, width 16, one block) so the whole folder
runs in a few minutes on 2 CPU cores.
"""

from __future__ import annotations

import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # before anything imports TensorFlow

from collections.abc import Callable, Iterator  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402

TINY_IMAGE_SIZE = 16
TINY_CHANNELS = 3
TINY_CLASSES = 4


@pytest.fixture(autouse=True)
def _fresh_keras_session() -> Iterator[None]:
    """Each test starts from a clean Keras global state (layer-name counters, functional graph).

    `free_memory=False`: the full gc.collect() costs ~0.5 s per test with TensorFlow loaded.
    A test process that has not imported Keras (CLI, tracking) is left alone."""
    keras = sys.modules.get("keras")
    if keras is not None:
        keras.backend.clear_session(free_memory=False)
    yield


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(1234)


@pytest.fixture
def tiny_model_config() -> Callable[..., Any]:
    """Factory: `tiny_model_config("vit", tokenizer=...)` -> a ModelConfig for 16x16x3 inputs,
    patch 4 (16 tokens), width 16, depth 1, 2 heads."""
    from benchmark.config import ModelConfig

    def make(name: str, **overrides: Any) -> ModelConfig:
        values: dict[str, Any] = {
            "name": name,
            "patch_size": 4,
            "hidden_dim": 16,
            "depth": 1,
            "num_heads": 2,
            "mlp_dim": 32,
            "dim_coefficient": 2,
            "attention_dropout_rate": 0.0,
            "projection_dropout_rate": 0.0,
            "mlp_dropout_rate": 0.0,
        }
        values.update(overrides)
        return ModelConfig(**values)

    return make
