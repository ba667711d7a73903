"""The one classifier graph: tokenizer -> position embedding -> N encoder blocks -> pooling ->
head. Every registry entry is this graph with different string keys.

The registry (`benchmark.config.registry`) says which `model.*` fields feed which constructor
argument of a tokenizer or attention; `layer_arguments` applies it, so the layers take plain
arguments and a new variant needs no code here."""

from __future__ import annotations

from typing import Any

import keras
from keras import layers

from benchmark.config import (
    ATTENTIONS,
    TOKENIZERS,
    ModelConfig,
    resolved_attention,
    resolved_tokenizer,
)
from benchmark.config.registry import LayerSpec
from benchmark.layers import EncoderBlock, PositionEmbedding, tokenizer_class
from benchmark.layers.mlp import activation_fn
from benchmark.models.precision import layer_policy


def layer_arguments(spec: LayerSpec, config: ModelConfig) -> dict[str, Any]:
    """Constructor arguments of a registry entry's layer, read from the model config."""
    return {argument: getattr(config, field) for argument, field in spec.arguments.items()}


def build_classifier(
    config: ModelConfig,
    image_size: int,
    channels: int,
    num_classes: int,
    precision: str = "float32",
):
    """A functional keras.Model from raw (already normalised) images to class logits.

    Under a mixed `precision` every layer gets that dtype policy (float16/bfloat16 compute,
    float32 variables); the logits stay float32 so softmax and the loss are computed at full
    precision. The global Keras policy is left alone."""
    policy = layer_policy(precision)
    tokenizer, attention = resolved_tokenizer(config), resolved_attention(config)
    if image_size % config.patch_size:
        raise ValueError(
            f"patch_size={config.patch_size} does not divide the image size {image_size}"
        )
    num_patches = (image_size // config.patch_size) ** 2

    inputs = keras.Input(shape=(image_size, image_size, channels), name="images")
    tokenizer_cls = tokenizer_class(tokenizer)
    x = tokenizer_cls(
        **layer_arguments(TOKENIZERS[tokenizer], config), name="tokenizer", dtype=policy
    )(inputs)
    embedding = PositionEmbedding(
        num_patches, config.hidden_dim, name="position_embedding", dtype=policy
    )
    x = embedding(x)
    attention_options = layer_arguments(ATTENTIONS[attention], config)
    for index in range(config.depth):
        x = EncoderBlock(
            attention=attention,
            attention_options=attention_options,
            hidden_dim=config.hidden_dim,
            mlp_dim=config.mlp_dim,
            mlp_dropout_rate=config.mlp_dropout_rate,
            activation=config.activation,
            mlp_output_activation=config.mlp_output_activation,
            layer_norm_epsilon=config.layer_norm_epsilon,
            name=f"block_{index}",
            dtype=policy,
        )(x)
    x = _head(config, x, policy)
    logits = layers.Dense(num_classes, name="logits", dtype="float32")(x)
    model = keras.Model(inputs, logits, name=config.name)
    model.dtype_policy = policy  # compile() wraps the optimizer in loss scaling for float16
    return model


def _head(config: ModelConfig, x, policy):
    """Optional norm, pooling, optional hidden layers: everything between blocks and logits."""
    if config.head_norm:
        x = layers.LayerNormalization(
            epsilon=config.layer_norm_epsilon, name="head_norm", dtype=policy
        )(x)
    if config.pooling == "gap":
        x = layers.GlobalAveragePooling1D(name="pool", dtype=policy)(x)
    else:
        x = layers.Flatten(name="pool", dtype=policy)(x)
    if config.head_dropout_rate:
        x = layers.Dropout(config.head_dropout_rate, name="pool_dropout", dtype=policy)(x)
    for index, units in enumerate(config.head_units):
        activation = activation_fn(config.activation)
        x = layers.Dense(units, activation=activation, name=f"head_{index}", dtype=policy)(x)
        if config.head_dropout_rate:
            x = layers.Dropout(
                config.head_dropout_rate, name=f"head_dropout_{index}", dtype=policy
            )(x)
    return x
