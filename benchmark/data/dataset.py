"""The in-memory dataset every loader returns, with its lineage digest, and the split steps
that built-in and own data share (one seed offset, one assembly)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import numpy as np

# The test hold-out's seed is data.split_seed + this offset, so the test and validation draws of
# one split_seed are independent (built-in and own data alike).
TEST_SEED_OFFSET = 7919


@dataclass(frozen=True)
class ImageDataset:
    """Images are float32 in [0, 255], channels last; labels are int32 class ids."""

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    num_classes: int
    class_names: tuple[str, ...] = ()  # own data: label id i is class_names[i]
    source: str | None = None  # own data: the folder or .npz file it was read from
    source_digest: str | None = None  # own data: content digest of `source` (see data.md)

    @property
    def image_size(self) -> int:
        return int(self.x_train.shape[1])

    @property
    def channels(self) -> int:
        return int(self.x_train.shape[-1])

    def splits(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """(images, labels) per split, keyed by MLflow's dataset contexts."""
        return {
            "training": (self.x_train, self.y_train),
            "validation": (self.x_val, self.y_val),
            "test": (self.x_test, self.y_test),
        }

    def digest(self) -> str:
        """Over every split's bytes: equal digests mean the same data and the same split."""
        return array_digest(*(a for pair in self.splits().values() for a in pair))

    def split_digests(self) -> dict[str, str]:
        """The same scheme per split, for the per-split dataset inputs in MLflow."""
        return {name: array_digest(x, y) for name, (x, y) in self.splits().items()}


def array_digest(*arrays: np.ndarray) -> str:
    """sha256 over each array's shape and bytes, in order (16 hex digits)."""
    h = hashlib.sha256()
    for array in arrays:
        h.update(str(array.shape).encode())
        h.update(np.ascontiguousarray(array).tobytes())
    return h.hexdigest()[:16]


def hold_out_test(
    x: np.ndarray, y: np.ndarray, fraction: float, split_seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Built-in data without a test split: a seeded random `fraction` becomes the test split."""
    order = np.random.default_rng(split_seed + TEST_SEED_OFFSET).permutation(len(x))
    n_test = max(1, int(round(len(x) * fraction)))
    return x[order[n_test:]], y[order[n_test:]], x[order[:n_test]], y[order[:n_test]]


def assemble(
    name: str,
    splits: tuple[np.ndarray, ...],
    num_classes: int,
    max_train_examples: int | None,
    **lineage: Any,
) -> ImageDataset:
    """(x_train, y_train, x_val, y_val, x_test, y_test) -> ImageDataset: the training split
    capped at `max_train_examples`, images float32 (contiguous), labels int32."""
    x_train, y_train, x_val, y_val, x_test, y_test = splits
    if max_train_examples is not None:
        x_train, y_train = x_train[:max_train_examples], y_train[:max_train_examples]
    as_float = lambda a: np.ascontiguousarray(a, dtype=np.float32)  # noqa: E731
    return ImageDataset(
        name=name,
        x_train=as_float(x_train),
        y_train=y_train.astype(np.int32),
        x_val=as_float(x_val),
        y_val=y_val.astype(np.int32),
        x_test=as_float(x_test),
        y_test=y_test.astype(np.int32),
        num_classes=num_classes,
        **lineage,
    )


def split_train_validation(
    x: np.ndarray, y: np.ndarray, fraction: float, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Seeded shuffle, then the last `fraction` becomes validation (like validation_split)."""
    order = np.random.default_rng(seed).permutation(len(x))
    n_val = max(1, int(round(len(x) * fraction)))
    train, val = order[:-n_val], order[-n_val:]
    return x[train], y[train], x[val], y[val]
