"""The Keras layer contract, run in one call for every layer in `benchmark.layers`.

`assert_layer_contract` checks what breaks saving, cloning and tuning when a layer gets it wrong:
config == constructor arguments, `from_config` + same weights == same outputs, a `.keras` round
trip == same outputs, every variable is a tracked weight (no raw `tf.Variable`), the real
output shape == `compute_output_shape`, and under a mixed dtype policy every sublayer follows the
layer's policy (keras-hub's `run_precision_test`): precision is set per layer, never globally.
"""

from __future__ import annotations

import dataclasses
import inspect
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

BASE_LAYER_KEYS = {"name", "trainable", "dtype"}  # always written by keras.layers.Layer
OPTIONAL_BASE_KEYS = set(keras.layers.Layer().get_config())  # + activity_regularizer, autocast


def constructor_arguments(layer_cls: type) -> set[str]:
    """Named `__init__` parameters, without self / *args / **kwargs."""
    params = inspect.signature(layer_cls.__init__).parameters.values()
    variadic = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
    return {p.name for p in params if p.name != "self" and p.kind not in variadic}


def _scan(obj: Any, layers: list, raw: list, seed_states: list, seen: set[int]) -> None:
    """Walk a layer's attributes: collect sub-layers, raw tf.Variables and seed-generator states.

    Keras variables are not descended into (their backing `tf.Variable` is legitimate)."""
    if id(obj) in seen:
        return
    seen.add(id(obj))
    if isinstance(obj, keras.Variable):
        return
    if isinstance(obj, tf.Variable):
        raw.append(obj)
    elif isinstance(obj, keras.random.SeedGenerator):
        seed_states.append(obj.state)
    elif isinstance(obj, keras.layers.Layer):
        layers.append(obj)
        for key, value in vars(obj).items():
            if key not in ("_tracker", "_inbound_nodes", "_outbound_nodes"):
                _scan(value, layers, raw, seed_states, seen)
    elif isinstance(obj, (list, tuple, set)):
        for value in obj:
            _scan(value, layers, raw, seed_states, seen)
    elif isinstance(obj, dict):
        for value in obj.values():
            _scan(value, layers, raw, seed_states, seen)


def assert_layer_contract(
    layer_cls: type, init_kwargs: dict[str, Any], input_shape: tuple[int, ...], tmp_path
) -> None:
    """The whole layer contract; `input_shape` includes the batch dimension."""
    x = np.random.default_rng(0).normal(size=input_shape).astype("float32") * 10.0
    layer = layer_cls(**init_kwargs)

    # 1. get_config() == constructor arguments (+ base Layer keys), with the values passed in.
    config = layer.get_config()
    assert set(config) >= BASE_LAYER_KEYS, f"base keys missing from {sorted(config)}"
    own_keys = set(config) - OPTIONAL_BASE_KEYS
    assert own_keys == constructor_arguments(layer_cls), (
        f"{layer_cls.__name__}.get_config() keys {sorted(own_keys)} != __init__ arguments "
        f"{sorted(constructor_arguments(layer_cls))}"
    )
    for key, value in init_kwargs.items():
        assert config[key] == value, f"get_config()[{key!r}] = {config[key]!r}, passed {value!r}"

    expected = keras.ops.convert_to_numpy(layer(x, training=False))

    # 2. Weights only through add_weight / sub-layers: no raw tf.Variable anywhere in the tree.
    sublayers: list = []
    raw: list = []
    seed_states: list = []
    _scan(layer, sublayers, raw, seed_states, set())
    assert not raw, f"raw tf.Variable(s) not tracked as weights: {[v.name for v in raw]}"
    assert layer.weights, "a layer of this suite always has weights"
    tracked = {id(w) for w in layer.weights} | {id(s) for s in seed_states}
    stray = [v.path for v in layer.variables if id(v) not in tracked]
    assert not stray, f"variables that are neither weights nor seed states: {stray}"

    # 3. from_config(get_config()) + set_weights(get_weights()) -> identical outputs.
    clone = layer_cls.from_config(config)
    clone(x, training=False)
    clone.set_weights(layer.get_weights())
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(clone(x, training=False)),
        expected,
        err_msg="from_config clone with the same weights gives different outputs",
    )

    # 4. A model holding the layer round-trips through a .keras file.
    inputs = keras.Input(shape=input_shape[1:])
    model = keras.Model(inputs, layer(inputs))
    path = tmp_path / f"{layer_cls.__name__}.keras"
    model.save(path)
    restored = keras.models.load_model(path)
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(restored(x, training=False)),
        expected,
        err_msg=".keras round trip changes the outputs",
    )

    # 5. Output shapes == compute_output_shape, concrete and symbolic (batch None).
    assert tuple(layer.compute_output_shape(input_shape)) == expected.shape
    symbolic = (None, *input_shape[1:])
    assert tuple(layer.compute_output_shape(symbolic)) == tuple(model.output.shape)

    # 6. Mixed precision: the policy reaches every sublayer; float32 variables, low outputs.
    for name in MIXED_POLICIES:
        assert_follows_policy(layer_cls, init_kwargs, x, keras.DTypePolicy(name))


MIXED_POLICIES = ("mixed_float16", "mixed_bfloat16")


def assert_follows_policy(layer_cls: type, init_kwargs: dict[str, Any], x, policy) -> None:
    """Built with `dtype=policy`: every sublayer computes in the policy's compute dtype and keeps
    its variables in the variable dtype (float32), and the output has the compute dtype."""
    layer = layer_cls(**init_kwargs, dtype=policy)
    output = layer(x, training=False)
    sublayers: list = []
    _scan(layer, sublayers, [], [], set())
    for sublayer in sublayers:
        assert (sublayer.compute_dtype, sublayer.variable_dtype) == (
            policy.compute_dtype,
            policy.variable_dtype,
        ), f"{sublayer.path or sublayer.name} ignores the {policy.name} policy of {layer.name}"
    assert {str(w.dtype) for w in layer.weights} == {policy.variable_dtype}
    assert keras.backend.standardize_dtype(output.dtype) == policy.compute_dtype, (
        f"{layer_cls.__name__} under {policy.name} returns {output.dtype}"
    )


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
