"""Keras 3 layers, one concept per file, all serialisable (`package="vitbench"`).

Every module of this package is imported here, so each registered layer class can be found by
the registry key that names it (`benchmark.layers.variants`), a new file included.
"""

import importlib
import pkgutil

from benchmark.layers.attention import LocalitySelfAttention, MultiHeadSelfAttention
from benchmark.layers.embedding import PositionEmbedding
from benchmark.layers.encoder import EncoderBlock
from benchmark.layers.external_attention import ExternalAttention
from benchmark.layers.mlp import FeedForward
from benchmark.layers.patching import PatchTokenizer, ShiftedPatchTokenizer
from benchmark.layers.variants import attention_class, tokenizer_class

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")

__all__ = [
    "EncoderBlock",
    "ExternalAttention",
    "FeedForward",
    "LocalitySelfAttention",
    "MultiHeadSelfAttention",
    "PatchTokenizer",
    "PositionEmbedding",
    "ShiftedPatchTokenizer",
    "attention_class",
    "tokenizer_class",
]
