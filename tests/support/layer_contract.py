"""The Keras layer contract, run in one call (`assert_layer_contract`), shared by layer tests.

It checks what breaks saving, cloning, tuning and mixed precision when a layer gets it wrong:
config == constructor arguments, `from_config` + same weights == same outputs, a `.keras` round
trip == same outputs, every variable is a tracked weight (no raw `tf.Variable`), the real output
shape == `compute_output_shape`, and under a mixed dtype policy every sublayer follows the
layer's policy (keras-hub's `run_precision_test`): precision is set per layer, never globally.
"""

from __future__ import annotations

import inspect
from typing import Any

import keras
import numpy as np
import tensorflow as tf

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
