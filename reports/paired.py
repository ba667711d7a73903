"""Paired comparisons over shared seeds: t-test, Wilcoxon, Holm correction, effect sizes, P(A>B).

Runs that share a seed, preset and dataset share the data split and the initialisation, so the
per-seed difference removes that noise. Every pair of the table is one family: p-values are
Holm-Bonferroni corrected across all of them (statsmodels), and the verdict reads the corrected
t-test p-value. Below MIN_PAIRS_FOR_VERDICT pairs it names no winner whatever the p-value.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from itertools import combinations

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.multitest import multipletests

from reports.improvement import Improvement, improvement
from reports.stats import CONFIDENCE, MIN_N_FOR_INTERVAL, Summary, summarize

MIN_PAIRS_FOR_VERDICT = 5
ALPHA = 1 - CONFIDENCE


@dataclass(frozen=True)
class PairedResult:
    """A - B over shared seeds; ``*_holm`` are filled by :func:`holm_correct` over the table."""

    a: str
    b: str
    seeds: tuple[int, ...]
    diff: Summary  # mean difference, its Student-t interval (n >= 3)
    d_z: float  # Cohen's d_z: mean difference / std of the differences
    t_stat: float
    p_value: float
    wilcoxon_stat: float
    wilcoxon_p: float
    improvement: Improvement  # P(A > B) over the shared seeds
    p_holm: float = math.nan
    wilcoxon_p_holm: float = math.nan
    verdict: str = ""


def _t_interval(diff: np.ndarray) -> Summary:
    """Mean difference with the Student-t interval matching the paired t-test (n >= 3)."""
    s = summarize(list(diff))
    if s.n < MIN_N_FOR_INTERVAL or s.std == 0:
        return s
    low, high = stats.t.interval(CONFIDENCE, s.n - 1, loc=s.mean, scale=s.std / math.sqrt(s.n))
    return replace(s, ci_low=float(low), ci_high=float(high))


def paired_comparison(a_name: str, a: pd.Series, b_name: str, b: pd.Series) -> PairedResult:
    """Tests on values indexed by seed; only seeds both sides ran count (no verdict yet)."""
    shared = sorted(set(a.dropna().index) & set(b.dropna().index))
    x = a.loc[shared].to_numpy(dtype=float)
    y = b.loc[shared].to_numpy(dtype=float)
    diff = _t_interval(x - y)
    t_stat = p_value = w_stat = w_p = d_z = math.nan
    constant = len(shared) >= 2 and diff.std <= 1e-9 * max(1.0, abs(diff.mean))
    if len(shared) >= 2 and not constant:
        t = stats.ttest_rel(x, y)
        t_stat, p_value, d_z = float(t.statistic), float(t.pvalue), diff.mean / diff.std
        # "auto": exact null distribution up to 50 pairs, exhaustive permutations with ties
        w = stats.wilcoxon(x, y, method="auto")
        w_stat, w_p = float(w.statistic), float(w.pvalue)
    seeds = tuple(int(s) for s in shared)
    pi = improvement(x, y)
    return PairedResult(a_name, b_name, seeds, diff, d_z, t_stat, p_value, w_stat, w_p, pi)


def _holm(p_values: list[float]) -> list[float]:
    """Holm-Bonferroni over the finite p-values; NaN (no test) stays NaN and is not counted."""
    arr = np.asarray(p_values, dtype=float)
    out = np.full(arr.shape, math.nan)
    ok = np.isfinite(arr)
    if ok.any():
        out[ok] = multipletests(arr[ok], alpha=ALPHA, method="holm")[1]
    return out.tolist()


def holm_correct(results: list[PairedResult]) -> list[PairedResult]:
    """Corrected p-values (t-test and Wilcoxon families separately) and the verdicts."""
    p_t = _holm([r.p_value for r in results])
    p_w = _holm([r.wilcoxon_p for r in results])
    out = []
    for r, pt, pw in zip(results, p_t, p_w, strict=True):
        r = replace(r, p_holm=pt, wilcoxon_p_holm=pw)
        out.append(replace(r, verdict=verdict(r)))
    return out


def verdict(r: PairedResult, alpha: float = ALPHA) -> str:
    """Winner only with >= MIN_PAIRS_FOR_VERDICT pairs and a Holm-corrected p below alpha."""
    n = r.diff.n
    if n < 2:
        return f"no test possible (n={n} shared seed{'s' if n != 1 else ''})"
    if n < MIN_PAIRS_FOR_VERDICT:
        return f"weak evidence (only n={n} paired seeds; need >= {MIN_PAIRS_FOR_VERDICT})"
    if math.isnan(r.p_value):
        same = abs(r.diff.mean) <= 1e-12
        return "identical on every seed" if same else "same difference on every seed; no test"
    if r.p_holm >= alpha:
        return f"no significant difference (Holm p >= {alpha:g})"
    return f"{r.a if r.diff.mean > 0 else r.b} better (Holm p < {alpha:g})"


def paired_results(frame: pd.DataFrame, metric: str = "test_accuracy") -> list[PairedResult]:
    """Every pair of groups that share preset and dataset, paired on seed, Holm-corrected."""
    results = []
    for _, ctx in frame.groupby(["preset", "dataset"], sort=True):
        per_seed = ctx.groupby(["group", "seed"])[metric].mean()
        for a, b in combinations(sorted(ctx["group"].unique()), 2):
            results.append(paired_comparison(a, per_seed.loc[a], b, per_seed.loc[b]))
    return holm_correct(results)
