"""The shared augmentation pipeline: no train/inference mismatch, seeded, and exact when off.

The EANet seed applies RandomContrast(value_range=(0, 255)) AFTER Normalization: in training
every negative normalised value is clipped to exactly 0, at inference nothing is. Our default
(`before_normalization`) must not have that artefact; `after_normalization` reproduces it.
"""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

from benchmark.config import AugmentConfig
from benchmark.data.augment import Augmenter, Normalizer
from benchmark.data.streams import augmentation_params

SIZE = 16
SEED = (1, 2)  # (run seed, batch index) of the draws; epoch 0


@pytest.fixture(scope="module")
def images() -> np.ndarray:
    """32 random 16x16x3 images with uint8-range values, as float32."""
    return np.random.default_rng(7).integers(0, 256, (32, SIZE, SIZE, 3)).astype("float32")


def run(config: AugmentConfig, images: np.ndarray, seed=SEED) -> tuple[np.ndarray, np.ndarray]:
    augmenter = Augmenter(config, Normalizer(images), SIZE)
    batch = tf.constant(images)
    params = augmentation_params(config, seed[0], 0, seed[1], len(images), SIZE)
    return augmenter.training(batch, params).numpy(), augmenter.inference(batch).numpy()


def zero_fraction(x: np.ndarray) -> float:
    return float(np.mean(x == 0.0))


def test_default_contrast_position_has_no_clipping_artefact(images):
    config = AugmentConfig(contrast_factor=0.3)
    assert config.contrast_position == "before_normalization"
    train, infer = run(config, images)
    assert zero_fraction(infer) < 0.01
    assert zero_fraction(train) == pytest.approx(zero_fraction(infer), abs=0.01)
    assert train.min() < -1.0 and infer.min() < -1.0  # normalised data stays two-sided
    assert np.mean(train < 0) == pytest.approx(np.mean(infer < 0), abs=0.1)


def test_seed_contrast_order_clips_half_the_training_inputs_to_zero(images):
    config = AugmentConfig(contrast_factor=0.3, contrast_position="after_normalization")
    train, infer = run(config, images)
    assert zero_fraction(infer) < 0.01
    assert zero_fraction(train) > 0.30  # the seed's bug, reproduced on purpose
    assert train.min() == 0.0 and infer.min() < -1.0


def test_contrast_before_normalization_changes_training_pixels(images):
    config = AugmentConfig(flip="none", rotation_factor=0.0, zoom_factor=0.0, contrast_factor=0.5)
    train, infer = run(config, images)
    assert np.abs(train - infer).max() > 0.05


def test_same_seed_same_batch_different_seed_different_batch(images):
    config = AugmentConfig(contrast_factor=0.2)
    first, _ = run(config, images, (1, 2))
    again, _ = run(config, images, (1, 2))
    other, _ = run(config, images, (1, 3))
    np.testing.assert_array_equal(first, again)
    assert not np.allclose(first, other)


def test_all_factors_zero_training_equals_inference(images):
    config = AugmentConfig(flip="none", rotation_factor=0.0, zoom_factor=0.0, contrast_factor=0.0)
    train, infer = run(config, images)
    np.testing.assert_array_equal(train, infer)


def test_flip_only_gives_the_image_or_its_exact_mirror(images):
    """The composed transform with rotation = zoom = 0 is a pure horizontal mirror (no shift)."""
    config = AugmentConfig(flip="horizontal", rotation_factor=0.0, zoom_factor=0.0)
    train, infer = run(config, images)
    mirrored = infer[:, :, ::-1, :]
    same = [np.allclose(t, i, atol=1e-4) for t, i in zip(train, infer, strict=True)]
    flipped = [np.allclose(t, m, atol=1e-4) for t, m in zip(train, mirrored, strict=True)]
    assert all(s or f for s, f in zip(same, flipped, strict=True))
    assert 4 <= sum(flipped) <= 28  # both outcomes occur (p = 0.5 each over 32 images)
