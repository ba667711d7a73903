"""Loaders: digits and synthetic offline, CIFAR from a local archive (a tiny fake one here).

Nothing here touches the network: the real keras download is never called."""

from __future__ import annotations

import hashlib
import io
import pickle
import tarfile
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from benchmark.config import DataConfig
from benchmark.data.digits import load_digits_images
from benchmark.data.loading import load_dataset
from benchmark.errors import DataUnavailableError


def rows(x: np.ndarray, y: np.ndarray) -> Counter:
    """Multiset of (image bytes, label) pairs."""
    return Counter((image.tobytes(), int(label)) for image, label in zip(x, y, strict=True))


def test_digits_images_labels_and_a_true_partition():
    data = load_dataset(DataConfig(dataset="digits"))
    assert data.num_classes == 10
    assert data.x_train.shape[1:] == (16, 16, 3) and data.x_train.dtype == np.float32
    everything = np.concatenate([data.x_train, data.x_val, data.x_test])
    labels = np.concatenate([data.y_train, data.y_val, data.y_test])
    assert len(everything) == 1797
    assert everything.min() == 0.0 and everything.max() == 255.0  # 0..16 scaled to 0..255
    assert set(labels.tolist()) == set(range(10))
    # train + val + test is exactly the full set, each image once (the 1,797 are all distinct).
    x_all, y_all = load_digits_images()
    assert rows(everything, labels) == rows(x_all.astype("float32"), y_all)
    for a, b in (
        (data.x_train, data.x_val),
        (data.x_train, data.x_test),
        (data.x_val, data.x_test),
    ):
        assert not {i.tobytes() for i in a} & {i.tobytes() for i in b}
    assert len(data.x_test) == round(1797 * 0.2)


def test_digits_are_grey_nearest_upscaled_real_digits():
    from sklearn.datasets import load_digits

    x, y = load_digits_images()
    np.testing.assert_array_equal(x[..., 0], x[..., 1])
    np.testing.assert_array_equal(x[..., 0], x[..., 2])
    np.testing.assert_array_equal(x[:, ::2, ::2], x[:, 1::2, 1::2])
    bunch = load_digits()
    np.testing.assert_allclose(x[:, ::2, ::2, 0], bunch.images * 255.0 / 16.0, rtol=1e-6)
    np.testing.assert_array_equal(y, bunch.target)


def test_digest_is_stable_and_tracks_the_split():
    first = load_dataset(DataConfig(dataset="digits"))
    again = load_dataset(DataConfig(dataset="digits"))
    other = load_dataset(DataConfig(dataset="digits", split_seed=1))
    assert first.digest() == again.digest()
    assert first.digest() != other.digest()


def test_synthetic_is_deterministic():
    config = DataConfig(dataset="synthetic", synthetic_examples=64, synthetic_size=8)
    first, again = load_dataset(config), load_dataset(config)
    assert first.digest() == again.digest()
    np.testing.assert_array_equal(first.x_train, again.x_train)
    assert first.x_train.shape[1:] == (8, 8, 3) and first.num_classes == 4
    assert first.x_train.min() >= 0.0 and first.x_train.max() <= 255.0


# --- CIFAR from a local archive ---------------------------------------------------------------


def _pickled(data: np.ndarray, labels: np.ndarray) -> bytes:
    return pickle.dumps({b"data": data, b"fine_labels": labels.tolist()})


@pytest.fixture
def fake_cifar100(tmp_path: Path) -> dict:
    """A tiny archive with the official layout: rows of 3072 uint8 (R plane, G, B; 32x32)."""
    rng = np.random.default_rng(3)
    train = rng.integers(0, 256, (20, 3072), dtype=np.uint8)
    test = rng.integers(0, 256, (6, 3072), dtype=np.uint8)
    y_train, y_test = rng.integers(0, 100, 20), rng.integers(0, 100, 6)
    path = tmp_path / "cifar-100-python.tar.gz"
    with tarfile.open(path, "w:gz") as archive:
        for member, payload in (
            ("cifar-100-python/train", _pickled(train, y_train)),
            ("cifar-100-python/test", _pickled(test, y_test)),
        ):
            info = tarfile.TarInfo(member)
            info.size = len(payload)
            archive.addfile(info, io.BytesIO(payload))
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    return {"path": path, "sha256": sha, "train": (train, y_train), "test": (test, y_test)}


def test_cifar100_from_a_local_archive(fake_cifar100):
    config = DataConfig(
        dataset="cifar100",
        archive_path=str(fake_cifar100["path"]),
        archive_sha256=fake_cifar100["sha256"],
        validation_fraction=0.25,
    )
    data = load_dataset(config)
    assert data.num_classes == 100
    raw_test, y_test = fake_cifar100["test"]
    # Channel-first rows -> HWC: pixel (i, j) of channel c is row[c * 1024 + i * 32 + j].
    assert data.x_test.shape == (6, 32, 32, 3) and data.x_test.dtype == np.float32
    assert data.x_test[2, 5, 7, 1] == raw_test[2, 1 * 1024 + 5 * 32 + 7]
    expected_test = raw_test.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1).astype("float32")
    np.testing.assert_array_equal(data.x_test, expected_test)
    np.testing.assert_array_equal(data.y_test, y_test)
    raw_train, y_train = fake_cifar100["train"]
    expected_train = raw_train.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1).astype("float32")
    assert (len(data.x_train), len(data.x_val)) == (15, 5)
    merged = rows(
        np.concatenate([data.x_train, data.x_val]), np.concatenate([data.y_train, data.y_val])
    )
    assert merged == rows(expected_train, y_train)


def test_wrong_checksum_says_sha256_and_archive_path(fake_cifar100):
    # No archive_sha256: the official CIFAR-100 digest is expected, which the fake cannot match.
    config = DataConfig(dataset="cifar100", archive_path=str(fake_cifar100["path"]))
    with pytest.raises(DataUnavailableError) as info:
        load_dataset(config)
    message = str(info.value)
    assert "sha256" in message and "archive_path" in message
    assert fake_cifar100["sha256"] in message  # the actual digest, to compare by hand


def test_missing_archive_names_the_path(tmp_path):
    missing = tmp_path / "nowhere" / "cifar-100-python.tar.gz"
    with pytest.raises(DataUnavailableError) as info:
        load_dataset(DataConfig(dataset="cifar100", archive_path=str(missing)))
    assert str(missing) in str(info.value)
    assert "archive_path" in str(info.value)
