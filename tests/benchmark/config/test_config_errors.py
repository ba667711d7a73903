"""Impossible configs fail at load time with a ConfigError that names the field."""

from __future__ import annotations

import pytest

from benchmark.config import deep_merge, parse_override, resolve_config
from benchmark.errors import ConfigError


def overrides(*texts: str) -> dict:
    """`--set`-style strings -> one nested override mapping (as the CLI builds it)."""
    merged: dict = {}
    for text in texts:
        merged = deep_merge(merged, parse_override(text))
    return merged


@pytest.mark.parametrize(
    ("model", "sets", "fragments"),
    [
        ("vit", ["model.patch_size=3"], ["model.patch_size", "16"]),  # smoke is 16px
        ("vit", ["model.num_heads=3"], ["model.num_heads", "16"]),  # hidden_dim 16
        ("vit_sl", ["model.num_heads=3"], ["model.num_heads"]),
        ("eanet", ["model.dim_coefficient=3"], ["model.dim_coefficient"]),
        ("eanet", ["model.num_heads=3", "model.key_dim=4"], ["model.num_heads"]),
        ("vit", ["train.epochs=0"], ["train.epochs"]),
        ("vit", ["train.batch_size=-1"], ["train.batch_size"]),
        ("vit", ["model.num_head=4"], ["model.num_head", "num_heads"]),  # close match offered
        ("vit", ["data.dataset=mnist"], ["data.dataset", "cifar10", "cifar100", "digits"]),
        ("vit", ["train.epochs=abc"], ["train.epochs", "abc"]),
        ("vit", ["model.attention=mhsaa"], ["model.attention", "mhsa"]),
    ],
)
def test_bad_setting_names_the_field(model, sets, fragments):
    with pytest.raises(ConfigError) as info:
        resolve_config("smoke", model, 0, overrides(*sets))
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} missing from: {message}"


def test_unknown_model_name_lists_allowed_values():
    with pytest.raises(ConfigError) as info:
        resolve_config("smoke", "vitt", 0, {})
    message = str(info.value)
    assert "model.name" in message
    assert all(name in message for name in ("vit", "vit_sl", "eanet"))


def test_key_dim_lifts_the_head_divisibility_rule_for_self_attention_only():
    config = resolve_config("smoke", "vit", 0, overrides("model.num_heads=3", "model.key_dim=4"))
    assert config.model.num_heads == 3


def test_unknown_preset_offers_a_close_match():
    with pytest.raises(ConfigError, match="smoke"):
        resolve_config("smok", "vit", 0, {})


def test_overrides_reach_the_resolved_config():
    config = resolve_config(
        "smoke", "eanet", 7, overrides("train.epochs=1", "data.synthetic_examples=96")
    )
    assert (config.seed, config.train.epochs, config.data.synthetic_examples) == (7, 1, 96)
    assert config.model.name == "eanet"
    assert config.model.hidden_dim == 16  # the preset's value survives
