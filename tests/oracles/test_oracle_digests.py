"""The dataset digest is an identity of pixels, labels AND split membership: recomputed with
hashlib here, and changed by one pixel, one label or one example moved between splits."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from benchmark.config import resolve_config
from benchmark.data.loading import load_dataset
from tests.oracles.conftest import sha16


@pytest.fixture(scope="module")
def data():
    return load_dataset(resolve_config("smoke", "vit", 0).data)


def _with(data, **arrays):
    return dataclasses.replace(data, **{k: v.copy() for k, v in arrays.items()})


def test_digest_equals_hashlib_over_every_split(data):
    arrays = (data.x_train, data.y_train, data.x_val, data.y_val, data.x_test, data.y_test)
    assert data.digest() == sha16(*arrays)
    assert data.split_digests()["validation"] == sha16(data.x_val, data.y_val)


def test_one_pixel_changes_the_digest_and_its_split_digest(data):
    x = data.x_test.copy()
    x[3, 2, 1, 0] += 1.0
    other = _with(data, x_test=x)
    assert other.digest() != data.digest()
    assert other.split_digests()["test"] != data.split_digests()["test"]
    assert other.split_digests()["training"] == data.split_digests()["training"]


def test_one_label_changes_the_digest_and_its_split_digest(data):
    y = data.y_train.copy()
    y[0] = (y[0] + 1) % data.num_classes
    other = _with(data, y_train=y)
    assert other.digest() != data.digest()
    assert other.split_digests()["training"] != data.split_digests()["training"]


def test_moving_one_example_between_splits_changes_the_digest(data):
    """The same examples, one moved from validation to training: same pool, other split."""
    moved = _with(
        data,
        x_train=np.concatenate([data.x_train, data.x_val[:1]]),
        y_train=np.concatenate([data.y_train, data.y_val[:1]]),
        x_val=data.x_val[1:],
        y_val=data.y_val[1:],
    )
    assert moved.digest() != data.digest()
    assert moved.split_digests()["validation"] != data.split_digests()["validation"]
