"""Every registry entry (and every tokenizer x attention ablation) builds, runs and trains.

Parametrised over `MODELS`, so a new variant is tested with no new test code."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from benchmark.config.registry import ATTENTIONS, MODELS, TOKENIZERS
from benchmark.layers import EncoderBlock
from benchmark.models.classifier import build_classifier

SIZE, CHANNELS, CLASSES, BATCH = 16, 3, 4, 4


def _batch(rng):
    x = rng.normal(size=(BATCH, SIZE, SIZE, CHANNELS)).astype("float32")
    y = np.eye(CLASSES, dtype="float32")[rng.integers(0, CLASSES, BATCH)]
    return x, y


def _structure(model) -> tuple[str, str]:
    """Class names of the tokenizer and of the block's attention, as the registry spells them."""
    blocks = [layer for layer in model.layers if isinstance(layer, EncoderBlock)]
    assert len(blocks) == 1
    return type(model.get_layer("tokenizer")).__name__, type(blocks[0].attention_layer).__name__


# Weights whose gradient is zero in exact arithmetic, per attention: a bias that adds the same
# amount to every logit of one softmax. Self-attention: the key bias adds q.b_k to every key's
# score of a query (softmax over keys). External attention (softmax over tokens): the memory-key
# bias, and upstream of it the expansion bias and the first norm's beta, shift every token alike.
# Round-off leaves them a ~1e-9 gradient, so Adam moves them by ~1e-5, against lr for the others.
NO_GRADIENT = {
    "mhsa": {"block_0/multi_head_self_attention/mha/key/bias"},
    "lsa": {"block_0/locality_self_attention/key/bias"},
    "external": {
        "block_0/norm1/beta",
        "block_0/external_attention/expand/bias",
        "block_0/external_attention/memory_key/bias",
    },
}
LEARNING_RATE = 1e-2


@pytest.mark.parametrize("name", list(MODELS))
def test_registry_model_builds_runs_and_trains(name, tiny_model_config, rng):
    spec = MODELS[name]
    model = build_classifier(tiny_model_config(name), SIZE, CHANNELS, CLASSES)
    assert _structure(model) == (TOKENIZERS[spec.tokenizer].layer, ATTENTIONS[spec.attention].layer)
    x, y = _batch(rng)
    assert tuple(model(x, training=False).shape) == (BATCH, CLASSES)

    model.compile(
        optimizer=keras.optimizers.Adam(LEARNING_RATE),
        loss=keras.losses.CategoricalCrossentropy(from_logits=True),
        jit_compile=False,
    )
    before = {w.path: np.array(w) for w in model.weights}
    loss = model.train_on_batch(x, y)
    assert np.isfinite(loss)
    moved = {w.path: float(np.abs(np.array(w) - before[w.path]).max()) for w in model.weights}
    # Adam's first step moves every element with a real gradient by ~lr, whatever its scale.
    still = {path for path, step in moved.items() if step < LEARNING_RATE / 10}
    assert still == NO_GRADIENT[spec.attention], moved
    assert all(moved[path] > LEARNING_RATE / 2 for path in moved.keys() - still), moved


@pytest.mark.parametrize("name", list(MODELS))
def test_registry_model_round_trips_through_keras_file(name, tiny_model_config, rng, tmp_path):
    model = build_classifier(tiny_model_config(name), SIZE, CHANNELS, CLASSES)
    x, _ = _batch(rng)
    path = tmp_path / f"{name}.keras"
    model.save(path)
    restored = keras.models.load_model(path)
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(restored(x, training=False)),
        keras.ops.convert_to_numpy(model(x, training=False)),
    )


@pytest.mark.parametrize("attention", list(ATTENTIONS))
@pytest.mark.parametrize("tokenizer", list(TOKENIZERS))
def test_ablation_overrides_build_the_requested_parts(tokenizer, attention, tiny_model_config, rng):
    config = tiny_model_config("vit", tokenizer=tokenizer, attention=attention)
    model = build_classifier(config, SIZE, CHANNELS, CLASSES)
    assert _structure(model) == (TOKENIZERS[tokenizer].layer, ATTENTIONS[attention].layer)
    x, _ = _batch(rng)
    assert tuple(model(x, training=False).shape) == (BATCH, CLASSES)


def test_flatten_head_with_hidden_units(tiny_model_config, rng):
    config = tiny_model_config(
        "vit", pooling="flatten", head_norm=True, head_units=(8,), head_dropout_rate=0.5
    )
    model = build_classifier(config, SIZE, CHANNELS, CLASSES)
    assert tuple(model.get_layer("pool").output.shape) == (None, 16 * 16)  # tokens * width
    assert model.get_layer("head_0").units == 8
    assert isinstance(model.get_layer("head_norm"), keras.layers.LayerNormalization)
    x, _ = _batch(rng)
    assert tuple(model(x, training=False).shape) == (BATCH, CLASSES)


def test_patch_size_not_dividing_the_image_is_a_value_error(tiny_model_config):
    with pytest.raises(ValueError, match="patch_size"):
        build_classifier(tiny_model_config("vit", patch_size=3), SIZE, CHANNELS, CLASSES)
