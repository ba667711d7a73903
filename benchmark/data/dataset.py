"""The in-memory dataset every loader returns, with its lineage digest."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np


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

    @property
    def image_size(self) -> int:
        return int(self.x_train.shape[1])

    @property
    def channels(self) -> int:
        return int(self.x_train.shape[-1])

    def digest(self) -> str:
        """sha256 over every split's bytes: equal digests mean the same data and split."""
        h = hashlib.sha256()
        for array in (self.x_train, self.y_train, self.x_val, self.y_val, self.x_test, self.y_test):
            h.update(str(array.shape).encode())
            h.update(np.ascontiguousarray(array).tobytes())
        return h.hexdigest()[:16]


def split_train_validation(
    x: np.ndarray, y: np.ndarray, fraction: float, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Seeded shuffle, then the last `fraction` becomes validation (like validation_split)."""
    order = np.random.default_rng(seed).permutation(len(x))
    n_val = max(1, int(round(len(x) * fraction)))
    train, val = order[:-n_val], order[-n_val:]
    return x[train], y[train], x[val], y[val]
