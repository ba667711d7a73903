"""The one cost formula (`benchmark.models.cost`) against an independent oracle: the parameters
of a freshly built Keras model (`count_params`), for every shipped preset and every tokenizer x
attention of the registry (with the graph's optional parts switched on), so a formula that
drifts from its layer fails here. FLOPs are pinned to hand counts in `test_flops.py`."""

from __future__ import annotations

import inspect
import itertools

import pytest

from benchmark.config import (
    ATTENTIONS,
    TOKENIZERS,
    ModelConfig,
    input_size,
    load_preset,
    num_classes,
    resolve_config,
)
from benchmark.config.presets import BUILTIN_DIR
from benchmark.models.cost import model_cost

SHIPPED = [
    (path.stem, model)
    for path in sorted(BUILTIN_DIR.glob("*.yaml"))
    for model in load_preset(path.stem).default_models()
]


def built_parameters(config) -> int:
    from benchmark.models.classifier import build_classifier

    model = build_classifier(config.model, input_size(config), 3, num_classes(config))
    assert not model.non_trainable_weights  # Cost.param_counts logs non_trainable = 0
    return model.count_params()


@pytest.mark.parametrize(("preset", "model"), SHIPPED, ids=[f"{p}-{m}" for p, m in SHIPPED])
def test_shipped_preset_parameters_equal_the_built_model(preset, model):
    config = resolve_config(preset, model)
    assert model_cost(config).params == built_parameters(config)


COMBOS = list(itertools.product(TOKENIZERS, ATTENTIONS))


@pytest.mark.parametrize(("tokenizer", "attention"), COMBOS, ids=[f"{t}-{a}" for t, a in COMBOS])
def test_every_registry_combination_with_optional_parts(tokenizer, attention):
    """key_dim, flatten pooling, head norm and a hidden head layer: each adds its own term."""
    overrides = {
        "data": {"synthetic_size": 8},
        "model": {"tokenizer": tokenizer, "attention": attention, "patch_size": 2,
                  "hidden_dim": 16, "num_heads": 2, "key_dim": 4, "mlp_dim": 24, "depth": 2,
                  "dim_coefficient": 2, "pooling": "flatten", "head_norm": True,
                  "head_units": [8], "head_dropout_rate": 0.1},
    }  # fmt: skip
    config = resolve_config("smoke", "vit", 0, overrides)
    assert model_cost(config).params == built_parameters(config)


@pytest.mark.parametrize("spec", [*TOKENIZERS.values(), *ATTENTIONS.values()],
                         ids=[*TOKENIZERS, *ATTENTIONS])  # fmt: skip
def test_every_registry_entry_maps_model_fields_onto_its_constructor(spec):
    """Each entry feeds real `model.*` fields to arguments its layer class takes."""
    from benchmark.layers.variants import attention_class, tokenizer_class

    key = next(k for k, s in {**TOKENIZERS, **ATTENTIONS}.items() if s is spec)
    cls = tokenizer_class(key) if key in TOKENIZERS else attention_class(key)
    assert set(spec.arguments) <= set(inspect.signature(cls.__init__).parameters)
    assert set(spec.arguments.values()) <= set(ModelConfig.__dataclass_fields__)
    assert callable(spec.cost)
