"""MFU arithmetic: the 3x training convention and the matmul FLOP count are easy to get wrong."""

from __future__ import annotations

import math

import pytest

from benchmark.perf.mfu import achieved_flops_per_s, matmul_flops, median, mfu, ratio


def test_training_counts_three_forward_passes() -> None:
    # 1 GFLOP forward, 50 img/s, 300 GFLOP/s ceiling: 150 GFLOP/s achieved -> 0.5
    assert achieved_flops_per_s(10**9, 50.0, training=True) == pytest.approx(150e9)
    assert mfu(10**9, 50.0, 300e9, training=True) == pytest.approx(0.5)


def test_inference_counts_one_forward_pass() -> None:
    assert mfu(10**9, 50.0, 300e9, training=False) == pytest.approx(1 / 6)


def test_matmul_flops_are_two_per_multiply_accumulate() -> None:
    assert matmul_flops(2048) == 2 * 2048**3
    assert matmul_flops(2) == 16


def test_bad_inputs_raise() -> None:
    with pytest.raises(ValueError, match="ceiling"):
        mfu(1, 1.0, 0.0, training=True)
    with pytest.raises(ValueError):
        achieved_flops_per_s(-1, 1.0, training=True)


def test_ratio_and_median() -> None:
    assert ratio(97.0, 100.0) == pytest.approx(0.97)
    assert math.isnan(ratio(1.0, 0.0))
    assert median([3.0, 1.0, 2.0]) == 2.0
    assert math.isnan(median([]))
