"""Probability of improvement P(A > B): how often a run of A beats a run of B.

The estimate is the Mann-Whitney U statistic over all (a, b) pairs divided by n*m, ties counted
1/2 (Bouthillier et al., "Accounting for Variance in Machine Learning Benchmarks", MLSys 2021;
Agarwal et al., rliable's ``probability_of_improvement``, NeurIPS 2021). Its interval is a
percentile bootstrap that resamples A's runs and B's runs independently (rliable's stratified
bootstrap with one task). rliable itself is not a dependency: it pins ``arch<8`` and
pulls statsmodels and absl for what is one formula here, checked against scipy in the tests.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

from reports.stats import BOOTSTRAP_SEED, CONFIDENCE, finite, n_resamples

MAX_CELLS = 2_000_000  # resamples x runs held in memory at once


@dataclass(frozen=True)
class Improvement:
    """P(A > B) with its bootstrap interval (NaN when either side has no value)."""

    p: float
    ci_low: float
    ci_high: float


def probability_of_improvement(a: np.ndarray, b: np.ndarray) -> float:
    """U / (n m), U = #{a_i > b_j} + 0.5 #{a_i = b_j} (scipy's U statistic of the first sample)."""
    a, b = finite(a), finite(b)
    if a.size == 0 or b.size == 0:
        return math.nan
    u = stats.mannwhitneyu(a, b, alternative="two-sided", method="asymptotic").statistic
    return float(u) / (a.size * b.size)


def _counts(rng: np.random.Generator, size: int, n_resamples: int) -> np.ndarray:
    """How often each of ``size`` items is drawn in each resample (rows sum to ``size``)."""
    idx = rng.integers(0, size, (n_resamples, size)) + size * np.arange(n_resamples)[:, None]
    return np.bincount(idx.ravel(), minlength=n_resamples * size).reshape(n_resamples, size)


def _resampled(a: np.ndarray, b: np.ndarray, n_resamples: int, rng: np.random.Generator):
    """P(A > B) of each resample, without materialising the n x m comparison matrix.

    With B sorted, the weight of b-values below a_i in a resample is a prefix sum of that
    resample's counts; ties add half of the counts between the left and right insertion points.
    """
    b = np.sort(b)
    lo, hi = np.searchsorted(b, a, "left"), np.searchsorted(b, a, "right")
    out = np.empty(n_resamples)
    step = max(1, MAX_CELLS // max(a.size, b.size))
    for start in range(0, n_resamples, step):
        k = min(step, n_resamples - start)
        cb = np.zeros((k, b.size + 1))
        cb[:, 1:] = np.cumsum(_counts(rng, b.size, k), axis=1)
        wins = cb[:, lo] + 0.5 * (cb[:, hi] - cb[:, lo])
        out[start : start + k] = (_counts(rng, a.size, k) * wins).sum(axis=1)
    return out / (a.size * b.size)


def improvement(a: np.ndarray, b: np.ndarray, confidence: float = CONFIDENCE) -> Improvement:
    """P(A > B) and its percentile-bootstrap interval (fixed seed: reproducible)."""
    a, b = finite(a), finite(b)
    p = probability_of_improvement(a, b)
    if math.isnan(p):
        return Improvement(p, math.nan, math.nan)
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    boot = _resampled(a, b, n_resamples(max(a.size, b.size)), rng)
    tail = (1 - confidence) / 2
    low, high = np.quantile(boot, [tail, 1 - tail])
    return Improvement(p, float(low), float(high))
