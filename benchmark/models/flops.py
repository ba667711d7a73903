"""Analytic forward FLOPs per image (2 x multiply-accumulates of every matmul and einsum).

TF's graph profiler skips Einsum, so it misses the attention core; counting by hand is exact for
the matmuls and states its convention: elementwise ops (softmax, norms, GELU, adds) are excluded.
Each tokenizer and attention layer counts its own part (`forward_flops`).
"""

from __future__ import annotations

from benchmark.config import RunConfig, input_size, resolved_attention, resolved_tokenizer
from benchmark.layers import (
    AttentionSettings,
    TokenizerSettings,
    attention_class,
    tokenizer_class,
)


def attention_flops(attention: str, settings: AttentionSettings, tokens: int) -> int:
    """Per block, per image."""
    return int(attention_class(attention).forward_flops(settings, tokens))


def forward_flops(
    config: RunConfig, channels: int = 3, num_classes: int = 100, image_size: int | None = None
) -> int:
    """`image_size`: the loaded images' side, for own data without `data.image_size`."""
    m = config.model
    tokens = (input_size(config, image_size) // m.patch_size) ** 2
    tokenizer = TokenizerSettings(m.patch_size, m.hidden_dim, m.layer_norm_epsilon)
    total = tokenizer_class(resolved_tokenizer(config)).forward_flops(tokenizer, tokens, channels)
    settings = AttentionSettings(
        hidden_dim=m.hidden_dim,
        num_heads=m.num_heads,
        key_dim=m.key_dim,
        dim_coefficient=m.dim_coefficient,
    )
    block = attention_flops(resolved_attention(config), settings, tokens)
    block += 2 * 2 * tokens * m.hidden_dim * m.mlp_dim
    total += m.depth * block
    width = tokens * m.hidden_dim if m.pooling == "flatten" else m.hidden_dim
    for units in (*m.head_units, num_classes):
        total += 2 * width * units
        width = units
    return int(total)
