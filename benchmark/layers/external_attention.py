"""External attention: two small learnable memories replace token-token attention.

Guo et al., "Beyond Self-attention: External Attention using Two Linear Layers for Visual
Tasks", arXiv:2105.02358. Follows the keras-io EANet example: the width is expanded by
`dim_coefficient`, split into num_heads * dim_coefficient heads, attended against a key memory of
hidden_dim // dim_coefficient units with double normalisation (softmax over tokens, then
l1 over memory units), read back through a value memory and projected to hidden_dim.
"""

from __future__ import annotations

import keras
from keras import layers, ops

from benchmark.layers.checks import check_token_width


@keras.saving.register_keras_serializable(package="vitbench")
class ExternalAttention(layers.Layer):
    """Linear in the number of tokens: O(N * S * d) instead of O(N^2 * d)."""

    def __init__(
        self,
        hidden_dim: int,
        num_heads: int,
        dim_coefficient: int = 4,
        attention_dropout_rate: float = 0.0,
        projection_dropout_rate: float = 0.0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if num_heads < 1 or hidden_dim % num_heads:
            raise ValueError(
                f"num_heads={num_heads} does not divide hidden_dim={hidden_dim}; "
                "choose a head count that divides the width"
            )
        if dim_coefficient < 1 or hidden_dim % dim_coefficient:
            raise ValueError(
                f"dim_coefficient={dim_coefficient} does not fit hidden_dim={hidden_dim}: it must "
                "divide hidden_dim (the key memory has hidden_dim // dim_coefficient units)"
            )
        self.hidden_dim = hidden_dim
        self.num_heads = num_heads
        self.dim_coefficient = dim_coefficient
        self.attention_dropout_rate = attention_dropout_rate
        self.projection_dropout_rate = projection_dropout_rate
        self.total_heads = num_heads * dim_coefficient
        self.head_dim = hidden_dim // num_heads
        self.memory_units = hidden_dim // dim_coefficient
        policy = self.dtype_policy
        self.expand = layers.Dense(hidden_dim * dim_coefficient, name="expand", dtype=policy)
        self.memory_key = layers.Dense(self.memory_units, name="memory_key", dtype=policy)
        self.memory_value = layers.Dense(self.head_dim, name="memory_value", dtype=policy)
        self.project = layers.Dense(hidden_dim, name="project", dtype=policy)
        self.attention_dropout = layers.Dropout(attention_dropout_rate, dtype=policy)
        self.projection_dropout = layers.Dropout(projection_dropout_rate, dtype=policy)

    def build(self, input_shape):
        check_token_width(self.hidden_dim, input_shape)
        self.expand.build(input_shape)
        self.memory_key.build((None, None, None, self.head_dim))
        self.memory_value.build((None, None, None, self.memory_units))
        self.project.build((None, None, self.hidden_dim * self.dim_coefficient))

    def call(self, x, training=None):
        tokens = ops.shape(x)[1]
        x = self.expand(x)
        x = ops.reshape(x, (-1, tokens, self.total_heads, self.head_dim))
        x = ops.transpose(x, (0, 2, 1, 3))  # (B, heads, N, head_dim)
        attention = ops.softmax(self.memory_key(x), axis=2)  # normalise over tokens
        attention = attention / (1e-9 + ops.sum(attention, axis=-1, keepdims=True))
        attention = self.attention_dropout(attention, training=training)
        x = self.memory_value(attention)
        x = ops.transpose(x, (0, 2, 1, 3))
        x = ops.reshape(x, (-1, tokens, self.hidden_dim * self.dim_coefficient))
        return self.projection_dropout(self.project(x), training=training)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update(
            hidden_dim=self.hidden_dim,
            num_heads=self.num_heads,
            dim_coefficient=self.dim_coefficient,
            attention_dropout_rate=self.attention_dropout_rate,
            projection_dropout_rate=self.projection_dropout_rate,
        )
        return config
