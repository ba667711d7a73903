"""Analytic forward FLOPs per image (2 x multiply-accumulates of every matmul and einsum).

TF's graph profiler skips Einsum, so it misses the attention core; counting by hand is exact for
the matmuls and states its convention: elementwise ops (softmax, norms, GELU, adds) are excluded.
"""

from __future__ import annotations

from benchmark.config import RunConfig
from benchmark.validation import input_size, resolved_attention, resolved_tokenizer


def attention_flops(
    attention: str, tokens: int, dim: int, heads: int, key_dim: int, coef: int
) -> int:
    """Per block, per image."""
    if attention in ("mhsa", "lsa"):
        inner = heads * key_dim
        projections = 3 * tokens * dim * inner + tokens * inner * dim
        core = 2 * heads * tokens * tokens * key_dim  # scores + weighted sum
        return 2 * (projections + core)
    if attention == "external":
        total_heads, head_dim, memory = heads * coef, dim // heads, dim // coef
        expand = tokens * dim * dim * coef
        memories = 2 * total_heads * tokens * head_dim * memory  # M_k and M_v
        project = tokens * dim * coef * dim
        return 2 * (expand + memories + project)
    raise ValueError(f"unknown attention {attention!r}")


def forward_flops(config: RunConfig, channels: int = 3, num_classes: int = 100) -> int:
    m = config.model
    size = input_size(config)
    tokens = (size // m.patch_size) ** 2
    patch_values = m.patch_size**2 * channels
    if resolved_tokenizer(config) == "shifted_patch":
        patch_values *= 5
    total = 2 * tokens * patch_values * m.hidden_dim
    key_dim = m.key_dim or m.hidden_dim // m.num_heads
    block = attention_flops(
        resolved_attention(config), tokens, m.hidden_dim, m.num_heads, key_dim, m.dim_coefficient
    )
    block += 2 * 2 * tokens * m.hidden_dim * m.mlp_dim
    total += m.depth * block
    width = tokens * m.hidden_dim if m.pooling == "flatten" else m.hidden_dim
    for units in (*m.head_units, num_classes):
        total += 2 * width * units
        width = units
    return int(total)
