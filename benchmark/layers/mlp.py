"""Transformer feed-forward block: Dense -> GELU -> Dropout -> Dense -> Dropout."""

from __future__ import annotations

import keras
from keras import layers, ops


@keras.saving.register_keras_serializable(package="vitbench")
def gelu_approximate(x):
    """tanh-approximated GELU, the `keras.ops.gelu` default used by the EANet seed."""
    return ops.gelu(x, approximate=True)


ACTIVATIONS = {
    "none": None,
    "gelu": "gelu",  # exact GELU, keras' "gelu" (ViT small-ds seed)
    "gelu_approximate": gelu_approximate,
}


def activation_fn(name: str):
    if name not in ACTIVATIONS:
        raise ValueError(f"activation={name!r} is not one of {', '.join(ACTIVATIONS)}")
    return ACTIVATIONS[name]


@keras.saving.register_keras_serializable(package="vitbench")
class FeedForward(layers.Layer):
    """The seeds differ only in whether the output Dense also applies GELU."""

    def __init__(
        self,
        mlp_dim: int,
        output_dim: int,
        dropout_rate: float = 0.0,
        activation: str = "gelu",
        output_activation: str = "none",
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.mlp_dim = mlp_dim
        self.output_dim = output_dim
        self.dropout_rate = dropout_rate
        self.activation = activation
        self.output_activation = output_activation
        policy = self.dtype_policy
        self.hidden = layers.Dense(
            mlp_dim, activation=activation_fn(activation), name="hidden", dtype=policy
        )
        self.out = layers.Dense(
            output_dim, activation=activation_fn(output_activation), name="output", dtype=policy
        )
        self.hidden_dropout = layers.Dropout(dropout_rate, dtype=policy)
        self.output_dropout = layers.Dropout(dropout_rate, dtype=policy)

    def build(self, input_shape):
        self.hidden.build(input_shape)
        self.out.build((*input_shape[:-1], self.mlp_dim))

    def call(self, x, training=None):
        x = self.hidden_dropout(self.hidden(x), training=training)
        return self.output_dropout(self.out(x), training=training)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.output_dim)

    def get_config(self):
        config = super().get_config()
        config.update(
            mlp_dim=self.mlp_dim,
            output_dim=self.output_dim,
            dropout_rate=self.dropout_rate,
            activation=self.activation,
            output_activation=self.output_activation,
        )
        return config
