"""Dataset facts known without loading anything (native size, classes, official test split)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DatasetInfo:
    native_size: int | None  # None: set by the config (synthetic)
    num_classes: int | None
    has_test_split: bool
    description: str


DATASETS: dict[str, DatasetInfo] = {
    "cifar10": DatasetInfo(32, 10, True, "CIFAR-10 through keras.datasets (or a local archive)"),
    "cifar100": DatasetInfo(32, 100, True, "CIFAR-100 through keras.datasets (or a local archive)"),
    "digits": DatasetInfo(16, 10, False, "scikit-learn's 1,797 8x8 digits, upscaled to 16x16 RGB"),
    "synthetic": DatasetInfo(None, None, False, "generated class-conditional colour images"),
}
