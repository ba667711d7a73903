"""The model registry: a variant is a (tokenizer, attention) pair, not a copy of a graph."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ModelSpec:
    tokenizer: str
    attention: str
    description: str


MODELS: dict[str, ModelSpec] = {
    "vit": ModelSpec("patch", "mhsa", "Vision Transformer (Dosovitskiy et al., 2021)"),
    "vit_sl": ModelSpec(
        "shifted_patch",
        "lsa",
        "ViT with Shifted Patch Tokenization + Locality Self-Attention (Lee et al., 2021)",
    ),
    "eanet": ModelSpec("patch", "external", "EANet: External Attention (Guo et al., 2021)"),
}
