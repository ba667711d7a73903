"""Every layer of `benchmark.layers` through the shared layer contract
(`tests/support/layer_contract.py`), plus readable shape errors and the helper's own checks."""

from __future__ import annotations

import dataclasses
from typing import Any

import keras
import numpy as np
import pytest
import tensorflow as tf

import benchmark.layers
from benchmark.config import ModelConfig
from benchmark.config.registry import ATTENTIONS
from benchmark.layers import (
    EncoderBlock,
    ExternalAttention,
    FeedForward,
    LocalitySelfAttention,
    MultiHeadSelfAttention,
    PatchTokenizer,
    PositionEmbedding,
    ShiftedPatchTokenizer,
)
from tests.support.layer_contract import assert_follows_policy, assert_layer_contract

IMAGES = (2, 16, 16, 3)
TOKENS = (2, 8, 16)
TINY_MODEL = ModelConfig(hidden_dim=16, num_heads=2, key_dim=4, dim_coefficient=2,
                         attention_dropout_rate=0.1, projection_dropout_rate=0.1)  # fmt: skip


def attention_options(key: str, model: ModelConfig = TINY_MODEL) -> dict[str, Any]:
    """What the model builder gives attention `key` for a width-16 block (any registry entry)."""
    from benchmark.models.classifier import layer_arguments

    return layer_arguments(ATTENTIONS[key], model)


CASES = [
    pytest.param(PatchTokenizer, {"patch_size": 4, "hidden_dim": 16}, IMAGES, id="patch"),
    pytest.param(
        ShiftedPatchTokenizer,
        {"patch_size": 4, "hidden_dim": 16, "layer_norm_epsilon": 1e-5},
        IMAGES,
        id="shifted_patch",
    ),
    pytest.param(
        PositionEmbedding,
        {"num_patches": 8, "hidden_dim": 16},
        TOKENS,
        id="position_embedding",
    ),
    pytest.param(
        MultiHeadSelfAttention,
        {"hidden_dim": 16, "num_heads": 2, "key_dim": None, "dropout_rate": 0.1},
        TOKENS,
        id="mhsa",
    ),
    pytest.param(
        MultiHeadSelfAttention,
        {"hidden_dim": 16, "num_heads": 3, "key_dim": 5, "dropout_rate": 0.0},
        TOKENS,
        id="mhsa_key_dim",
    ),
    pytest.param(
        LocalitySelfAttention,
        {"hidden_dim": 16, "num_heads": 2, "key_dim": None, "dropout_rate": 0.1},
        TOKENS,
        id="lsa",
    ),
    pytest.param(
        LocalitySelfAttention,
        {"hidden_dim": 16, "num_heads": 3, "key_dim": 5, "dropout_rate": 0.0},
        TOKENS,
        id="lsa_key_dim",
    ),
    pytest.param(
        ExternalAttention,
        {
            "hidden_dim": 16,
            "num_heads": 2,
            "dim_coefficient": 2,
            "attention_dropout_rate": 0.1,
            "projection_dropout_rate": 0.1,
        },
        TOKENS,
        id="external",
    ),
    pytest.param(
        FeedForward,
        {
            "mlp_dim": 32,
            "output_dim": 8,
            "dropout_rate": 0.1,
            "activation": "gelu_approximate",
            "output_activation": "gelu",
        },
        TOKENS,
        id="feed_forward",
    ),
] + [
    pytest.param(
        EncoderBlock,
        {
            "attention": attention,
            "attention_options": attention_options(attention),
            "hidden_dim": 16,
            "mlp_dim": 32,
            "mlp_dropout_rate": 0.1,
            "activation": "gelu_approximate",
            "mlp_output_activation": "gelu",
            "layer_norm_epsilon": 1e-5,
        },
        TOKENS,
        id=f"encoder_{attention}",
    )
    for attention in ATTENTIONS
]


@pytest.mark.parametrize(("layer_cls", "init_kwargs", "input_shape"), CASES)
def test_layer_contract(layer_cls, init_kwargs, input_shape, tmp_path):
    assert_layer_contract(layer_cls, init_kwargs, input_shape, tmp_path)


def test_every_exported_layer_has_a_contract_case():
    covered = {case.values[0].__name__ for case in CASES}
    exported = {getattr(benchmark.layers, name) for name in benchmark.layers.__all__}
    layer_names = {
        c.__name__ for c in exported if isinstance(c, type) and issubclass(c, keras.layers.Layer)
    }
    assert layer_names and layer_names <= covered, layer_names - covered


def test_encoder_block_uses_the_requested_attention():
    expected = {
        "mhsa": MultiHeadSelfAttention,
        "lsa": LocalitySelfAttention,
        "external": ExternalAttention,
    }
    assert set(expected) <= set(ATTENTIONS)
    untied = dataclasses.replace(TINY_MODEL, key_dim=None)
    for key, cls in expected.items():
        block = EncoderBlock(key, attention_options(key, untied), hidden_dim=16, mlp_dim=32)
        assert type(block.attention_layer) is cls
    for key, spec in ATTENTIONS.items():  # any registered variant, the shipped ones included
        block = EncoderBlock(key, attention_options(key, untied), hidden_dim=16, mlp_dim=32)
        assert type(block.attention_layer).__name__ == spec.layer


