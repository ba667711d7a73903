"""Intervals over seeds: none below n = 3, inside [0, 1] near 100 %, equal to scipy's BCa."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from reports.stats import BOOTSTRAP_SEED, N_RESAMPLES, n_resamples, summarize
from reports.study import pareto_mask


def test_mean_and_sample_std_without_interval_by_default():
    s = summarize([0.50, 0.52, 0.55])
    assert s.n == 3 and s.mean == pytest.approx(0.5233333333)
    assert s.std == pytest.approx(0.0251661148, rel=1e-8)  # sample std, ddof=1
    assert not s.has_interval


def test_interval_is_scipy_bca_with_the_fixed_seed():
    values = [0.50, 0.52, 0.55, 0.61, 0.58]
    s = summarize(values, interval=True)
    ref = stats.bootstrap(
        (np.array(values),), np.mean, method="BCa", n_resamples=N_RESAMPLES,
        rng=np.random.default_rng(BOOTSTRAP_SEED),
    ).confidence_interval  # fmt: skip
    assert (s.ci_low, s.ci_high) == pytest.approx((ref.low, ref.high), rel=1e-12)
    assert s.ci_low < s.mean < s.ci_high
    assert summarize(values, interval=True) == s  # seeded: the same digits every time


@pytest.mark.parametrize(
    "values",
    [
        [1.0, 1.0, 0.9861],
        [0.999, 1.0, 0.97, 1.0, 0.995],
        [0.0, 0.004, 0.02],
        [1.0, 0.9, 1.0, 1.0, 1.0, 0.5],
    ],
)
def test_accuracy_intervals_stay_inside_zero_one(values):
    s = summarize(values, interval=True)
    assert s.has_interval and 0.0 <= s.ci_low <= s.mean <= s.ci_high <= 1.0
    # the bug this guards against: a Student-t interval on the same values leaves [0, 1]
    t_low, t_high = stats.t.interval(0.95, s.n - 1, loc=s.mean, scale=s.std / math.sqrt(s.n))
    assert t_low < 0.0 or t_high > 1.0


def test_no_interval_below_three_values():
    assert not summarize([0.98, 0.99], interval=True).has_interval
    one = summarize([0.7, float("nan")], interval=True)
    assert one.n == 1 and one.mean == 0.7 and math.isnan(one.std) and not one.has_interval


def test_identical_values_give_the_point():
    s = summarize([1.0, 1.0, 1.0], interval=True)
    assert (s.ci_low, s.ci_high) == (1.0, 1.0) and s.std == 0.0


def test_resamples_shrink_only_for_large_groups():
    assert n_resamples(5) == N_RESAMPLES == n_resamples(500)
    assert 1_000 <= n_resamples(3_333) < N_RESAMPLES
    assert n_resamples(10**7) == 1_000


def test_pareto_mask_respects_directions():
    values = np.array([[0.9, 10.0], [0.8, 5.0], [0.7, 8.0], [0.95, 20.0]])
    assert pareto_mask(values, ("maximize", "minimize")).tolist() == [True, True, False, True]
    assert pareto_mask(values, ("maximize", "maximize")).tolist() == [False, False, False, True]
