"""The ONE augmentation pipeline shared by every model, run in tf.data (not inside the model).

Fairness: every random draw is a pure function of (run seed, epoch, batch index), so for a given
seed every model sees the same batch order and the same augmented pixels, and a resumed run
continues with exactly the draws it would have had.

Speed: flip, rotation and zoom are composed into ONE projective transform per image (one
resampling instead of three), with the distributions of keras.layers.RandomFlip("horizontal"),
RandomRotation(rotation_factor) and RandomZoom(zoom_factor, zoom_factor).

Fidelity fix: contrast is applied to raw [0, 255] pixels BEFORE normalisation by default. The
EANet seed applies RandomContrast(value_range=(0, 255)) after Normalization, which clips every
negative normalised value to 0 in training only; `contrast_position="after_normalization"`
reproduces that on purpose.
"""

from __future__ import annotations

import math

import numpy as np
import tensorflow as tf

from benchmark.config import AugmentConfig

FILL_MODES = {"reflect": "REFLECT", "constant": "CONSTANT", "nearest": "NEAREST", "wrap": "WRAP"}


class Normalizer:
    """Per-channel standardisation with training-split statistics (as Normalization.adapt)."""

    def __init__(self, x_train: np.ndarray):
        self.mean = x_train.mean(axis=(0, 1, 2)).astype("float32")
        self.std = np.sqrt(x_train.var(axis=(0, 1, 2))).astype("float32")
        self.std = np.maximum(self.std, 1e-7).astype("float32")

    def __call__(self, images):
        return (images - self.mean) / self.std


def draw_transforms(config: AugmentConfig, batch: int, seed) -> dict[str, tf.Tensor]:
    """All random draws for one batch from a stateless seed (a (2,) int tensor)."""
    seeds = tf.random.experimental.stateless_split(seed, num=5)
    rotation = config.rotation_factor * 2.0 * math.pi
    return {
        "flip": tf.random.stateless_uniform([batch], seeds[0]) <= 0.5,
        "angle": tf.random.stateless_uniform([batch], seeds[1], -rotation, rotation),
        "zoom_y": tf.random.stateless_uniform(
            [batch], seeds[2], 1.0 - config.zoom_factor, 1.0 + config.zoom_factor
        ),
        "zoom_x": tf.random.stateless_uniform(
            [batch], seeds[3], 1.0 - config.zoom_factor, 1.0 + config.zoom_factor
        ),
        "contrast": tf.random.stateless_uniform(
            [batch], seeds[4], 1.0 - config.contrast_factor, 1.0 + config.contrast_factor
        ),
    }


def composed_matrix(draws: dict[str, tf.Tensor], height: int, width: int, flip: bool) -> tf.Tensor:
    """(B, 3, 3) output->input pixel maps: flip @ rotation @ zoom, i.e. zoom(rotate(flip(x)))."""
    batch = tf.shape(draws["angle"])[0]
    ones, zeros = tf.ones([batch]), tf.zeros([batch])
    cx, cy = (width - 1) / 2.0, (height - 1) / 2.0

    sign = tf.where(draws["flip"], -1.0, 1.0) if flip else ones
    flip_m = tf.stack(
        [sign, zeros, tf.where(sign < 0, float(width - 1), 0.0), zeros, ones, zeros],
        axis=1,
    )
    cos, sin = tf.cos(draws["angle"]), tf.sin(draws["angle"])
    rot_m = tf.stack([cos, -sin, cx - cx * cos + cy * sin, sin, cos, cy - cx * sin - cy * cos], 1)
    zx, zy = draws["zoom_x"], draws["zoom_y"]
    zoom_m = tf.stack([zx, zeros, cx * (1 - zx), zeros, zy, cy * (1 - zy)], axis=1)

    def to3x3(m):
        return tf.concat(
            [tf.reshape(m, [-1, 2, 3]), tf.tile([[[0.0, 0.0, 1.0]]], [batch, 1, 1])], 1
        )

    return to3x3(flip_m) @ to3x3(rot_m) @ to3x3(zoom_m)


def apply_transform(images, matrix, fill_mode: str):
    """One bilinear resampling of a (B, H, W, C) batch through (B, 3, 3) matrices."""
    flat = tf.reshape(matrix, [-1, 9])[:, :8]
    return tf.raw_ops.ImageProjectiveTransformV3(
        images=images,
        transforms=flat,
        output_shape=tf.shape(images)[1:3],
        fill_value=0.0,
        interpolation="BILINEAR",
        fill_mode=FILL_MODES[fill_mode],
    )


def adjust_contrast(images, factors, clip: bool):
    """keras.layers.RandomContrast: (x - mean) * f + mean per image and channel, clipped to
    [0, 255] (RandomContrast's value_range) when `clip`."""
    mean = tf.reduce_mean(images, axis=(1, 2), keepdims=True)
    out = (images - mean) * factors[:, None, None, None] + mean
    return tf.clip_by_value(out, 0.0, 255.0) if clip else out


class Augmenter:
    """Raw [0, 255] batch -> normalised (and, in training, augmented) batch."""

    def __init__(self, config: AugmentConfig, normalizer: Normalizer, image_size: int):
        self.config = config
        self.normalize = normalizer
        self.image_size = image_size

    def resize(self, images):
        if images.shape[1] == self.image_size:
            return images
        return tf.image.resize(images, (self.image_size, self.image_size), method="bilinear")

    def inference(self, images):
        return self.resize(self.normalize(images))

    def training(self, images, seed):
        cfg = self.config
        batch = tf.shape(images)[0]
        draws = draw_transforms(cfg, batch, seed)
        contrast_first = cfg.contrast_factor > 0 and cfg.contrast_position == "before_normalization"
        if contrast_first:
            images = adjust_contrast(images, draws["contrast"], clip=True)
        images = self.resize(self.normalize(images))
        if cfg.flip != "none" or cfg.rotation_factor > 0 or cfg.zoom_factor > 0:
            matrix = composed_matrix(draws, self.image_size, self.image_size, cfg.flip != "none")
            images = apply_transform(images, matrix, cfg.fill_mode)
            images = tf.ensure_shape(images, [None, self.image_size, self.image_size, None])
        if cfg.contrast_factor > 0 and not contrast_first:
            images = adjust_contrast(images, draws["contrast"], clip=True)  # the seed's order
        return images
