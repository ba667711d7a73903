"""P(A > B): known answers, scipy's U statistic, and the bootstrap against brute force."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from reports.improvement import _counts, _resampled, improvement, probability_of_improvement


def test_dominating_samples_give_one_and_zero():
    a = np.array([0.60, 0.62, 0.61, 0.64, 0.63])
    b = a - 0.05  # A beats B on every seed (and every run of B)
    assert improvement(a, b).p == 1.0 and improvement(b, a).p == 0.0
    assert improvement(a, b).ci_low == 1.0  # every resample agrees


def test_identical_samples_give_one_half():
    a = np.array([0.60, 0.62, 0.61, 0.64, 0.63])
    r = improvement(a, a.copy())
    assert r.p == 0.5 and r.ci_low < 0.5 < r.ci_high


def test_ties_count_one_half_and_match_mann_whitney():
    a = np.array([0.5, 0.6, 0.6, 0.7])
    b = np.array([0.6, 0.6, 0.4])
    # pairs: 0.5 -> 1 win; each 0.6 -> 1 win + 2 ties; 0.7 -> 3 wins: (1 + 2*2 + 3) / 12
    assert probability_of_improvement(a, b) == pytest.approx(8 / 12)
    u = stats.mannwhitneyu(a, b).statistic
    assert probability_of_improvement(a, b) == pytest.approx(u / 12)


def test_bootstrap_equals_the_brute_force_comparison_matrix():
    rng = np.random.default_rng(1)
    a, b = rng.integers(0, 5, 7) / 10, rng.integers(0, 5, 6) / 10  # many ties on purpose
    fast = _resampled(a, b, 200, np.random.default_rng(3))
    draw = np.random.default_rng(3)
    cb, ca = _counts(draw, b.size, 200), _counts(draw, a.size, 200)  # same draw order
    bs = np.sort(b)
    wins = (a[:, None] > bs[None, :]) + 0.5 * (a[:, None] == bs[None, :])
    brute = np.einsum("ri,ij,rj->r", ca, wins, cb) / (a.size * b.size)
    assert fast == pytest.approx(brute)
    assert (ca.sum(axis=1) == a.size).all() and (cb.sum(axis=1) == b.size).all()


def test_interval_brackets_the_estimate_and_is_reproducible():
    rng = np.random.default_rng(5)
    a, b = rng.normal(0.62, 0.02, 6), rng.normal(0.60, 0.02, 6)
    r = improvement(a, b)
    assert 0.0 <= r.ci_low <= r.p <= r.ci_high <= 1.0
    assert improvement(a, b) == r
