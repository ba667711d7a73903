"""Pre-norm transformer encoder block with an injected attention (chosen by string key).

x = x + Attention(LayerNorm(x)); x = x + FeedForward(LayerNorm(x)) -- the block of both seeds.
"""

from __future__ import annotations

from typing import Any

import keras
from keras import layers

from benchmark.layers.checks import check_token_width
from benchmark.layers.mlp import FeedForward
from benchmark.layers.variants import attention_class


@keras.saving.register_keras_serializable(package="vitbench")
class EncoderBlock(layers.Layer):
    """One block; `attention` is a registry key (`benchmark.config.registry.ATTENTIONS`) and
    `attention_options` that attention class's constructor arguments (plain data, so the block
    serialises without knowing what any attention needs)."""

    def __init__(
        self,
        attention: str,
        attention_options: dict[str, Any],
        hidden_dim: int,
        mlp_dim: int,
        mlp_dropout_rate: float = 0.0,
        activation: str = "gelu",
        mlp_output_activation: str = "none",
        layer_norm_epsilon: float = 1e-6,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.attention = attention
        self.attention_options = dict(attention_options)
        self.hidden_dim = hidden_dim
        self.mlp_dim = mlp_dim
        self.mlp_dropout_rate = mlp_dropout_rate
        self.activation = activation
        self.mlp_output_activation = mlp_output_activation
        self.layer_norm_epsilon = layer_norm_epsilon
        policy = self.dtype_policy
        self.attention_norm = layers.LayerNormalization(
            epsilon=layer_norm_epsilon, name="norm1", dtype=policy
        )
        self.attention_layer = attention_class(attention)(**self.attention_options, dtype=policy)
        self.mlp_norm = layers.LayerNormalization(
            epsilon=layer_norm_epsilon, name="norm2", dtype=policy
        )
        self.mlp = FeedForward(
            mlp_dim,
            hidden_dim,
            mlp_dropout_rate,
            activation,
            mlp_output_activation,
            name="mlp",
            dtype=policy,
        )

    def build(self, input_shape):
        check_token_width(self.hidden_dim, input_shape)
        for layer in (self.attention_norm, self.attention_layer, self.mlp_norm, self.mlp):
            layer.build(input_shape)

    def call(self, x, training=None):
        x = x + self.attention_layer(self.attention_norm(x), training=training)
        return x + self.mlp(self.mlp_norm(x), training=training)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update(
            attention=self.attention,
            attention_options=dict(self.attention_options),
            hidden_dim=self.hidden_dim,
            mlp_dim=self.mlp_dim,
            mlp_dropout_rate=self.mlp_dropout_rate,
            activation=self.activation,
            mlp_output_activation=self.mlp_output_activation,
            layer_norm_epsilon=self.layer_norm_epsilon,
        )
        return config