# --- bad shapes: a ValueError that names the field -------------------------------------------


@pytest.mark.parametrize("tokenizer_cls", [PatchTokenizer, ShiftedPatchTokenizer])
def test_patch_size_must_divide_the_image(tokenizer_cls):
    layer = tokenizer_cls(patch_size=3, hidden_dim=16)
    with pytest.raises(ValueError, match="patch_size"):
        layer(np.zeros((1, 16, 16, 3), "float32"))


@pytest.mark.parametrize("attention_cls", [MultiHeadSelfAttention, LocalitySelfAttention])
def test_num_heads_must_divide_hidden_dim_without_key_dim(attention_cls):
    with pytest.raises(ValueError, match="num_heads"):
        attention_cls(hidden_dim=16, num_heads=3)
    # With an explicit key_dim the head count is free (MultiHeadAttention semantics).
    layer = attention_cls(hidden_dim=16, num_heads=3, key_dim=4)
    assert layer(np.zeros((1, 4, 16), "float32")).shape == (1, 4, 16)


def test_external_attention_shape_checks():
    with pytest.raises(ValueError, match="num_heads"):
        ExternalAttention(hidden_dim=16, num_heads=3)
    with pytest.raises(ValueError, match="dim_coefficient"):
        ExternalAttention(hidden_dim=16, num_heads=2, dim_coefficient=3)


def test_token_width_must_match_hidden_dim():
    for layer in (
        LocalitySelfAttention(hidden_dim=16, num_heads=2),
        ExternalAttention(hidden_dim=16, num_heads=2, dim_coefficient=2),
        PositionEmbedding(num_patches=4, hidden_dim=16),
        EncoderBlock("mhsa", {"hidden_dim": 16, "num_heads": 2}, hidden_dim=16, mlp_dim=32),
    ):
        with pytest.raises(ValueError, match="hidden_dim"):
            layer(np.zeros((1, 4, 8), "float32"))


# --- the helper itself catches the two classic mistakes ----------------------------------------


class _RawVariableScale(keras.layers.Layer):
    """keras-io LSA style: a raw tf.Variable that Keras never sees as a weight."""

    def __init__(self, units: int = 4, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.dense = keras.layers.Dense(units)
        self.tau = tf.Variable(2.0, trainable=True)

    def call(self, x):
        return self.dense(x) / self.tau

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.units)

    def get_config(self):
        return {**super().get_config(), "units": self.units}


class _ForgetsConfig(keras.layers.Layer):
    """get_config() drops `use_bias`: a clone silently gets the default."""

    def __init__(self, units: int = 4, use_bias: bool = True, **kwargs):
        super().__init__(**kwargs)
        self.units, self.use_bias = units, use_bias
        self.dense = keras.layers.Dense(units, use_bias=use_bias)

    def call(self, x):
        return self.dense(x)

    def get_config(self):
        return {**super().get_config(), "units": self.units}


class _IgnoresPolicy(keras.layers.Layer):
    """A sublayer created without `dtype=self.dtype_policy`: it computes in float32 under a
    mixed policy (and only the global policy could have changed that)."""

    def __init__(self, units: int = 4, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.dense = keras.layers.Dense(units)

    def call(self, x):
        return self.dense(x)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.units)

    def get_config(self):
        return {**super().get_config(), "units": self.units}


def test_contract_helper_rejects_a_sublayer_without_the_policy():
    x = np.zeros((2, 3, 8), "float32")
    with pytest.raises(AssertionError, match="policy"):
        assert_follows_policy(_IgnoresPolicy, {"units": 4}, x, keras.DTypePolicy("mixed_float16"))


def test_contract_helper_rejects_a_raw_tf_variable(tmp_path):
    with pytest.raises(AssertionError, match="raw tf.Variable"):
        assert_layer_contract(_RawVariableScale, {"units": 4}, (2, 3, 8), tmp_path)


def test_contract_helper_rejects_a_missing_config_key(tmp_path):
    with pytest.raises(AssertionError, match="get_config"):
        assert_layer_contract(_ForgetsConfig, {"units": 4, "use_bias": False}, (2, 3, 8), tmp_path)


def test_position_embedding_adds_its_own_table_to_every_example():
    from benchmark.layers.embedding import PositionEmbedding

    layer = PositionEmbedding(4, 3)
    tokens = np.random.default_rng(0).normal(size=(2, 4, 3)).astype("float32")
    layer(tokens)
    table = np.random.default_rng(1).normal(size=(4, 3)).astype("float32")
    layer.embeddings.assign(table)
    np.testing.assert_allclose(np.asarray(layer(tokens)), tokens + table[None], rtol=1e-6)
