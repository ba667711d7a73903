"""Keras 3 layers, one concept per file, all serialisable (`package="vitbench"`)."""

from benchmark.layers.attention import LocalitySelfAttention, MultiHeadSelfAttention
from benchmark.layers.embedding import PositionEmbedding
from benchmark.layers.encoder import EncoderBlock
from benchmark.layers.external_attention import ExternalAttention
from benchmark.layers.mlp import FeedForward
from benchmark.layers.patching import PatchTokenizer, ShiftedPatchTokenizer

__all__ = [
    "EncoderBlock",
    "ExternalAttention",
    "FeedForward",
    "LocalitySelfAttention",
    "MultiHeadSelfAttention",
    "PatchTokenizer",
    "PositionEmbedding",
    "ShiftedPatchTokenizer",
]
