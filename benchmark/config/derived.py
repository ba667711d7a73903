"""Values computed from a config that several layers need: one definition each."""

from __future__ import annotations

from benchmark.config.registry import DATASETS, MODELS
from benchmark.config.schema import RunConfig


def input_size(config: RunConfig) -> int:
    """Side of the square image the model sees."""
    if config.data.image_size is not None:
        return config.data.image_size
    native = DATASETS[config.data.dataset].native_size
    return native if native is not None else config.data.synthetic_size


def resolved_tokenizer(config: RunConfig) -> str:
    return config.model.tokenizer or MODELS[config.model.name].tokenizer


def resolved_attention(config: RunConfig) -> str:
    return config.model.attention or MODELS[config.model.name].attention


def num_tokens(config: RunConfig) -> int:
    return (input_size(config) // config.model.patch_size) ** 2


def key_dim(config: RunConfig) -> int:
    """Width of one attention head (`model.key_dim`, or hidden_dim // num_heads)."""
    return config.model.key_dim or config.model.hidden_dim // config.model.num_heads


def num_classes(config: RunConfig) -> int:
    """Known before loading any data (synthetic: the configured class count)."""
    return DATASETS[config.data.dataset].num_classes or config.data.synthetic_classes
