"""Unit checks of the statistics against scipy and hand-computed values."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from scipy import stats

from reports.stats import eta_squared, paired_comparison, summarize
from reports.study import pareto_mask


def test_summarize_uses_student_t():
    values = [0.50, 0.52, 0.55]
    s = summarize(values)
    lo, hi = stats.t.interval(0.95, 2, loc=0.52333333333, scale=s.std / math.sqrt(3))
    assert s.n == 3 and s.mean == pytest.approx(0.5233333333)
    assert s.std == pytest.approx(0.0251661148, rel=1e-8)  # sample std, ddof=1
    assert (s.ci_low, s.ci_high) == pytest.approx((lo, hi))
    # t (4.303 for 2 dof) not z (1.96): the interval is much wider than a normal one
    assert s.ci_high - s.mean == pytest.approx(4.302652729 * s.std / math.sqrt(3))


def test_summarize_single_value_has_no_spread():
    s = summarize([0.7, float("nan")])
    assert s.n == 1 and s.mean == 0.7 and math.isnan(s.std) and math.isnan(s.ci_low)


def test_paired_only_counts_shared_seeds_and_refuses_a_winner_below_five():
    a = pd.Series({0: 0.60, 1: 0.62, 2: 0.61, 7: 0.99})
    b = pd.Series({0: 0.50, 1: 0.51, 2: 0.53, 9: 0.10})
    r = paired_comparison("a", a, "b", b)
    assert r.seeds == (0, 1, 2) and r.diff.n == 3
    assert r.diff.mean == pytest.approx((0.10 + 0.11 + 0.08) / 3)
    assert r.p_value == pytest.approx(stats.ttest_rel([0.60, 0.62, 0.61], [0.5, 0.51, 0.53]).pvalue)
    assert r.p_value < 0.05 and r.verdict.startswith("weak evidence (only n=3")


def test_paired_verdict_with_enough_seeds():
    a = pd.Series({s: 0.6 + 0.01 * (s % 3) for s in range(6)})
    b = pd.Series({s: 0.5 + 0.013 * (s % 2) for s in range(6)})
    assert paired_comparison("a", a, "b", b).verdict == "a better (p < 0.05)"
    assert paired_comparison("b", b, "a", a).verdict == "a better (p < 0.05)"
    noisy = pd.Series({s: 0.6 + (0.05 if s % 2 else -0.05) for s in range(6)})
    flat = pd.Series({s: 0.6 for s in range(6)})
    assert paired_comparison("n", noisy, "f", flat).verdict.startswith("no significant difference")


def test_paired_constant_difference_is_not_a_t_test():
    a = pd.Series({s: 0.3 + 0.1 * s for s in range(5)})
    r = paired_comparison("a", a, "b", a - 0.05)
    assert math.isnan(r.p_value) and r.verdict == "same difference on every seed; no test"


def test_eta_squared_by_hand():
    frame = pd.DataFrame({"p": [1, 1, 2, 2], "y": [1.0, 3.0, 5.0, 7.0]})
    # grand mean 4; group means 2 and 6 -> between 4*4 = 16; total 9+1+1+9 = 20
    assert eta_squared(frame, "p", "y") == pytest.approx(16 / 20)
    frame["q"] = ["x", "y", "x", "y"]  # group means 3 and 5 -> between 4; 4/20
    assert eta_squared(frame, "q", "y") == pytest.approx(4 / 20)


def test_pareto_mask_respects_directions():
    import numpy as np

    values = np.array([[0.9, 10.0], [0.8, 5.0], [0.7, 8.0], [0.95, 20.0]])
    assert pareto_mask(values, ("maximize", "minimize")).tolist() == [True, True, False, True]
    assert pareto_mask(values, ("maximize", "maximize")).tolist() == [False, False, False, True]
