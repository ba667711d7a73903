"""Paired comparisons against scipy and statsmodels on the same inputs."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests

from reports.paired import holm_correct, paired_comparison, paired_results


def _series(values):
    return pd.Series(dict(enumerate(values)))


def test_only_shared_seeds_count_and_no_winner_below_five():
    a = pd.Series({0: 0.60, 1: 0.62, 2: 0.61, 7: 0.99})
    b = pd.Series({0: 0.50, 1: 0.51, 2: 0.53, 9: 0.10})
    (r,) = holm_correct([paired_comparison("a", a, "b", b)])
    x, y = [0.60, 0.62, 0.61], [0.5, 0.51, 0.53]
    assert r.seeds == (0, 1, 2) and r.diff.n == 3
    assert r.diff.mean == pytest.approx((0.10 + 0.11 + 0.08) / 3)
    assert r.p_value == pytest.approx(stats.ttest_rel(x, y).pvalue)
    assert r.p_value < 0.05 and r.verdict.startswith("weak evidence (only n=3")


def test_tests_effect_sizes_match_scipy():
    rng = np.random.default_rng(7)
    x = rng.normal(0.60, 0.02, 8)
    y = x - rng.normal(0.01, 0.01, 8)
    r = paired_comparison("a", _series(x), "b", _series(y))
    d = x - y
    assert r.t_stat == pytest.approx(stats.ttest_rel(x, y).statistic)
    assert r.wilcoxon_p == pytest.approx(stats.wilcoxon(x, y, method="exact").pvalue)
    assert r.d_z == pytest.approx(d.mean() / d.std(ddof=1))
    lo, hi = stats.t.interval(0.95, 7, loc=d.mean(), scale=d.std(ddof=1) / math.sqrt(8))
    assert (r.diff.ci_low, r.diff.ci_high) == pytest.approx((lo, hi))
    u = stats.mannwhitneyu(x, y).statistic
    assert r.improvement.p == pytest.approx(u / 64)


def test_holm_equals_statsmodels_across_every_pair():
    rng = np.random.default_rng(3)
    base = rng.normal(0.6, 0.02, 6)
    shifts = [0.002, 0.006, 0.012, 0.03]
    results = [
        paired_comparison(
            f"m{i}", _series(base + s + rng.normal(0, 0.01, 6)), "base", _series(base)
        )
        for i, s in enumerate(shifts)
    ]
    corrected = holm_correct(results)
    raw_t = [r.p_value for r in results]
    raw_w = [r.wilcoxon_p for r in results]
    assert [r.p_holm for r in corrected] == pytest.approx(multipletests(raw_t, method="holm")[1])
    assert [r.wilcoxon_p_holm for r in corrected] == pytest.approx(
        multipletests(raw_w, method="holm")[1]
    )
    assert any(c.p_holm > r.p_value for c, r in zip(corrected, results, strict=True))


def test_verdict_reads_the_corrected_p_value():
    base = np.array([0.60, 0.62, 0.58, 0.61, 0.59])
    diffs = {  # raw t-test p: 0.035, 0.023, ~0.9 -> Holm: 0.07, 0.07, ~0.9
        "m1": [0.01, 0.02, 0.006, 0.015, 0.001],
        "m2": [0.01, 0.02, 0.008, 0.015, 0.002],
        "m3": [0.01, -0.01, 0.002, -0.003, 0.001],
    }
    results = [
        paired_comparison(m, _series(base + d), "base", _series(base)) for m, d in diffs.items()
    ]
    m1, m2, _ = holm_correct(results)
    for r in (m1, m2):
        assert r.p_value < 0.05 <= r.p_holm
        assert r.verdict == "no significant difference (Holm p >= 0.05)"
    (alone,) = holm_correct(results[:1])  # the same pair without the family: a winner
    assert alone.verdict == "m1 better (Holm p < 0.05)"


def test_verdict_with_enough_seeds():
    a = pd.Series({s: 0.6 + 0.01 * (s % 3) for s in range(6)})
    b = pd.Series({s: 0.5 + 0.013 * (s % 2) for s in range(6)})
    (ab,) = holm_correct([paired_comparison("a", a, "b", b)])
    (ba,) = holm_correct([paired_comparison("b", b, "a", a)])
    assert ab.verdict == ba.verdict == "a better (Holm p < 0.05)"
    noisy = pd.Series({s: 0.6 + (0.05 if s % 2 else -0.05) for s in range(6)})
    flat = pd.Series({s: 0.6 for s in range(6)})
    (r,) = holm_correct([paired_comparison("n", noisy, "f", flat)])
    assert r.verdict.startswith("no significant difference")


def test_constant_difference_is_not_tested_and_not_counted_by_holm():
    a = pd.Series({s: 0.3 + 0.1 * s for s in range(5)})
    const = paired_comparison("a", a, "b", a - 0.05)
    other = paired_comparison("a", a, "c", a - 0.05 + pd.Series({s: 0.01 * s**2 for s in range(5)}))
    fixed, tested = holm_correct([const, other])
    assert math.isnan(fixed.p_value) and math.isnan(fixed.p_holm)
    assert fixed.verdict == "same difference on every seed; no test"
    assert tested.p_holm == pytest.approx(tested.p_value)  # a family of one


def test_pairs_need_the_same_preset_and_dataset():
    rows = [
        {"group": g, "seed": s, "preset": p, "dataset": "digits", "test_accuracy": acc}
        for p in ("demo", "fair")
        for s in range(3)
        for g, acc in (("vit / " + p, 0.6 + s / 100), ("eanet / " + p, 0.5 + s / 90))
    ]
    results = paired_results(pd.DataFrame(rows))
    assert {(r.a, r.b) for r in results} == {
        ("eanet / demo", "vit / demo"),
        ("eanet / fair", "vit / fair"),
    }
