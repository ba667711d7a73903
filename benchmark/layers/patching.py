"""Image -> token sequence: plain patches (ViT) and Shifted Patch Tokenization (ViT-SL).

Dosovitskiy et al., "An Image is Worth 16x16 Words", ICLR 2021 (patch embedding);
Lee, Lee & Song, "Vision Transformer for Small-Size Datasets", arXiv:2112.13492 (SPT).
"""

from __future__ import annotations

import keras
from keras import layers, ops


def _check_divides(patch_size: int, height: int | None, width: int | None) -> None:
    for side, name in ((height, "height"), (width, "width")):
        if side is not None and side % patch_size:
            raise ValueError(
                f"patch_size={patch_size} does not divide the image {name} {side}; "
                "choose a patch size that divides the image size"
            )


def extract_flat_patches(images, patch_size: int):
    """(B, H, W, C) -> (B, N, patch_size * patch_size * C), row-major like tf.image."""
    patches = ops.image.extract_patches(images, patch_size)
    height, width, depth = patches.shape[1], patches.shape[2], patches.shape[3]
    return ops.reshape(patches, (-1, height * width, depth))


@keras.saving.register_keras_serializable(package="vitbench")
class PatchTokenizer(layers.Layer):
    """Non-overlapping patches, flattened and linearly projected to `hidden_dim`."""

    def __init__(self, patch_size: int, hidden_dim: int, **kwargs):
        super().__init__(**kwargs)
        if patch_size < 1:
            raise ValueError(f"patch_size must be >= 1, got {patch_size}")
        self.patch_size = patch_size
        self.hidden_dim = hidden_dim
        self.projection = layers.Dense(hidden_dim, name="projection", dtype=self.dtype_policy)

    def build(self, input_shape):
        _check_divides(self.patch_size, input_shape[1], input_shape[2])
        self.projection.build((None, None, self.patch_size**2 * input_shape[-1]))

    def call(self, images):
        return self.projection(extract_flat_patches(images, self.patch_size))

    def compute_output_shape(self, input_shape):
        n = (input_shape[1] // self.patch_size) * (input_shape[2] // self.patch_size)
        return (input_shape[0], n, self.hidden_dim)

    def get_config(self):
        config = super().get_config()
        config.update(patch_size=self.patch_size, hidden_dim=self.hidden_dim)
        return config


@keras.saving.register_keras_serializable(package="vitbench")
class ShiftedPatchTokenizer(layers.Layer):
    """SPT: the image and its four half-patch diagonal shifts, concatenated on channels,
    then patches -> flatten -> LayerNorm -> linear projection (as in the paper and the seed)."""

    SHIFTS = ("left-up", "left-down", "right-up", "right-down")

    def __init__(
        self, patch_size: int, hidden_dim: int, layer_norm_epsilon: float = 1e-6, **kwargs
    ):
        super().__init__(**kwargs)
        if patch_size < 2:
            raise ValueError(f"patch_size must be >= 2 for shifted patches, got {patch_size}")
        self.patch_size = patch_size
        self.hidden_dim = hidden_dim
        self.layer_norm_epsilon = layer_norm_epsilon
        self.layer_norm = layers.LayerNormalization(
            epsilon=layer_norm_epsilon, name="layer_norm", dtype=self.dtype_policy
        )
        self.projection = layers.Dense(hidden_dim, name="projection", dtype=self.dtype_policy)

    def build(self, input_shape):
        _check_divides(self.patch_size, input_shape[1], input_shape[2])
        flat = self.patch_size**2 * input_shape[-1] * 5
        self.layer_norm.build((None, None, flat))
        self.projection.build((None, None, flat))

    def shift(self, images, mode: str):
        """Crop half a patch on one diagonal side and zero-pad the opposite side."""
        half = self.patch_size // 2
        rows = (half, 0) if mode.endswith("up") else (0, half)  # (crop top, crop bottom)
        cols = (half, 0) if mode.startswith("left") else (0, half)
        height, width = images.shape[1], images.shape[2]
        if height is None or width is None:
            height, width = ops.shape(images)[1], ops.shape(images)[2]
        cropped = images[:, rows[0] : height - rows[1], cols[0] : width - cols[1], :]
        return ops.pad(cropped, [[0, 0], [rows[1], rows[0]], [cols[1], cols[0]], [0, 0]])

    def call(self, images):
        stacked = ops.concatenate([images] + [self.shift(images, m) for m in self.SHIFTS], axis=-1)
        tokens = extract_flat_patches(stacked, self.patch_size)
        return self.projection(self.layer_norm(tokens))

    def compute_output_shape(self, input_shape):
        n = (input_shape[1] // self.patch_size) * (input_shape[2] // self.patch_size)
        return (input_shape[0], n, self.hidden_dim)

    def get_config(self):
        config = super().get_config()
        config.update(
            patch_size=self.patch_size,
            hidden_dim=self.hidden_dim,
            layer_norm_epsilon=self.layer_norm_epsilon,
        )
        return config
