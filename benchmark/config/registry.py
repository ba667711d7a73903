"""The one place the names of models, tokenizers, attentions and datasets are spelled.

A model is a (tokenizer, attention) pair over the one classifier graph. Each tokenizer and
attention entry is data: its Keras layer class (registered as `vitbench>ClassName`), which
`model.*` fields feed which constructor arguments, and its cost formula (Keras-free, so
`vitbench models` stays quick). CLI choices, config validation, search spaces, the model builder,
the cost and the tests all derive from these dicts: a new variant is an entry here plus its layer
file (and its layer-contract test case).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from benchmark.config.cost_terms import Cost, dense, layer_norm, matmul

if TYPE_CHECKING:
    from benchmark.config.schema import ModelConfig


@dataclass(frozen=True)
class ModelSpec:
    tokenizer: str
    attention: str
    description: str


@dataclass(frozen=True)
class LayerSpec:
    layer: str  # the registered Keras class name under package "vitbench"
    description: str
    arguments: Mapping[str, str]  # constructor argument -> the `model.*` field that sets it
    # Per image: tokenizers (model, tokens, channels) -> Cost; attentions (model, tokens) -> Cost
    cost: Callable[..., Cost]


@dataclass(frozen=True)
class DatasetInfo:
    native_size: int | None  # None: set by the config (synthetic) or read from the data (own)
    num_classes: int | None  # None: set by the config (synthetic) or read from the data (own)
    has_test_split: bool
    description: str
    reads_path: bool = False  # the user's own data at data.path; size and classes come from it


# --- tokenizers -----------------------------------------------------------------------------

SHIFTED_COPIES = 5  # SPT: the image and its four diagonal half-patch shifts


def patch_cost(m: ModelConfig, tokens: int, channels: int) -> Cost:
    return dense(m.patch_size**2 * channels, m.hidden_dim, tokens)


def shifted_patch_cost(m: ModelConfig, tokens: int, channels: int) -> Cost:
    flat = m.patch_size**2 * channels * SHIFTED_COPIES
    return layer_norm(flat) + dense(flat, m.hidden_dim, tokens)


PATCH_ARGUMENTS = {"patch_size": "patch_size", "hidden_dim": "hidden_dim"}
TOKENIZERS: dict[str, LayerSpec] = {
    "patch": LayerSpec(
        "PatchTokenizer", "non-overlapping patches, linear projection", PATCH_ARGUMENTS, patch_cost
    ),
    "shifted_patch": LayerSpec(
        "ShiftedPatchTokenizer",
        "Shifted Patch Tokenization (Lee et al., 2021)",
        {**PATCH_ARGUMENTS, "layer_norm_epsilon": "layer_norm_epsilon"},
        shifted_patch_cost,
    ),
}

# --- attentions (per encoder block) -----------------------------------------------------------


def self_attention_cost(m: ModelConfig, tokens: int) -> Cost:
    """Q, K, V and output projections (MultiHeadAttention's shapes) + scores and weighted sum."""
    heads, key_dim = m.num_heads, m.key_dim or m.hidden_dim // m.num_heads
    inner = heads * key_dim
    projections = dense(m.hidden_dim, inner, tokens).times(3) + dense(inner, m.hidden_dim, tokens)
    scores = matmul(tokens, key_dim, tokens).times(heads)
    weighted_sum = matmul(tokens, tokens, key_dim).times(heads)
    return projections + scores + weighted_sum


def locality_self_attention_cost(m: ModelConfig, tokens: int) -> Cost:
    """MHSA's projections and core plus one learnable temperature (elementwise: no FLOPs)."""
    return self_attention_cost(m, tokens) + Cost(1, 0)


def external_attention_cost(m: ModelConfig, tokens: int) -> Cost:
    """Expansion, the two memories (M_k, M_v) applied per expanded head, projection back."""
    dim, coef = m.hidden_dim, m.dim_coefficient
    head_dim, memory = dim // m.num_heads, dim // coef
    total_heads = m.num_heads * coef
    expand = dense(dim, dim * coef, tokens)
    memory_key = dense(head_dim, memory, tokens * total_heads)
    memory_value = dense(memory, head_dim, tokens * total_heads)
    project = dense(dim * coef, dim, tokens)
    return expand + memory_key + memory_value + project


SELF_ATTENTION_ARGUMENTS = {
    "hidden_dim": "hidden_dim",
    "num_heads": "num_heads",
    "key_dim": "key_dim",
    "dropout_rate": "attention_dropout_rate",
}
EXTERNAL_ARGUMENTS = {field: field for field in ("hidden_dim", "num_heads", "dim_coefficient",
                                                 "attention_dropout_rate",
                                                 "projection_dropout_rate")}  # fmt: skip
ATTENTIONS: dict[str, LayerSpec] = {
    "mhsa": LayerSpec(
        "MultiHeadSelfAttention",
        "multi-head self-attention",
        SELF_ATTENTION_ARGUMENTS,
        self_attention_cost,
    ),
    "lsa": LayerSpec(
        "LocalitySelfAttention",
        "Locality Self-Attention (Lee et al., 2021)",
        SELF_ATTENTION_ARGUMENTS,
        locality_self_attention_cost,
    ),
    "external": LayerSpec(
        "ExternalAttention",
        "External Attention (Guo et al., 2021)",
        EXTERNAL_ARGUMENTS,
        external_attention_cost,
    ),
}

MODELS: dict[str, ModelSpec] = {
    "vit": ModelSpec("patch", "mhsa", "Vision Transformer (Dosovitskiy et al., 2021)"),
    "vit_sl": ModelSpec(
        "shifted_patch",
        "lsa",
        "ViT with Shifted Patch Tokenization + Locality Self-Attention (Lee et al., 2021)",
    ),
    "eanet": ModelSpec("patch", "external", "EANet: External Attention (Guo et al., 2021)"),
}

DATASETS: dict[str, DatasetInfo] = {
    "cifar10": DatasetInfo(32, 10, True, "CIFAR-10 through keras.datasets (or a local archive)"),
    "cifar100": DatasetInfo(32, 100, True, "CIFAR-100 through keras.datasets (or a local archive)"),
    "digits": DatasetInfo(16, 10, False, "scikit-learn's 1,797 8x8 digits, upscaled to 16x16 RGB"),
    "synthetic": DatasetInfo(None, None, False, "generated class-conditional colour images"),
    "folder": DatasetInfo(
        None, None, True, "your images: data.path=DIR of class folders (or train/, test/)", True
    ),
    "npz": DatasetInfo(
        None, None, True, "your arrays: data.path=FILE.npz (x_train, y_train, x_test, y_test)", True
    ),
}

BACKENDS: tuple[str, ...] = ("tensorflow", "jax", "torch")  # Keras 3 backends a cell may run on

# Keys a config value must come from; every other CHOICES entry is a plain option list.
CHOICES: dict[str, tuple[str, ...]] = {
    "data.dataset": tuple(DATASETS),
    "model.name": tuple(MODELS),
    "model.tokenizer": tuple(TOKENIZERS),
    "model.attention": tuple(ATTENTIONS),
    "model.pooling": ("gap", "flatten"),
    "model.activation": ("gelu", "gelu_approximate"),
    "model.mlp_output_activation": ("none", "gelu", "gelu_approximate"),
    "augment.flip": ("none", "horizontal"),
    "augment.contrast_position": ("before_normalization", "after_normalization"),
    "augment.fill_mode": ("reflect", "constant", "nearest", "wrap"),
    "train.schedule": ("constant", "warmup_cosine"),
    "train.jit_compile": ("auto", "true", "false"),
    "train.precision": ("float32", "mixed_float16", "mixed_bfloat16"),
    "train.backend": BACKENDS,
}
