"""Paired ratios and the augmentation bound: the arithmetic behind the perf table's verdicts."""

from __future__ import annotations

import pytest

from benchmark.config import resolve_config
from benchmark.perf.mfu import median
from benchmark.perf.suite import (
    augmentation_bound,
    best_ratio,
    full_epoch_images,
    paired_ratios,
    projected_rate,
)


def _rates(*values: float) -> list[dict]:
    return [{"train_images_per_s": v} for v in values]


def test_paired_ratio_cancels_drift_that_a_ratio_of_medians_keeps() -> None:
    # The machine slows down 2x between repeats; within each pair harness is 0.98 x bare.
    harness, bare = _rates(98.0, 49.0, 98.0), _rates(100.0, 50.0, 100.0)
    assert paired_ratios(harness, bare) == pytest.approx([0.98, 0.98, 0.98])
    assert median(paired_ratios(harness, bare)) == pytest.approx(0.98)
    # Drift that lands on one variant only in one repeat moves a single pair, not the median.
    harness = _rates(98.0, 49.0, 98.0, 30.0, 98.0)
    bare = _rates(100.0, 50.0, 100.0, 100.0, 100.0)
    assert median(paired_ratios(harness, bare)) == pytest.approx(0.98)


def test_paired_ratio_needs_one_sample_per_repeat_on_both_sides() -> None:
    with pytest.raises(ValueError):
        paired_ratios(_rates(1.0, 2.0), _rates(1.0))


def test_augmentation_bound_is_step_time_over_step_time_without_it() -> None:
    # 128 images at 64 img/s = 2000 ms per step, 500 ms of it augmentation: at most 2000/1500.
    assert augmentation_bound(64.0, 500.0, 128) == pytest.approx(4 / 3)
    # Augmentation 37 ms of a ~1.3 s step (the small-dataset ViT here): at most ~1.03x.
    assert augmentation_bound(98.5, 37.0, 128) == pytest.approx(1.0293, abs=1e-3)
    assert augmentation_bound(64.0, 0.0, 128) == pytest.approx(1.0)


def test_best_ratio_compares_fastest_samples_so_slow_phases_drop_out() -> None:
    # A slow phase (0.7x) hit bare in repeat 1 and harness in repeat 2: the medians of two
    # paired ratios swing either way, the fastest samples give the true 0.98.
    harness, bare = _rates(98.0, 68.6), _rates(70.0, 100.0)
    assert best_ratio(harness, bare) == pytest.approx(0.98)
    assert paired_ratios(harness, bare) == pytest.approx([1.4, 0.686])


def test_full_epoch_projection_weighs_the_feed_setup_once_per_real_epoch() -> None:
    """Equal step speed, but the seed's feed spends 3 s per epoch before its first step: in a
    3-step perf epoch of 384 images that looks like a 1.78x speed-up, in a real epoch of 40,000
    images it is under 1%."""
    harness = {"train_images_per_s": 100.0, "step_images_per_s": 100.0, "epoch_setup_s": 0.0}
    seed = {"step_images_per_s": 100.0, "epoch_setup_s": 3.0}
    seed["train_images_per_s"] = 384 / (3.0 + 384 / 100.0)
    assert paired_ratios([harness], [seed]) == pytest.approx([(3.0 + 3.84) / 3.84])
    assert paired_ratios([harness], [seed], "step_images_per_s") == [1.0]
    assert projected_rate(seed, 40_000) == pytest.approx(40_000 / (3.0 + 400.0))
    assert projected_rate(harness, 40_000) / projected_rate(seed, 40_000) == pytest.approx(1.0075)


def test_full_epoch_is_the_recipes_training_split_of_cifar() -> None:
    assert full_epoch_images(resolve_config("keras-io-eanet")) == 40_000  # validation 0.2
    assert full_epoch_images(resolve_config("keras-io-vit-small-ds")) == 45_000  # 0.1
