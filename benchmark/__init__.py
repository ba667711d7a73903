"""vitbench: honest benchmarks of ViT, ViT-SL and EANet on small image datasets."""

__version__ = "0.1.0"
