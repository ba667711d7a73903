"""Parameters and forward FLOPs per image, from the config alone: the one cost formula.

Training logs it, `vitbench models` lists it (no Keras, no TensorFlow: well under a second for
every preset) and `vitbench perf` turns it into MFU. The parts follow the graph of
`benchmark.models.classifier`: the tokenizer and the attention come from their registry entry
(`benchmark.config.registry`, next to the layer class they describe), the rest is shared.
Convention (`benchmark.config.cost_terms`): 2 FLOPs per multiply-accumulate of every matmul and
einsum, elementwise ops excluded. Tests pin the parameters to freshly built Keras models of every
registry variant and the FLOPs to hand counts.
"""

from __future__ import annotations

from benchmark.config import (
    ATTENTIONS,
    TOKENIZERS,
    RunConfig,
    num_classes,
    num_tokens,
    resolved_attention,
    resolved_tokenizer,
)
from benchmark.config.cost_terms import Cost, dense, layer_norm


def model_cost(
    config: RunConfig,
    channels: int = 3,
    classes: int | None = None,
    image_size: int | None = None,
) -> Cost:
    """Trainable parameters (the classifier has no non-trainable ones) and FLOPs per image.

    `classes` and `image_size`: what the loaded data has, for own data (folder, npz) whose class
    count and size are known only after loading."""
    m = config.model
    classes = num_classes(config) if classes is None else classes
    tokens = num_tokens(config, image_size)
    total = TOKENIZERS[resolved_tokenizer(config)].cost(m, tokens, channels)
    total += Cost(tokens * m.hidden_dim, 0)  # position embedding
    mlp = dense(m.hidden_dim, m.mlp_dim, tokens) + dense(m.mlp_dim, m.hidden_dim, tokens)
    block = layer_norm(m.hidden_dim).times(2) + mlp
    block += ATTENTIONS[resolved_attention(config)].cost(m, tokens)
    total += block.times(m.depth)
    if m.head_norm:
        total += layer_norm(m.hidden_dim)
    width = tokens * m.hidden_dim if m.pooling == "flatten" else m.hidden_dim
    for units in (*m.head_units, classes):
        total += dense(width, units)
        width = units
    return total
