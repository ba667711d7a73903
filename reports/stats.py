"""Small, honest statistics over seeds: t-based confidence intervals and paired t-tests.

Seeds are few (often 2-5), so intervals use Student's t with n-1 degrees of freedom, not a
normal approximation, and comparisons pair runs that share a seed (same data split and init).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

CONFIDENCE = 0.95
MIN_PAIRS_FOR_VERDICT = 5


@dataclass(frozen=True)
class Summary:
    """Mean, sample std (ddof=1) and a two-sided Student-t interval for the mean over n values."""

    n: int
    mean: float
    std: float
    ci_low: float
    ci_high: float


def summarize(values: Sequence[float], confidence: float = CONFIDENCE) -> Summary:
    """Summary of finite values; std and CI are NaN when n < 2 (no spread can be estimated)."""
    arr = np.asarray([v for v in values if v is not None and np.isfinite(v)], dtype=float)
    n = int(arr.size)
    if n == 0:
        return Summary(0, math.nan, math.nan, math.nan, math.nan)
    mean = float(arr.mean())
    if n < 2:
        return Summary(1, mean, math.nan, math.nan, math.nan)
    std = float(arr.std(ddof=1))
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1)) * std / math.sqrt(n)
    return Summary(n, mean, std, mean - half, mean + half)


@dataclass(frozen=True)
class PairedResult:
    """A - B over shared seeds: mean difference, its t interval, the paired t-test and a verdict."""

    a: str
    b: str
    seeds: tuple[int, ...]
    diff: Summary
    t_stat: float
    p_value: float
    verdict: str


def paired_comparison(
    a_name: str, a: pd.Series, b_name: str, b: pd.Series, alpha: float = 1 - CONFIDENCE
) -> PairedResult:
    """Paired t-test (scipy.stats.ttest_rel) on values indexed by seed; only shared seeds count.

    With fewer than MIN_PAIRS_FOR_VERDICT pairs the verdict says the evidence is weak instead of
    naming a winner, whatever the p-value: a t-test on 2-4 pairs is too fragile to act on.
    """
    shared = sorted(set(a.dropna().index) & set(b.dropna().index))
    x = a.loc[shared].to_numpy(dtype=float)
    y = b.loc[shared].to_numpy(dtype=float)
    diff = summarize(list(x - y))
    t_stat = p_value = math.nan
    constant = len(shared) >= 2 and diff.std <= 1e-9 * max(1.0, abs(diff.mean))
    if len(shared) >= 2 and not constant:
        result = stats.ttest_rel(x, y)
        t_stat, p_value = float(result.statistic), float(result.pvalue)
    verdict = _verdict(a_name, b_name, diff, p_value, alpha)
    seeds = tuple(int(s) for s in shared)
    return PairedResult(a_name, b_name, seeds, diff, t_stat, p_value, verdict)


def _verdict(a: str, b: str, diff: Summary, p_value: float, alpha: float) -> str:
    if diff.n < 2:
        return f"no test possible (n={diff.n} shared seed{'s' if diff.n != 1 else ''})"
    if diff.n < MIN_PAIRS_FOR_VERDICT:
        return f"weak evidence (only n={diff.n} paired seeds; need >= {MIN_PAIRS_FOR_VERDICT})"
    if math.isnan(p_value):
        same = abs(diff.mean) <= 1e-12
        return "identical on every seed" if same else "same difference on every seed; no test"
    if p_value >= alpha:
        return f"no significant difference (p >= {alpha:g})"
    return f"{a if diff.mean > 0 else b} better (p < {alpha:g})"


def eta_squared(frame: pd.DataFrame, param: str, target: str, max_levels: int = 8) -> float:
    """Share of the target's variance explained by one parameter (one-way ANOVA eta squared).

    Numeric parameters with more than ``max_levels`` distinct values are cut into quantile bins
    first. It ignores interactions and is a screening aid, not fANOVA.
    """
    data = frame[[param, target]].dropna()
    if len(data) < 2 or data[param].nunique() < 2:
        return math.nan
    groups = data[param]
    numeric = pd.to_numeric(groups, errors="coerce")
    if numeric.notna().all() and numeric.nunique() > max_levels:
        groups = pd.qcut(numeric, q=max_levels, duplicates="drop")
    y = data[target].astype(float)
    total = float(((y - y.mean()) ** 2).sum())
    if total == 0:
        return 0.0
    means = y.groupby(groups, observed=True).transform("mean")
    between = float(((means - y.mean()) ** 2).sum())
    return between / total
