"""Learned absolute position embedding added to the token sequence (ViT, EANet seeds)."""

from __future__ import annotations

import keras
from keras import layers

from benchmark.layers.checks import check_token_width


@keras.saving.register_keras_serializable(package="vitbench")
class PositionEmbedding(layers.Layer):
    """tokens + E[position]; E has shape (num_patches, hidden_dim), initialised like
    keras.layers.Embedding (uniform +-0.05) so parameter counts match the seeds."""

    def __init__(self, num_patches: int, hidden_dim: int, **kwargs):
        super().__init__(**kwargs)
        self.num_patches = num_patches
        self.hidden_dim = hidden_dim

    def build(self, input_shape):
        if input_shape[1] is not None and input_shape[1] != self.num_patches:
            raise ValueError(
                f"num_patches={self.num_patches} does not match the token count {input_shape[1]}"
            )
        check_token_width(self.hidden_dim, input_shape)
        self.embeddings = self.add_weight(
            name="embeddings",
            shape=(self.num_patches, self.hidden_dim),
            initializer=keras.initializers.RandomUniform(-0.05, 0.05),
        )

    def call(self, tokens):
        return tokens + self.embeddings

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update(num_patches=self.num_patches, hidden_dim=self.hidden_dim)
        return config
