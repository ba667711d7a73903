"""Parameter counts and forward FLOPs from the config alone: no Keras, no TensorFlow.

`vitbench models` lists every preset in well under a second with these; building the Keras
models (what `benchmark.training.loop.parameter_counts` counts) costs a TensorFlow import and
~15 s. The formulas mirror the graph of `benchmark.models.classifier` part by part (tokenizer,
position embedding, blocks per attention type, head), and the FLOPs follow the same convention as
`benchmark.models.flops` (2 x multiply-accumulates of every matmul; elementwise ops excluded).
Tests pin both to the built models and to `forward_flops` for every shipped preset and every
registry tokenizer x attention, so a formula that drifts from its layer fails there.

A new tokenizer or attention needs an entry in `TOKENIZERS` / `ATTENTIONS` below; until it has
one, `has_formula` is False and `vitbench models` falls back to building the model.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from benchmark.config import ModelConfig, RunConfig, input_size, num_classes
from benchmark.config.derived import resolved_attention, resolved_tokenizer

SHIFTED_COPIES = 5  # SPT: the image and its four diagonal half-patch shifts


@dataclass(frozen=True)
class Cost:
    params: int
    flops: int

    def __add__(self, other: Cost) -> Cost:
        return Cost(self.params + other.params, self.flops + other.flops)

    def times(self, n: int) -> Cost:
        return Cost(self.params * n, self.flops * n)


def dense(inputs: int, units: int, tokens: int = 1, bias: bool = True) -> Cost:
    """A Dense / EinsumDense projection applied to `tokens` vectors."""
    return Cost(inputs * units + (units if bias else 0), 2 * tokens * inputs * units)


def layer_norm(width: int) -> Cost:
    return Cost(2 * width, 0)  # gamma and beta; elementwise, no FLOPs by convention


# --- tokenizers: (model, tokens, channels) -> Cost -------------------------------------------


def patch_tokenizer(m: ModelConfig, tokens: int, channels: int) -> Cost:
    return dense(m.patch_size**2 * channels, m.hidden_dim, tokens)


def shifted_patch_tokenizer(m: ModelConfig, tokens: int, channels: int) -> Cost:
    flat = m.patch_size**2 * channels * SHIFTED_COPIES
    return layer_norm(flat) + dense(flat, m.hidden_dim, tokens)


# --- attentions: (model, tokens) -> Cost, per block --------------------------------------------


def _heads(m: ModelConfig) -> tuple[int, int]:
    return m.num_heads, m.key_dim or m.hidden_dim // m.num_heads


def self_attention(m: ModelConfig, tokens: int) -> Cost:
    """Q, K, V and output projections (MultiHeadAttention's shapes) + scores and weighted sum."""
    heads, key_dim = _heads(m)
    inner = heads * key_dim
    projections = dense(m.hidden_dim, inner, tokens).times(3) + dense(inner, m.hidden_dim, tokens)
    core = Cost(0, 2 * 2 * heads * tokens * tokens * key_dim)
    return projections + core


def locality_self_attention(m: ModelConfig, tokens: int) -> Cost:
    """MHSA's projections and core plus one learnable temperature."""
    return self_attention(m, tokens) + Cost(1, 0)


def external_attention(m: ModelConfig, tokens: int) -> Cost:
    """Expansion, the two memories (M_k, M_v) applied per expanded head, projection back."""
    dim, coef = m.hidden_dim, m.dim_coefficient
    head_dim, memory = dim // m.num_heads, dim // coef
    total_heads = m.num_heads * coef
    expand = dense(dim, dim * coef, tokens)
    memory_key = dense(head_dim, memory, tokens * total_heads)
    memory_value = dense(memory, head_dim, tokens * total_heads)
    project = dense(dim * coef, dim, tokens)
    return expand + memory_key + memory_value + project


TOKENIZERS: dict[str, Callable[[ModelConfig, int, int], Cost]] = {
    "patch": patch_tokenizer,
    "shifted_patch": shifted_patch_tokenizer,
}
ATTENTIONS: dict[str, Callable[[ModelConfig, int], Cost]] = {
    "mhsa": self_attention,
    "lsa": locality_self_attention,
    "external": external_attention,
}


def has_formula(config: RunConfig) -> bool:
    return resolved_tokenizer(config) in TOKENIZERS and resolved_attention(config) in ATTENTIONS


def model_cost(config: RunConfig, channels: int = 3, classes: int | None = None) -> Cost:
    """Trainable parameters (the classifier has no non-trainable ones) and FLOPs per image."""
    m = config.model
    classes = num_classes(config) if classes is None else classes
    tokens = (input_size(config) // m.patch_size) ** 2
    total = TOKENIZERS[resolved_tokenizer(config)](m, tokens, channels)
    total += Cost(tokens * m.hidden_dim, 0)  # position embedding
    mlp = dense(m.hidden_dim, m.mlp_dim, tokens) + dense(m.mlp_dim, m.hidden_dim, tokens)
    block = layer_norm(m.hidden_dim).times(2) + mlp
    block += ATTENTIONS[resolved_attention(config)](m, tokens)
    total += block.times(m.depth)
    if m.head_norm:
        total += layer_norm(m.hidden_dim)
    width = tokens * m.hidden_dim if m.pooling == "flatten" else m.hidden_dim
    for units in (*m.head_units, classes):
        total += dense(width, units)
        width = units
    return total
