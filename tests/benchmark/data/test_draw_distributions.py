"""The augmentation draws have Keras' distributions and the normaliser standardises, checked
against NumPy on many draws (mutants data-rotation-half-range, data-flip-quarter,
data-normalizer-variance, data-test-split-ignores-split-seed)."""

from __future__ import annotations

import math

import numpy as np

from benchmark.config import AugmentConfig, DataConfig
from benchmark.data.augment import Normalizer
from benchmark.data.loading import load_dataset
from benchmark.data.streams import augmentation_draws

DRAWS = 20_000  # binomial sd of a half at this size: 0.0035


def test_draws_span_the_keras_ranges_and_flip_half_the_images():
    config = AugmentConfig(rotation_factor=0.1, zoom_factor=0.2, contrast_factor=0.3)
    d = augmentation_draws(config, seed=0, epoch=0, batch_index=0, batch=DRAWS)
    turn = 0.1 * 2 * math.pi  # RandomRotation(f): a fraction f of a full turn either way
    assert np.abs(d["angle"]).max() <= turn and np.abs(d["angle"]).max() > 0.99 * turn
    for key, half_width in (("zoom_y", 0.2), ("zoom_x", 0.2), ("contrast", 0.3)):
        assert d[key].min() >= 1 - half_width and d[key].max() <= 1 + half_width
        assert d[key].min() < 1 - 0.99 * half_width and d[key].max() > 1 + 0.99 * half_width
    assert abs(d["flip"].mean() - 0.5) < 0.02  # RandomFlip: each image with probability 1/2


def test_normalizer_gives_zero_mean_unit_std_per_channel():
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 255, (64, 4, 4, 3)).astype("float32") * np.array([1.0, 0.5, 0.1])
    out = np.asarray(Normalizer(x)(x))
    np.testing.assert_allclose(out.mean(axis=(0, 1, 2)), 0.0, atol=1e-4)
    np.testing.assert_allclose(out.std(axis=(0, 1, 2)), 1.0, rtol=1e-4)


def test_split_seed_moves_the_test_hold_out():
    def test_images(seed: int) -> set[bytes]:
        data = load_dataset(DataConfig(dataset="digits", split_seed=seed))
        return {image.tobytes() for image in data.x_test}

    first, other = test_images(0), test_images(1)
    assert len(first) == len(other) and first != other
