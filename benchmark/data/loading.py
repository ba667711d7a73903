"""`load_dataset(config)`: pick the loader, split, subsample; the same result for every model."""

from __future__ import annotations

import functools

import numpy as np

from benchmark.config import DataConfig
from benchmark.data.cifar import load_cifar
from benchmark.data.dataset import ImageDataset, split_train_validation
from benchmark.data.digits import load_digits_images
from benchmark.data.synthetic import make_synthetic


def _hold_out_test(x, y, fraction: float, seed: int):
    order = np.random.default_rng(seed + 7919).permutation(len(x))
    n_test = max(1, int(round(len(x) * fraction)))
    return x[order[n_test:]], y[order[n_test:]], x[order[:n_test]], y[order[:n_test]]


@functools.lru_cache(maxsize=2)
def load_dataset(config: DataConfig) -> ImageDataset:
    """Cached per process: every cell of a matrix on the same data reuses one load (read-only)."""
    name = config.dataset
    if name in ("cifar10", "cifar100"):
        (x, y), (x_test, y_test) = load_cifar(name, config.archive_path, config.archive_sha256)
        num_classes = 100 if name == "cifar100" else 10
    else:
        if name == "digits":
            x_all, y_all = load_digits_images()
            num_classes = 10
        else:
            x_all, y_all = make_synthetic(
                config.synthetic_examples, config.synthetic_classes, config.synthetic_size
            )
            num_classes = config.synthetic_classes
        x, y, x_test, y_test = _hold_out_test(x_all, y_all, config.test_fraction, config.split_seed)
    x_train, y_train, x_val, y_val = split_train_validation(
        x, y, config.validation_fraction, config.split_seed
    )
    if config.max_train_examples is not None:
        x_train, y_train = (
            x_train[: config.max_train_examples],
            y_train[: config.max_train_examples],
        )
    as_float = lambda a: np.ascontiguousarray(a, dtype="float32")  # noqa: E731
    return ImageDataset(
        name=name,
        x_train=as_float(x_train),
        y_train=y_train.astype("int32"),
        x_val=as_float(x_val),
        y_val=y_val.astype("int32"),
        x_test=as_float(x_test),
        y_test=y_test.astype("int32"),
        num_classes=num_classes,
    )


def ensure_available(configs: list[DataConfig]) -> None:
    """Load every distinct dataset up front, so a missing archive fails before any run exists."""
    for config in dict.fromkeys(configs):
        load_dataset(config)
