"""`data.dataset: npz`: arrays from one .npz file, checked, converted to RGB [0, 255]."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from benchmark.config import DataConfig
from benchmark.data.loading import clear_memory_cache, load_dataset


@pytest.fixture(autouse=True)
def _home(tmp_path, monkeypatch):
    monkeypatch.setenv("VITBENCH_HOME", str(tmp_path / "home"))
    clear_memory_cache()
    yield
    clear_memory_cache()


def npz(path, **changes) -> DataConfig:
    return DataConfig(dataset="npz", path=str(path), **changes)


def rows(x, y) -> Counter:
    return Counter((image.tobytes(), int(label)) for image, label in zip(x, y, strict=True))


def test_nhw_uint8_with_class_names_and_a_carved_validation_split(tmp_path):
    rng = np.random.default_rng(0)
    x_train = rng.integers(0, 256, (30, 8, 8), dtype=np.uint8)  # NHW greyscale
    y_train = np.arange(30) % 3
    x_test = rng.integers(0, 256, (6, 8, 8), dtype=np.uint8)
    y_test = (np.arange(6) % 3).reshape(-1, 1)  # (N, 1) labels are fine too
    path = tmp_path / "grey.npz"
    np.savez(path, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test,
             class_names=np.array(["sand", "rock", "ice"]))  # fmt: skip
    data = load_dataset(npz(path, validation_fraction=0.2))
    assert data.class_names == ("sand", "rock", "ice") and data.num_classes == 3
    assert data.x_test.shape == (6, 8, 8, 3)
    np.testing.assert_array_equal(data.x_test[..., 0], x_test.astype(np.float32))
    np.testing.assert_array_equal(data.x_test[..., 2], x_test.astype(np.float32))
    np.testing.assert_array_equal(data.y_test, y_test[:, 0])
    assert np.bincount(data.y_val).tolist() == [2, 2, 2]  # stratified 6 of 30
    expected = np.repeat(x_train[..., None], 3, axis=-1).astype(np.float32)
    merged = rows(
        np.concatenate([data.x_train, data.x_val]), np.concatenate([data.y_train, data.y_val])
    )
    assert merged == rows(expected, y_train)
    assert data.source == str(path.resolve())


def test_given_validation_split_float_pixels_and_rgba(tmp_path):
    rng = np.random.default_rng(1)
    unit = rng.uniform(0, 1, (8, 4, 4, 4)).astype(np.float32)  # [0, 1] floats, RGBA
    path = tmp_path / "f.npz"
    np.savez(path, x_train=unit, y_train=np.arange(8) % 2, x_val=unit[:2], y_val=np.array([0, 1]),
             x_test=unit[:4], y_test=np.arange(4) % 2)  # fmt: skip
    data = load_dataset(npz(path))
    np.testing.assert_allclose(data.x_val, unit[:2, ..., :3] * 255.0, rtol=1e-6)
    assert len(data.x_train) == 8  # nothing carved: val was given
    assert data.class_names == ("0", "1")


def test_image_size_resizes_and_the_digest_follows_the_file(tmp_path):
    rng = np.random.default_rng(2)
    x = rng.integers(0, 256, (12, 8, 8, 3), dtype=np.uint8)
    path = tmp_path / "d.npz"
    np.savez(path, x_train=x, y_train=np.arange(12) % 2, x_test=x[:4], y_test=np.arange(4) % 2)
    first = load_dataset(npz(path))
    small = load_dataset(npz(path, image_size=4))
    blocks = x[:4].reshape(4, 4, 2, 4, 2, 3).astype(np.float32).mean(axis=(2, 4))
    np.testing.assert_allclose(small.x_test, blocks, atol=1e-3)  # area averaging
    assert small.source_digest != first.source_digest  # resize settings are in the digest
    x[0, 0, 0, 0] ^= 1
    np.savez(path, x_train=x, y_train=np.arange(12) % 2, x_test=x[:4], y_test=np.arange(4) % 2)
    assert load_dataset(npz(path)).source_digest != first.source_digest
