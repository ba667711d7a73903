"""`load_dataset(config)`: pick the loader, split, subsample; the same result for every model."""

from __future__ import annotations

import dataclasses
import functools
from collections import OrderedDict

from benchmark.config import DATASETS, DataConfig, RunConfig, input_size, with_changes
from benchmark.config.checks import check_image_size
from benchmark.data.cifar import load_cifar
from benchmark.data.dataset import ImageDataset, assemble, hold_out_test, split_train_validation
from benchmark.data.digits import load_digits_images
from benchmark.data.own import load_own, source_digest
from benchmark.data.synthetic import make_synthetic
from benchmark.errors import DataUnavailableError

_OWN_LOADED: OrderedDict[tuple[DataConfig, str], ImageDataset] = OrderedDict()


def load_dataset(config: DataConfig) -> ImageDataset:
    """Cached per process: every cell of a matrix on the same data reuses one load (read-only).

    Own data is looked up by its content digest, recomputed on every call (it reads the
    files' bytes, decodes nothing), so a file changed in between is never served stale; a
    config that pins `data.source_digest` refuses data whose content differs."""
    if not DATASETS[config.dataset].reads_path:
        return _load_builtin(config)
    unpinned = dataclasses.replace(config, source_digest=None)
    digest, source = source_digest(unpinned)
    if config.source_digest is not None and config.source_digest != digest:
        raise DataUnavailableError(
            f"data.path: {source.root if source else config.path} changed: its content digest "
            f"is {digest}, the config pins data.source_digest={config.source_digest}; restore "
            "the data, or drop data.source_digest to train on the new content as new cells"
        )
    key = (unpinned, digest)
    if key not in _OWN_LOADED:
        _OWN_LOADED[key] = load_own(unpinned, digest, source)
        while len(_OWN_LOADED) > 2:
            _OWN_LOADED.popitem(last=False)
    return _OWN_LOADED[key]


def clear_memory_cache() -> None:
    """Forget this process's loads (tests; the on-disk cache stays)."""
    _load_builtin.cache_clear()
    _OWN_LOADED.clear()


@functools.lru_cache(maxsize=2)
def _load_builtin(config: DataConfig) -> ImageDataset:
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
        x, y, x_test, y_test = hold_out_test(x_all, y_all, config.test_fraction, config.split_seed)
    x_train, y_train, x_val, y_val = split_train_validation(
        x, y, config.validation_fraction, config.split_seed
    )
    splits = (x_train, y_train, x_val, y_val, x_test, y_test)
    return assemble(name, splits, num_classes, config.max_train_examples)


def ensure_available(configs: list[DataConfig]) -> None:
    """Load every distinct dataset up front, so a missing archive fails before any run exists."""
    for config in dict.fromkeys(configs):
        load_dataset(config)


def prepare(configs: list[RunConfig]) -> list[RunConfig]:
    """Before any run exists: load every dataset, check the patch size against the size the
    data has, and pin own data's content digest into its config (`data.source_digest`), so a
    changed folder makes new cells instead of skipping to (or resuming) stale ones."""
    ensure_available([c.data for c in configs])
    prepared = []
    for config in configs:
        if not DATASETS[config.data.dataset].reads_path:
            prepared.append(config)
            continue
        data = load_dataset(config.data)
        check_image_size(config, input_size(config, data.image_size))
        prepared.append(with_changes(config, data={"source_digest": data.source_digest}))
    return prepared
