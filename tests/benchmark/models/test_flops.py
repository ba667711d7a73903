"""The cost formula's FLOPs (`model_cost`) against hand counts (FLOPs = 2 x multiply-accumulates
of every matmul/einsum; elementwise ops excluded). Every term is written out so a wrong term is
visible: an oracle independent of the formula."""

from __future__ import annotations

from benchmark.config import deep_merge, parse_override, resolve_config
from benchmark.models.cost import model_cost


def forward_flops(config, channels: int, num_classes: int) -> int:
    return model_cost(config, channels, num_classes).flops


def config_for(model: str, *sets: str):
    overrides: dict = {}
    for text in sets:
        overrides = deep_merge(overrides, parse_override(text))
    return resolve_config("smoke", model, 0, overrides)


def test_mhsa_with_explicit_key_dim_flatten_head_and_two_blocks():
    config = config_for(
        "vit",
        "data.synthetic_size=8",
        "model.patch_size=2",
        "model.hidden_dim=16",
        "model.num_heads=2",
        "model.key_dim=4",
        "model.mlp_dim=32",
        "model.depth=2",
        "model.pooling=flatten",
        "model.head_units=[8]",
    )
    n, d, heads, k, mlp, classes = 16, 16, 2, 4, 32, 5  # N = (8 / 2) ** 2 tokens
    patch_values = 2 * 2 * 3
    tokenizer = 2 * n * patch_values * d  # 6,144
    qkv = 3 * n * d * (heads * k)  # 3 projections: 6,144 MACs
    out_proj = n * (heads * k) * d  # 2,048 MACs
    core = 2 * heads * n * n * k  # scores QK^T + weights @ V: 4,096 MACs
    attention = 2 * (qkv + out_proj + core)  # 24,576
    feed_forward = 2 * (n * d * mlp + n * mlp * d)  # 32,768
    blocks = 2 * (attention + feed_forward)  # depth 2: 114,688
    head = 2 * (n * d) * 8 + 2 * 8 * classes  # flatten (256) -> 8 -> 5: 4,096 + 80
    expected = tokenizer + blocks + head
    assert expected == 125_008
    assert forward_flops(config, channels=3, num_classes=classes) == expected


def test_external_attention_block():
    config = config_for(
        "eanet",
        "data.synthetic_size=16",
        "model.patch_size=4",
        "model.hidden_dim=16",
        "model.num_heads=2",
        "model.dim_coefficient=2",
        "model.mlp_dim=32",
        "model.depth=1",
        "model.pooling=gap",
    )
    n, d, heads, coef, mlp, classes = 16, 16, 2, 2, 32, 10
    total_heads, head_dim, memory = heads * coef, d // heads, d // coef  # 4, 8, 8
    tokenizer = 2 * n * (4 * 4 * 3) * d  # 24,576
    expand = n * d * (d * coef)  # 8,192 MACs
    memory_key = total_heads * n * head_dim * memory  # 4,096 MACs
    memory_value = total_heads * n * memory * head_dim  # 4,096 MACs
    project = n * (d * coef) * d  # 8,192 MACs
    attention = 2 * (expand + memory_key + memory_value + project)  # 49,152
    feed_forward = 2 * (n * d * mlp + n * mlp * d)  # 32,768
    head = 2 * d * classes  # global average pooling -> logits: 320
    expected = tokenizer + attention + feed_forward + head
    assert expected == 106_816
    assert forward_flops(config, channels=3, num_classes=classes) == expected


def test_shifted_patches_multiply_the_tokenizer_input_by_five():
    sets = ("model.patch_size=4", "model.hidden_dim=16", "model.num_heads=2", "model.depth=1")
    plain = forward_flops(config_for("vit", *sets), 3, 4)
    shifted = forward_flops(config_for("vit", *sets, "model.tokenizer=shifted_patch"), 3, 4)
    lsa = forward_flops(config_for("vit_sl", *sets), 3, 4)
    n, patch_values, d = 16, 4 * 4 * 3, 16
    assert shifted - plain == 2 * n * (5 - 1) * patch_values * d
    assert lsa == shifted  # LSA has MHSA's matmuls (the temperature is elementwise)
