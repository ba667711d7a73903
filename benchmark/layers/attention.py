"""Self-attention over tokens: standard multi-head (MHSA) and Locality Self-Attention (LSA).

Vaswani et al., "Attention Is All You Need", NeurIPS 2017 (MHSA);
Lee, Lee & Song, "Vision Transformer for Small-Size Datasets", arXiv:2112.13492 (LSA:
a learnable softmax temperature and a masked diagonal, so tokens attend to *other* tokens).
"""

from __future__ import annotations

import math

import keras
from keras import layers, ops

from benchmark.layers.checks import check_token_width


def _check_heads(hidden_dim: int | None, num_heads: int, key_dim: int | None) -> int:
    if num_heads < 1:
        raise ValueError(f"num_heads must be >= 1, got {num_heads}")
    if key_dim is not None:
        return key_dim
    if hidden_dim is None or hidden_dim % num_heads:
        raise ValueError(
            f"num_heads={num_heads} does not divide hidden_dim={hidden_dim}; "
            "choose a head count that divides the width or set key_dim"
        )
    return hidden_dim // num_heads


class SelfAttentionBase(layers.Layer):
    """Shared constructor arguments, config and shapes of MHSA and LSA (query = key = value)."""

    def __init__(
        self,
        hidden_dim: int,
        num_heads: int,
        key_dim: int | None = None,
        dropout_rate: float = 0.0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.hidden_dim = hidden_dim
        self.num_heads = num_heads
        self.key_dim = key_dim
        self.dropout_rate = dropout_rate
        self.head_dim = _check_heads(hidden_dim, num_heads, key_dim)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update(
            hidden_dim=self.hidden_dim,
            num_heads=self.num_heads,
            key_dim=self.key_dim,
            dropout_rate=self.dropout_rate,
        )
        return config


@keras.saving.register_keras_serializable(package="vitbench")
class MultiHeadSelfAttention(SelfAttentionBase):
    """keras.layers.MultiHeadAttention applied as self-attention (query = key = value)."""

    def __init__(self, hidden_dim: int, num_heads: int, key_dim=None, dropout_rate=0.0, **kwargs):
        super().__init__(hidden_dim, num_heads, key_dim, dropout_rate, **kwargs)
        self.attention = layers.MultiHeadAttention(
            num_heads=num_heads,
            key_dim=self.head_dim,
            dropout=dropout_rate,
            name="mha",
            dtype=self.dtype_policy,
        )

    def build(self, input_shape):
        self.attention.build(input_shape, input_shape)

    def call(self, x, training=None):
        return self.attention(x, x, training=training)


@keras.saving.register_keras_serializable(package="vitbench")
class LocalitySelfAttention(SelfAttentionBase):
    """LSA with the same projections (and parameter shapes) as MultiHeadAttention, a learnable
    temperature tau initialised to sqrt(key_dim) (one weight), and the diagonal masked out.

    Written on public Keras API (EinsumDense, add_weight, keras.ops) instead of overriding
    MultiHeadAttention's private `_compute_attention`, whose signature changes between releases.
    """

    def __init__(self, hidden_dim: int, num_heads: int, key_dim=None, dropout_rate=0.0, **kwargs):
        super().__init__(hidden_dim, num_heads, key_dim, dropout_rate, **kwargs)
        projection = (None, num_heads, self.head_dim)
        policy = self.dtype_policy
        self.query_dense = layers.EinsumDense(
            "btd,dnh->btnh", projection, bias_axes="nh", name="query", dtype=policy
        )
        self.key_dense = layers.EinsumDense(
            "bsd,dnh->bsnh", projection, bias_axes="nh", name="key", dtype=policy
        )
        self.value_dense = layers.EinsumDense(
            "bsd,dnh->bsnh", projection, bias_axes="nh", name="value", dtype=policy
        )
        self.output_dense = layers.EinsumDense(
            "btnh,nhd->btd",
            (None, hidden_dim),
            bias_axes="d",
            name="attention_output",
            dtype=policy,
        )
        self.dropout = layers.Dropout(dropout_rate, dtype=policy)

    def build(self, input_shape):
        check_token_width(self.hidden_dim, input_shape)
        for dense in (self.query_dense, self.key_dense, self.value_dense):
            dense.build(input_shape)
        self.output_dense.build((*input_shape[:-1], self.num_heads, self.head_dim))
        self.temperature = self.add_weight(
            name="temperature",
            shape=(),
            initializer=keras.initializers.Constant(math.sqrt(self.head_dim)),
        )

    def call(self, x, training=None):
        query = self.query_dense(x) / self.temperature
        key = self.key_dense(x)
        value = self.value_dense(x)
        scores = ops.einsum("bsnh,btnh->bnts", key, query)
        tokens = ops.shape(scores)[-1]
        diagonal = ops.expand_dims(ops.eye(tokens, dtype="bool"), 0)
        scores = ops.where(diagonal, ops.cast(-1e9, scores.dtype), scores)
        weights = self.dropout(ops.softmax(scores, axis=-1), training=training)
        attended = ops.einsum("bnts,bsnh->btnh", weights, value)
        return self.output_dense(attended)
