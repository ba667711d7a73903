"""The TF-free counts of `vitbench models` (`benchmark.models.counts`) against the real thing:
the parameters of the built Keras model (`parameter_counts`, what every run logs) and the
layer-owned `forward_flops`, for every shipped preset and every tokenizer x attention of the
registry (with the graph's optional parts switched on), so a formula that drifts fails here."""

from __future__ import annotations

import itertools

import pytest

from benchmark.config import (
    ATTENTIONS,
    TOKENIZERS,
    input_size,
    load_preset,
    num_classes,
    resolve_config,
)
from benchmark.config.presets import BUILTIN_DIR
from benchmark.models import counts

SHIPPED = [
    (path.stem, model)
    for path in sorted(BUILTIN_DIR.glob("*.yaml"))
    for model in load_preset(path.stem).default_models()
]


def built(config):
    from benchmark.models.classifier import build_classifier
    from benchmark.models.flops import forward_flops
    from benchmark.training.loop import parameter_counts

    classes = num_classes(config)
    model = build_classifier(config.model, input_size(config), 3, classes)
    return parameter_counts(model), forward_flops(config, 3, classes)


@pytest.mark.parametrize(("preset", "model"), SHIPPED, ids=[f"{p}-{m}" for p, m in SHIPPED])
def test_shipped_preset_counts_equal_the_built_model(preset, model):
    config = resolve_config(preset, model)
    params, flops = built(config)
    cost = counts.model_cost(config)
    assert params["non_trainable"] == 0
    assert cost.params == params["total"]
    assert cost.flops == flops


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
    params, flops = built(config)
    cost = counts.model_cost(config)
    assert (cost.params, cost.flops) == (params["total"], flops)


def test_every_registry_key_has_a_formula():
    """A new variant needs its counter here, or `vitbench models` falls back to building."""
    assert set(counts.TOKENIZERS) == set(TOKENIZERS)
    assert set(counts.ATTENTIONS) == set(ATTENTIONS)
