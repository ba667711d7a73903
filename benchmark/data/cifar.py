"""CIFAR-10/100 through Keras' real loader, or from a local archive (verified by sha256).

Offline machines cannot download; they get a message that says where to put the archive or
which setting points at it, instead of a URL-fetch traceback.
"""

from __future__ import annotations

import hashlib
import io
import pickle
import tarfile
from pathlib import Path

import keras
import numpy as np

from benchmark.errors import DataUnavailableError

ARCHIVES = {
    "cifar100": {
        "file": "cifar-100-python.tar.gz",
        "sha256": "85cd44d02ba6437773c5bbd22e183051d648de2e7d6b014e1ef29b855ba677a7",
        "train": ["cifar-100-python/train"],
        "test": "cifar-100-python/test",
        "label_key": b"fine_labels",
        "keras_cache": "cifar-100-python-target_archive",
    },
    "cifar10": {
        "file": "cifar-10-python.tar.gz",
        "sha256": "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce",
        "train": [f"cifar-10-batches-py/data_batch_{i}" for i in range(1, 6)],
        "test": "cifar-10-batches-py/test_batch",
        "label_key": b"labels",
        "keras_cache": "cifar-10-batches-py-target_archive",
    },
}


def how_to_provide(name: str) -> str:
    info = ARCHIVES[name]
    return (
        f"Download {info['file']} on a machine with internet access "
        f"(https://www.cs.toronto.edu/~kriz/{info['file']}) and pass it with "
        f"`--set data.archive_path=/path/to/{info['file']}`, or run once online so Keras caches it "
        f"in ~/.keras/datasets/."
    )


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _read_batch(archive: tarfile.TarFile, member: str, label_key: bytes):
    handle = archive.extractfile(member)
    if handle is None:
        raise DataUnavailableError(f"archive member {member} is not a file")
    batch = pickle.load(io.BytesIO(handle.read()), encoding="bytes")
    images = np.asarray(batch[b"data"], dtype="uint8").reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    return images, np.asarray(batch[label_key], dtype="int32")


def load_archive(name: str, path: str, expected_sha256: str | None = None):
    """Read the official python-pickle tarball directly (no extraction to disk)."""
    info = ARCHIVES[name]
    archive_path = Path(path).expanduser()
    if not archive_path.is_file():
        raise DataUnavailableError(
            f"data.archive_path: {archive_path} does not exist. {how_to_provide(name)}"
        )
    expected = expected_sha256 or info["sha256"]
    actual = sha256_of(archive_path)
    if actual != expected:
        raise DataUnavailableError(
            f"data.archive_path: {archive_path} has sha256 {actual}, expected {expected} "
            f"(a corrupt or different file). {how_to_provide(name)}"
        )
    try:
        with tarfile.open(archive_path, "r:gz") as archive:
            parts = [_read_batch(archive, m, info["label_key"]) for m in info["train"]]
            x_test, y_test = _read_batch(archive, info["test"], info["label_key"])
    except (tarfile.TarError, KeyError, pickle.UnpicklingError, EOFError) as exc:
        raise DataUnavailableError(
            f"data.archive_path: cannot read {archive_path}: {exc}"
        ) from None
    x_train = np.concatenate([p[0] for p in parts])
    y_train = np.concatenate([p[1] for p in parts])
    return (x_train, y_train), (x_test, y_test)


def load_cifar(name: str, archive_path: str | None, archive_sha256: str | None = None):
    """(x_train, y_train), (x_test, y_test) as uint8 images and int32 labels."""
    if archive_path:
        return load_archive(name, archive_path, archive_sha256)

    loader = keras.datasets.cifar100 if name == "cifar100" else keras.datasets.cifar10
    try:
        (x_train, y_train), (x_test, y_test) = loader.load_data()
    except Exception as exc:  # keras raises plain Exception subclasses for URL/HTTP failures
        raise DataUnavailableError(
            f"{name} could not be downloaded ({type(exc).__name__}: {str(exc)[:200]}). "
            + how_to_provide(name)
        ) from None
    return (x_train, y_train.reshape(-1).astype("int32")), (
        x_test,
        y_test.reshape(-1).astype("int32"),
    )
