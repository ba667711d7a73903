"""The one classifier graph: tokenizer -> position embedding -> N encoder blocks -> pooling ->
head. Every registry entry is this graph with different string keys."""

from __future__ import annotations

import keras
from keras import layers

from benchmark.config import MODELS, ModelConfig
from benchmark.layers import EncoderBlock, PositionEmbedding, TokenizerSettings, tokenizer_class
from benchmark.layers.mlp import activation_fn
from benchmark.models.precision import dtype_policy


def build_tokenizer(config: ModelConfig, tokenizer: str) -> layers.Layer:
    settings = TokenizerSettings(config.patch_size, config.hidden_dim, config.layer_norm_epsilon)
    return tokenizer_class(tokenizer).from_settings(settings, name="tokenizer")


def build_classifier(
    config: ModelConfig,
    image_size: int,
    channels: int,
    num_classes: int,
    precision: str = "float32",
):
    """A functional keras.Model from raw (already normalised) images to class logits.

    Under a mixed `precision` the layers compute in float16/bfloat16 with float32 variables; the
    logits stay float32 so softmax and the loss are computed at full precision."""
    with dtype_policy(precision):
        return _build(config, image_size, channels, num_classes)


def _build(config: ModelConfig, image_size: int, channels: int, num_classes: int):
    spec = MODELS[config.name]
    tokenizer = config.tokenizer or spec.tokenizer
    attention = config.attention or spec.attention
    if image_size % config.patch_size:
        raise ValueError(
            f"patch_size={config.patch_size} does not divide the image size {image_size}"
        )
    num_patches = (image_size // config.patch_size) ** 2

    inputs = keras.Input(shape=(image_size, image_size, channels), name="images")
    x = build_tokenizer(config, tokenizer)(inputs)
    x = PositionEmbedding(num_patches, config.hidden_dim, name="position_embedding")(x)
    for index in range(config.depth):
        x = EncoderBlock(
            attention=attention,
            hidden_dim=config.hidden_dim,
            num_heads=config.num_heads,
            mlp_dim=config.mlp_dim,
            key_dim=config.key_dim,
            dim_coefficient=config.dim_coefficient,
            attention_dropout_rate=config.attention_dropout_rate,
            projection_dropout_rate=config.projection_dropout_rate,
            mlp_dropout_rate=config.mlp_dropout_rate,
            activation=config.activation,
            mlp_output_activation=config.mlp_output_activation,
            layer_norm_epsilon=config.layer_norm_epsilon,
            name=f"block_{index}",
        )(x)
    if config.head_norm:
        x = layers.LayerNormalization(epsilon=config.layer_norm_epsilon, name="head_norm")(x)
    if config.pooling == "gap":
        x = layers.GlobalAveragePooling1D(name="pool")(x)
    else:
        x = layers.Flatten(name="pool")(x)
    if config.head_dropout_rate:
        x = layers.Dropout(config.head_dropout_rate, name="pool_dropout")(x)
    for index, units in enumerate(config.head_units):
        x = layers.Dense(units, activation=activation_fn(config.activation), name=f"head_{index}")(
            x
        )
        if config.head_dropout_rate:
            x = layers.Dropout(config.head_dropout_rate, name=f"head_dropout_{index}")(x)
    logits = layers.Dense(num_classes, name="logits", dtype="float32")(x)
    return keras.Model(inputs, logits, name=config.name)
