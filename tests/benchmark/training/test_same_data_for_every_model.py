"""End to end: for one seed, `fit` receives the very same batches (augmented pixels and labels)
whatever the model, and other batches under another seed."""

from __future__ import annotations

import hashlib

import keras
import numpy as np
import pytest
import tensorflow as tf

from benchmark.config import MODELS
from benchmark.data.batches import steps_per_epoch
from benchmark.data.loading import load_dataset
from benchmark.training.loop import train_and_evaluate
from tests.support.tiny import tiny_config

OVERRIDES = {
    "train": {"epochs": 2, "batch_size": 32},
    "augment": {"contrast_factor": 0.2},  # every draw in play: flip, rotation, zoom, contrast
}


@pytest.fixture
def batch_digests(monkeypatch: pytest.MonkeyPatch):
    """Wrap `keras.Model.fit` so every training batch it pulls is hashed, in order."""
    seen: list[str] = []
    original = keras.Model.fit

    def record(images, labels):
        digest = hashlib.sha256(images.numpy().tobytes() + labels.numpy().tobytes())
        seen.append(digest.hexdigest())
        return np.float32(0)

    def tap(x, y):
        done = tf.py_function(record, [x, y], tf.float32)
        with tf.control_dependencies([done]):
            return tf.identity(x), tf.identity(y)

    def fit(self, x=None, *args, **kwargs):
        return original(self, x.map(tap), *args, **kwargs)

    monkeypatch.setattr(keras.Model, "fit", fit)
    return seen


def _batches_seen(model: str, seed: int, seen: list[str]) -> list[str]:
    seen.clear()
    train_and_evaluate(tiny_config(model, seed, OVERRIDES))
    return list(seen)


def test_every_model_sees_the_same_batches_for_a_seed(batch_digests):
    sequences = {name: _batches_seen(name, 0, batch_digests) for name in MODELS}
    reference = sequences["vit"]
    config = tiny_config("vit", 0, OVERRIDES)
    assert len(reference) == 2 * steps_per_epoch(len(load_dataset(config.data).x_train), 32)
    assert len(set(reference)) == len(reference)  # every batch differs from every other
    for name, sequence in sequences.items():
        assert sequence == reference, f"{name} saw other batches than vit"
    assert _batches_seen("eanet", 1, batch_digests) != reference  # another seed, other batches
