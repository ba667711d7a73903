"""The ONE augmentation every model shares, as pixel work in `keras.ops` on any backend.

Fairness: the random parameters come from `streams` (host NumPy, keyed by seed, epoch and batch
index), so for a given seed every model sees the same batch order and the same transform
parameters on every backend; only the pixel arithmetic runs on the backend (the accelerator when
there is one).

Speed: flip, rotation and zoom are composed into ONE affine transform per image (one resampling
instead of three), with the distributions of keras.layers.RandomFlip("horizontal"),
RandomRotation(rotation_factor) and RandomZoom(zoom_factor, zoom_factor).

Fidelity fix: contrast is applied to raw [0, 255] pixels BEFORE normalisation by default. The
EANet seed applies RandomContrast(value_range=(0, 255)) after Normalization, which clips every
negative normalised value to 0 in training only; `contrast_position="after_normalization"`
reproduces that on purpose.
"""

from __future__ import annotations

import numpy as np
from keras import ops

from benchmark.config import AugmentConfig


class Normalizer:
    """Per-channel standardisation with training-split statistics (as Normalization.adapt)."""

    def __init__(self, x_train: np.ndarray):
        self.mean = x_train.mean(axis=(0, 1, 2)).astype("float32")
        self.std = np.sqrt(x_train.var(axis=(0, 1, 2))).astype("float32")
        self.std = np.maximum(self.std, 1e-7).astype("float32")

    def __call__(self, images):
        return (images - self.mean) / self.std


def adjust_contrast(images, factors, clip: bool):
    """keras.layers.RandomContrast: (x - mean) * f + mean per image and channel, clipped to
    [0, 255] (RandomContrast's value_range) when `clip`."""
    mean = ops.mean(images, axis=(1, 2), keepdims=True)
    out = (images - mean) * ops.reshape(factors, (-1, 1, 1, 1)) + mean
    return ops.clip(out, 0.0, 255.0) if clip else out


class Augmenter:
    """Raw [0, 255] batch -> normalised (and, in training, augmented) batch."""

    def __init__(self, config: AugmentConfig, normalizer: Normalizer, image_size: int):
        self.config = config
        self.normalize = normalizer
        self.image_size = image_size

    @property
    def spatial(self) -> bool:
        cfg = self.config
        return cfg.flip != "none" or cfg.rotation_factor > 0 or cfg.zoom_factor > 0

    def resize(self, images):
        if images.shape[1] == self.image_size:
            return images
        return ops.image.resize(images, (self.image_size, self.image_size), "bilinear")

    def inference(self, images):
        return self.resize(self.normalize(images))

    def training(self, images, params):
        """`params`: (B, 9) from `streams.augmentation_params` (transform, contrast factor)."""
        cfg = self.config
        contrast = params[:, 8]
        contrast_first = cfg.contrast_factor > 0 and cfg.contrast_position == "before_normalization"
        if contrast_first:
            images = adjust_contrast(images, contrast, clip=True)
        images = self.resize(self.normalize(images))
        if self.spatial:
            images = ops.image.affine_transform(
                images,
                params[:, :8],
                interpolation="bilinear",
                fill_mode=cfg.fill_mode,
                fill_value=0.0,
                data_format="channels_last",
            )
        if cfg.contrast_factor > 0 and not contrast_first:
            images = adjust_contrast(images, contrast, clip=True)  # the seed's order
        return images
