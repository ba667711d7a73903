"""The one place the names of models, tokenizers, attentions and datasets are spelled.

A model is a (tokenizer, attention) pair over the one classifier graph. Tokenizers and attentions
name their Keras layer class (registered as `vitbench>ClassName`), so `benchmark.layers` finds the
class without spelling a key again. CLI choices, config validation, search spaces and tests all
derive from these dicts: a new variant is an entry here plus its layer file.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ModelSpec:
    tokenizer: str
    attention: str
    description: str


@dataclass(frozen=True)
class LayerSpec:
    layer: str  # the registered Keras class name under package "vitbench"
    description: str


@dataclass(frozen=True)
class DatasetInfo:
    native_size: int | None  # None: set by the config (synthetic) or read from the data (own)
    num_classes: int | None  # None: set by the config (synthetic) or read from the data (own)
    has_test_split: bool
    description: str
    reads_path: bool = False  # the user's own data at data.path; size and classes come from it


TOKENIZERS: dict[str, LayerSpec] = {
    "patch": LayerSpec("PatchTokenizer", "non-overlapping patches, linear projection"),
    "shifted_patch": LayerSpec(
        "ShiftedPatchTokenizer", "Shifted Patch Tokenization (Lee et al., 2021)"
    ),
}

ATTENTIONS: dict[str, LayerSpec] = {
    "mhsa": LayerSpec("MultiHeadSelfAttention", "multi-head self-attention"),
    "lsa": LayerSpec("LocalitySelfAttention", "Locality Self-Attention (Lee et al., 2021)"),
    "external": LayerSpec("ExternalAttention", "External Attention (Guo et al., 2021)"),
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
