"""Values computed from a config that several layers need: one definition each."""

from __future__ import annotations

from pathlib import PurePath

from benchmark.config.registry import DATASETS, MODELS
from benchmark.config.schema import ModelConfig, RunConfig
from benchmark.errors import ConfigError


def reads_path(config: RunConfig) -> bool:
    """Own data (folder, npz): its image size and class count are known only after loading."""
    return DATASETS[config.data.dataset].reads_path


def dataset_label(config: RunConfig) -> str:
    """The `dataset` tag reports group by: the key, and for own data which data, e.g.
    `folder:cells@134cf500` (folder name and pinned content digest), so two folders, or two
    versions of one folder, are never pooled into one result."""
    d = config.data
    if not reads_path(config):
        return d.dataset
    label = f"{d.dataset}:{PurePath(d.path or '').name}"
    return f"{label}@{d.source_digest[:8]}" if d.source_digest else label


def input_size(config: RunConfig, loaded_size: int | None = None) -> int:
    """Side of the square image the model sees.

    Own data without `data.image_size` has the loaded images' side: callers that hold the
    dataset pass `loaded_size`; the others get a ConfigError that says what to set."""
    d = config.data
    if d.image_size is not None:
        return d.image_size
    info = DATASETS[d.dataset]
    if info.native_size is not None:
        return info.native_size
    if not info.reads_path:
        return d.synthetic_size
    if loaded_size is None:
        raise ConfigError(
            f"data.image_size: the size of {d.dataset} data ({d.path}) is known only after "
            "loading it; set data.image_size=N (needed here before any data is read)"
        )
    return loaded_size


def resolved_tokenizer(config: RunConfig | ModelConfig) -> str:
    """`model.tokenizer`, or the registry default of `model.name` (the model builder passes the
    model section alone)."""
    model = config.model if isinstance(config, RunConfig) else config
    return model.tokenizer or MODELS[model.name].tokenizer


def resolved_attention(config: RunConfig | ModelConfig) -> str:
    model = config.model if isinstance(config, RunConfig) else config
    return model.attention or MODELS[model.name].attention


def num_tokens(config: RunConfig, loaded_size: int | None = None) -> int:
    return (input_size(config, loaded_size) // config.model.patch_size) ** 2


def key_dim(config: RunConfig) -> int:
    """Width of one attention head (`model.key_dim`, or hidden_dim // num_heads)."""
    return config.model.key_dim or config.model.hidden_dim // config.model.num_heads


def num_classes(config: RunConfig) -> int:
    """Known before loading for the built-ins (synthetic: the configured class count); own data
    (folder, npz) counts its classes when loaded (`ImageDataset.num_classes`)."""
    if reads_path(config):
        raise ConfigError(
            f"data.dataset: {config.data.dataset} data's class count is known only after "
            "loading it; use the loaded dataset's num_classes"
        )
    return DATASETS[config.data.dataset].num_classes or config.data.synthetic_classes
