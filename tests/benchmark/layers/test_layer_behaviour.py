"""Each layer against an independent numpy (or stock Keras) reference of what it should compute."""

from __future__ import annotations

import math

import keras
import numpy as np
import pytest

from benchmark.layers import (
    ExternalAttention,
    LocalitySelfAttention,
    MultiHeadSelfAttention,
    PatchTokenizer,
    ShiftedPatchTokenizer,
)


def to_numpy(tensor) -> np.ndarray:
    return keras.ops.convert_to_numpy(tensor)


def numpy_patches(images: np.ndarray, patch: int) -> np.ndarray:
    """(B, H, W, C) -> (B, N, patch*patch*C): patches row-major, pixels (row, col, channel)."""
    b, h, w, c = images.shape
    grid = images.reshape(b, h // patch, patch, w // patch, patch, c)
    return grid.transpose(0, 1, 3, 2, 4, 5).reshape(b, (h // patch) * (w // patch), -1)


def numpy_shift(images: np.ndarray, mode: str, half: int) -> np.ndarray:
    """Shifted copy with zero fill; "left-up" moves content toward the top-left:
    out[i, j] = img[i + half, j + half] (and out = 0 where that index leaves the image)."""
    _, h, w, _ = images.shape
    dy = half if mode.endswith("up") else -half
    dx = half if mode.startswith("left") else -half
    out = np.zeros_like(images)
    for i in range(h):
        for j in range(w):
            if 0 <= i + dy < h and 0 <= j + dx < w:
                out[:, i, j] = images[:, i + dy, j + dx]
    return out


def numpy_layer_norm(x: np.ndarray, gamma, beta, eps: float) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = x.var(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * gamma + beta


def numpy_softmax(x: np.ndarray, axis: int) -> np.ndarray:
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


# --- tokenizers -------------------------------------------------------------------------------


def test_patch_tokenizer_patches_are_row_major(rng):
    images = rng.uniform(0, 255, (2, 8, 8, 3)).astype("float32")
    layer = PatchTokenizer(patch_size=4, hidden_dim=48)  # 4*4*3 = 48: identity projection
    layer.build(images.shape)
    layer.set_weights([np.eye(48, dtype="float32"), np.zeros(48, "float32")])
    np.testing.assert_allclose(to_numpy(layer(images)), numpy_patches(images, 4), rtol=1e-6)


@pytest.mark.parametrize("mode", ShiftedPatchTokenizer.SHIFTS)
@pytest.mark.parametrize("patch_size", [2, 4])
def test_each_shift_is_a_half_patch_crop_and_zero_pad(rng, mode, patch_size):
    images = rng.uniform(1, 255, (2, 8, 8, 3)).astype("float32")  # no zeros of its own
    layer = ShiftedPatchTokenizer(patch_size=patch_size, hidden_dim=16)
    expected = numpy_shift(images, mode, patch_size // 2)
    np.testing.assert_array_equal(to_numpy(layer.shift(images, mode)), expected)


def test_left_up_moves_content_toward_the_top_left():
    image = np.zeros((1, 8, 8, 1), "float32")
    image[0, 5, 6, 0] = 1.0
    shifted = to_numpy(ShiftedPatchTokenizer(4, 16).shift(image, "left-up"))
    assert shifted[0, 3, 4, 0] == 1.0 and shifted.sum() == 1.0


def test_shifted_patch_tokenizer_matches_numpy_reference(rng):
    """Concatenation order [image, left-up, left-down, right-up, right-down] -> patches ->
    LayerNorm -> projection; any other order gives different tokens."""
    patch, eps = 4, 1e-6
    images = rng.uniform(0, 255, (2, 8, 8, 3)).astype("float32")
    layer = ShiftedPatchTokenizer(patch_size=patch, hidden_dim=16, layer_norm_epsilon=eps)
    layer.build(images.shape)
    gamma = rng.normal(1, 0.1, 240).astype("float32")
    beta = rng.normal(0, 0.1, 240).astype("float32")
    kernel = rng.normal(0, 0.1, (240, 16)).astype("float32")
    bias = rng.normal(0, 0.1, 16).astype("float32")
    layer.layer_norm.set_weights([gamma, beta])
    layer.projection.set_weights([kernel, bias])

    order = ["left-up", "left-down", "right-up", "right-down"]
    stacked = np.concatenate(
        [images] + [numpy_shift(images, m, patch // 2) for m in order], axis=-1
    )
    tokens = numpy_layer_norm(numpy_patches(stacked, patch), gamma, beta, eps)
    expected = tokens @ kernel + bias
    np.testing.assert_allclose(to_numpy(layer(images)), expected, rtol=1e-4, atol=1e-4)


# --- self-attention ---------------------------------------------------------------------------


def test_mhsa_equals_keras_multi_head_attention(rng):
    x = rng.normal(size=(2, 8, 16)).astype("float32")
    layer = MultiHeadSelfAttention(hidden_dim=16, num_heads=2)
    layer(x)
    reference = keras.layers.MultiHeadAttention(num_heads=2, key_dim=8)
    reference(x, x)
    reference.set_weights(layer.get_weights())
    np.testing.assert_allclose(
        to_numpy(layer(x, training=False)), to_numpy(reference(x, x)), rtol=1e-6, atol=1e-6
    )


def test_lsa_temperature_is_one_trainable_weight_initialised_to_sqrt_key_dim():
    for key_dim, head_dim in ((None, 8), (5, 5)):
        layer = LocalitySelfAttention(hidden_dim=16, num_heads=2, key_dim=key_dim)
        layer.build((None, 8, 16))
        assert any(w is layer.temperature for w in layer.trainable_weights)
        assert tuple(layer.temperature.shape) == ()
        assert float(to_numpy(layer.temperature)) == pytest.approx(math.sqrt(head_dim))
        mhsa = MultiHeadSelfAttention(hidden_dim=16, num_heads=2, key_dim=key_dim)
        mhsa.build((None, 8, 16))
        assert layer.count_params() == mhsa.count_params() + 1  # same projections + tau


def _lsa_with_uniform_scores(rng) -> LocalitySelfAttention:
    """Query/key projections zeroed: every score is 0, so only the mask shapes the weights."""
    layer = LocalitySelfAttention(hidden_dim=16, num_heads=2)
    layer.build((None, 8, 16))
    for dense in (layer.query_dense, layer.key_dense):
        dense.set_weights([np.zeros_like(w) for w in dense.get_weights()])
    for dense in (layer.value_dense, layer.output_dense):
        dense.set_weights([rng.normal(size=w.shape).astype("float32") for w in dense.get_weights()])
    return layer


def test_lsa_token_never_attends_to_itself(rng):
    layer = _lsa_with_uniform_scores(rng)
    x = rng.normal(size=(1, 8, 16)).astype("float32")
    loud = x.copy()
    loud[:, 3] *= 1e4  # token 3's value becomes huge
    quiet_out, loud_out = to_numpy(layer(x)), to_numpy(layer(loud))
    np.testing.assert_allclose(loud_out[:, 3], quiet_out[:, 3], rtol=1e-5, atol=1e-5)
    assert np.abs(loud_out[:, 0] - quiet_out[:, 0]).max() > 1.0  # others do see token 3

    # Exactly the mean of the OTHER tokens' values (weights 1/(N-1)), projected.
    wv, bv = layer.value_dense.get_weights()
    wo, bo = layer.output_dense.get_weights()
    values = np.einsum("btd,dnh->btnh", x, wv) + bv
    others = (values.sum(axis=1, keepdims=True) - values) / (8 - 1)
    expected = np.einsum("btnh,nhd->btd", others, wo) + bo
    np.testing.assert_allclose(quiet_out, expected, rtol=1e-4, atol=1e-4)


def test_lsa_matches_numpy_reference_with_learned_temperature(rng):
    x = rng.normal(size=(2, 6, 16)).astype("float32")
    layer = LocalitySelfAttention(hidden_dim=16, num_heads=2)
    layer.build(x.shape)
    layer.temperature.assign(0.7)  # not the initial value: the layer must read the weight
    wq, bq = layer.query_dense.get_weights()
    wk, bk = layer.key_dense.get_weights()
    wv, bv = layer.value_dense.get_weights()
    wo, bo = layer.output_dense.get_weights()
    q = (np.einsum("btd,dnh->btnh", x, wq) + bq) / 0.7
    k = np.einsum("btd,dnh->btnh", x, wk) + bk
    v = np.einsum("btd,dnh->btnh", x, wv) + bv
    scores = np.einsum("btnh,bsnh->bnts", q, k)
    scores[:, :, np.arange(6), np.arange(6)] = -np.inf
    weights = numpy_softmax(scores, axis=-1)
    assert np.all(weights[:, :, np.arange(6), np.arange(6)] == 0)
    expected = np.einsum("bnts,bsnh,nhd->btd", weights, v, wo) + bo
    np.testing.assert_allclose(to_numpy(layer(x)), expected, rtol=1e-4, atol=1e-5)


# --- external attention -----------------------------------------------------------------------


def test_external_attention_matches_the_seed_math(rng):
    """keras-io EANet: expand -> (B, N, heads*coef, D/heads) -> transpose -> M_k -> softmax over
    tokens (axis 2) -> divide by (sum over memory units + 1e-9) -> M_v -> transpose/reshape ->
    project. Dropout off."""
    batch, tokens, dim, heads, coef = 2, 6, 16, 2, 4
    x = rng.normal(size=(batch, tokens, dim)).astype("float32")
    layer = ExternalAttention(dim, heads, coef, 0.5, 0.5)  # dropout must be off at inference
    layer.build(x.shape)
    for dense in (layer.expand, layer.memory_key, layer.memory_value, layer.project):
        dense.set_weights(
            [rng.normal(0, 0.3, w.shape).astype("float32") for w in dense.get_weights()]
        )
    we, be = layer.expand.get_weights()
    wk, bk = layer.memory_key.get_weights()
    wv, bv = layer.memory_value.get_weights()
    wp, bp = layer.project.get_weights()
    total_heads = heads * coef
    assert wk.shape == (dim // heads, dim // coef) and wv.shape == (dim // coef, dim // heads)

    h = (x @ we + be).reshape(batch, tokens, total_heads, dim * coef // total_heads)
    h = h.transpose(0, 2, 1, 3)
    attention = numpy_softmax(h @ wk + bk, axis=2)
    attention = attention / (1e-9 + attention.sum(axis=-1, keepdims=True))
    out = (attention @ wv + bv).transpose(0, 2, 1, 3).reshape(batch, tokens, dim * coef)
    expected = out @ wp + bp
    np.testing.assert_allclose(to_numpy(layer(x, training=False)), expected, rtol=1e-4, atol=1e-4)
