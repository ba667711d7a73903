"""The random streams of the input path, computed on the host with NumPy, for every backend.

Each draw is a pure function of what it is keyed by: the batch order of an epoch of
(seed, epoch), the augmentation parameters of a batch of (seed, epoch, batch index). The
generator is NumPy's counter-based Philox keyed through a SeedSequence, so the same seed gives
the same order and the same transform parameters on TensorFlow, JAX and PyTorch, and a run
resumed at epoch k continues with exactly the draws it would have had. Nothing here depends on
the model.
"""

from __future__ import annotations

import math

import numpy as np

from benchmark.config import AugmentConfig

ORDER_STREAM, AUGMENT_STREAM = 1, 2
PARAMS = 9  # 8 projective-transform coefficients + 1 contrast factor, per image


def _generator(seed: int, stream: int, epoch: int, batch: int = 0) -> np.random.Generator:
    key = np.random.SeedSequence([int(seed) & 0xFFFFFFFF, stream, int(epoch), int(batch)])
    return np.random.Generator(np.random.Philox(key))


def epoch_order(seed: int, epoch: int, count: int) -> np.ndarray:
    """The permutation of the `count` training examples in `epoch`."""
    return _generator(seed, ORDER_STREAM, epoch).permutation(count).astype("int64")


def augmentation_draws(
    config: AugmentConfig, seed: int, epoch: int, batch_index: int, batch: int
) -> dict[str, np.ndarray]:
    """Every random draw of one batch, with the distributions of keras.layers.RandomFlip
    ("horizontal"), RandomRotation(rotation_factor), RandomZoom(zoom_factor, zoom_factor) and
    RandomContrast(contrast_factor)."""
    rng = _generator(seed, AUGMENT_STREAM, epoch, batch_index)
    rotation = config.rotation_factor * 2.0 * math.pi
    zoom, contrast = config.zoom_factor, config.contrast_factor
    return {
        "flip": rng.uniform(size=batch) <= 0.5,
        "angle": rng.uniform(-rotation, rotation, size=batch),
        "zoom_y": rng.uniform(1.0 - zoom, 1.0 + zoom, size=batch),
        "zoom_x": rng.uniform(1.0 - zoom, 1.0 + zoom, size=batch),
        "contrast": rng.uniform(1.0 - contrast, 1.0 + contrast, size=batch),
    }


def composed_transforms(
    draws: dict[str, np.ndarray], height: int, width: int, flip: bool
) -> np.ndarray:
    """(B, 8) output->input pixel maps: flip @ rotation @ zoom, i.e. zoom(rotate(flip(x))), in
    the row layout of `keras.ops.image.affine_transform`: ONE resampling instead of three."""
    batch = len(draws["angle"])
    cx, cy = (width - 1) / 2.0, (height - 1) / 2.0
    eye = np.broadcast_to(np.eye(3), (batch, 3, 3))
    flip_m = eye.copy()
    if flip:
        mirrored = draws["flip"]
        flip_m[mirrored, 0, 0] = -1.0
        flip_m[mirrored, 0, 2] = width - 1
    cos, sin = np.cos(draws["angle"]), np.sin(draws["angle"])
    rot_m = eye.copy()
    rot_m[:, 0, 0], rot_m[:, 0, 1], rot_m[:, 0, 2] = cos, -sin, cx - cx * cos + cy * sin
    rot_m[:, 1, 0], rot_m[:, 1, 1], rot_m[:, 1, 2] = sin, cos, cy - cx * sin - cy * cos
    zx, zy = draws["zoom_x"], draws["zoom_y"]
    zoom_m = eye.copy()
    zoom_m[:, 0, 0], zoom_m[:, 0, 2] = zx, cx * (1 - zx)
    zoom_m[:, 1, 1], zoom_m[:, 1, 2] = zy, cy * (1 - zy)
    return (flip_m @ rot_m @ zoom_m).reshape(batch, 9)[:, :8]


def augmentation_params(
    config: AugmentConfig, seed: int, epoch: int, batch_index: int, batch: int, size: int
) -> np.ndarray:
    """(B, 9) float32: the transform coefficients and the contrast factor of each image."""
    draws = augmentation_draws(config, seed, epoch, batch_index, batch)
    transforms = composed_transforms(draws, size, size, config.flip != "none")
    return np.concatenate([transforms, draws["contrast"][:, None]], axis=1).astype("float32")
