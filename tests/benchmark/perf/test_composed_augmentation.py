"""The composed flip+rotation+zoom transform equals Keras' three layers for the same draws.

The image is a coordinate ramp (channel 0 = x, channel 1 = y, channel 2 = x - y): bilinear
resampling reproduces an affine image exactly, so one composed resampling and three chained ones
must agree on interior pixels, and any error in the mapping (sign, centre, order) shows.
"""

from __future__ import annotations

import math

import keras
import numpy as np
import pytest
import tensorflow as tf

from benchmark.config import AugmentConfig
from benchmark.data.streams import augmentation_draws, composed_transforms

SIZE = 32
INTERIOR = slice(10, 22)  # far from the borders, where fill modes differ


def ramp_images(batch: int) -> tf.Tensor:
    y, x = np.mgrid[0:SIZE, 0:SIZE].astype("float32")
    centre = (SIZE - 1) / 2
    image = np.stack([(x - centre) / centre, (y - centre) / centre, (x - y) / centre], -1)
    return tf.constant(np.repeat(image[None], batch, axis=0))


def keras_sequence(images: tf.Tensor, draws: dict[str, tf.Tensor]) -> tf.Tensor:
    """RandomFlip -> RandomRotation -> RandomZoom via their public transform_images."""
    batch = int(images.shape[0])
    flip = keras.layers.RandomFlip("horizontal")
    rotation = keras.layers.RandomRotation(0.1)
    zoom = keras.layers.RandomZoom(0.2, 0.2)
    out = flip.transform_images(images, {"flips": tf.reshape(draws["flip"], [-1, 1, 1, 1])})
    theta = draws["angle"]
    c = (SIZE - 1) / 2.0
    cos, sin, zeros = tf.cos(theta), tf.sin(theta), tf.zeros_like(theta)
    rotation_matrix = tf.stack(
        [cos, -sin, c - c * cos + c * sin, sin, cos, c - c * sin - c * cos, zeros, zeros], axis=1
    )  # the layer's _compute_affine_matrix with scale 1, no shear or translation
    rot = {
        "angle": theta * 180.0 / math.pi,
        "rotation_matrix": rotation_matrix,
        "image_height": SIZE,
        "image_width": SIZE,
        "batch_size": batch,
    }
    out = rotation.transform_images(out, rot)
    zooms = {
        "height_zoom": tf.reshape(draws["zoom_y"], [-1, 1]),
        "width_zoom": tf.reshape(draws["zoom_x"], [-1, 1]),
        "input_shape": tf.shape(out),
    }
    return zoom.transform_images(out, zooms)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_composed_equals_keras_layers_in_sequence(seed: int) -> None:
    config = AugmentConfig(flip="horizontal", rotation_factor=0.1, zoom_factor=0.2)
    host = augmentation_draws(config, seed, 0, 7, 16)
    draws = {k: tf.constant(v, tf.bool if k == "flip" else tf.float32) for k, v in host.items()}
    images = ramp_images(16)
    transforms = composed_transforms(host, SIZE, SIZE, True).astype("float32")
    composed = keras.ops.image.affine_transform(
        images, transforms, interpolation="bilinear", fill_mode="reflect"
    )
    expected = keras_sequence(images, draws)
    np.testing.assert_allclose(
        np.asarray(composed)[:, INTERIOR, INTERIOR],
        expected.numpy()[:, INTERIOR, INTERIOR],
        atol=1e-3,
    )
    assert host["flip"].any() and not host["flip"].all()  # both paths covered


def test_draw_distributions_match_the_seed_layers() -> None:
    config = AugmentConfig(flip="horizontal", rotation_factor=0.1, zoom_factor=0.2)
    n = 20_000
    draws = augmentation_draws(config, 3, 0, 4, n)
    bound = 0.1 * 2 * math.pi  # RandomRotation(0.1): +-0.1 of a full turn
    assert -bound <= draws["angle"].min() < -0.98 * bound
    assert bound >= draws["angle"].max() > 0.98 * bound
    assert abs(draws["angle"].mean()) < 0.02 * bound
    for key in ("zoom_x", "zoom_y"):  # RandomZoom(0.2, 0.2): factors in [0.8, 1.2]
        assert 0.8 <= draws[key].min() < 0.81 and 1.19 < draws[key].max() <= 1.2
    assert abs(draws["flip"].mean() - 0.5) < 0.015
    assert abs(np.corrcoef(draws["zoom_x"], draws["zoom_y"])[0, 1]) < 0.03  # independent axes

    layer = keras.layers.RandomRotation(0.1, seed=0)
    keras_angles = layer.get_random_transformation(tf.zeros([n, 4, 4, 1]))["angle"].numpy()
    keras_radians = np.deg2rad(keras_angles)
    quantiles = [0.1, 0.25, 0.5, 0.75, 0.9]
    np.testing.assert_allclose(
        np.quantile(draws["angle"], quantiles), np.quantile(keras_radians, quantiles), atol=0.02
    )
