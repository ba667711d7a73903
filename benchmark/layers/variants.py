"""From a registry key to a layer class: tokenizers and attentions are chosen by string.

`benchmark.config.registry` names each key's Keras class; the class is found among the
registered `vitbench>` objects, so a new attention is one registry entry and one layer file, with
no dispatch code to edit. Which constructor arguments a class gets is the model builder's business
(`benchmark.models.classifier`); the layers themselves know only Keras.
"""

from __future__ import annotations

import keras

from benchmark.config.registry import ATTENTIONS, TOKENIZERS, LayerSpec


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
