"""From a registry key to a layer: tokenizers and attentions are chosen by string.

`benchmark.config.registry` names each key's Keras class; the class is found among the
registered `vitbench>` objects, builds itself from the block's settings and counts its own FLOPs.
So a new attention is one registry entry and one layer file, with no dispatch code to edit.
"""

from __future__ import annotations

from dataclasses import dataclass

import keras

from benchmark.config.registry import ATTENTIONS, TOKENIZERS, LayerSpec


@dataclass(frozen=True)
class AttentionSettings:
    """What an encoder block knows that any attention may use."""

    hidden_dim: int
    num_heads: int
    key_dim: int | None = None
    dim_coefficient: int = 4
    attention_dropout_rate: float = 0.0
    projection_dropout_rate: float = 0.0


@dataclass(frozen=True)
class TokenizerSettings:
    patch_size: int
    hidden_dim: int
    layer_norm_epsilon: float = 1e-6


def _registered(kind: str, key: str, specs: dict[str, LayerSpec]) -> type:
    if key not in specs:
        raise ValueError(f"{kind}={key!r} is not one of {', '.join(specs)}")
    found = keras.saving.get_registered_object(f"vitbench>{specs[key].layer}")
    if found is None:
        raise ValueError(
            f"{kind}={key!r}: layer class {specs[key].layer!r} is not registered; define it in "
            "a module of benchmark/layers/ with @keras.saving.register_keras_serializable"
            "(package='vitbench')"
        )
    return found


def attention_class(key: str) -> type:
    """The attention layer class of registry key `key` (e.g. "lsa")."""
    return _registered("attention", key, ATTENTIONS)


def tokenizer_class(key: str) -> type:
    return _registered("tokenizer", key, TOKENIZERS)
