"""Mean ± std over seeds, and a confidence interval only where one means something.

Seeds are few (often 2-5). Below MIN_N_FOR_INTERVAL values no interval is given at all: with two
values any interval is either absurdly wide (Student's t has 12.7 for 1 dof) or absurdly narrow
(a bootstrap of two values). Accuracies are bounded, so their interval is a BCa bootstrap of the
mean (Efron 1987): every resampled mean lies between the smallest and the largest observed
value, so the interval can never leave [0, 100] %, and the bias/skew correction matters near
100 %. The resampling is seeded, so a report is reproducible to the digit.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

CONFIDENCE = 0.95
MIN_N_FOR_INTERVAL = 3
BOOTSTRAP_SEED = 0
N_RESAMPLES = 9_999
MIN_RESAMPLES = 1_000
CELL_BUDGET = 5_000_000  # resamples x runs: keeps a 10,000-run report within seconds
RESAMPLES_TEXT = (
    f"{N_RESAMPLES:,} resamples (fewer, never under {MIN_RESAMPLES:,}, for groups over "
    f"{CELL_BUDGET // N_RESAMPLES:,} runs), seed {BOOTSTRAP_SEED}"
)
INTERVAL_METHOD = f"BCa bootstrap of the mean over runs (scipy.stats.bootstrap, {RESAMPLES_TEXT})"


def n_resamples(size: int) -> int:
    """N_RESAMPLES for small samples; for large ones the resamples x size budget decides."""
    return int(min(N_RESAMPLES, max(MIN_RESAMPLES, CELL_BUDGET // max(size, 1))))


@dataclass(frozen=True)
class Summary:
    """n, mean, sample std (ddof=1) and, for n >= MIN_N_FOR_INTERVAL, an interval for the mean."""

    n: int
    mean: float
    std: float
    ci_low: float = math.nan
    ci_high: float = math.nan

    @property
    def has_interval(self) -> bool:
        return not math.isnan(self.ci_low)


def finite(values: Sequence[float]) -> np.ndarray:
    """The finite values as floats (None and NaN dropped)."""
    arr = np.asarray([v for v in values if v is not None], dtype=float)
    return arr[np.isfinite(arr)]


def summarize(values: Sequence[float], interval: bool = False) -> Summary:
    """Mean and std (NaN when n < 2); with ``interval``, the bootstrap interval when n >= 3."""
    arr = finite(values)
    n = int(arr.size)
    if n == 0:
        return Summary(0, math.nan, math.nan)
    mean = float(arr.mean())
    std = float(arr.std(ddof=1)) if n >= 2 else math.nan
    if not interval or n < MIN_N_FOR_INTERVAL:
        return Summary(n, mean, std)
    low, high = bootstrap_interval(arr)
    return Summary(n, mean, std, low, high)


def bootstrap_interval(arr: np.ndarray, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """BCa interval of the mean; identical values give the point itself (no spread to resample).

    BCa is undefined for some tiny degenerate samples (scipy returns NaN); the percentile interval
    of the same resamples is used then. Both stay inside [min(arr), max(arr)].
    """
    if float(arr.max() - arr.min()) == 0.0:
        return float(arr[0]), float(arr[0])
    for method in ("BCa", "percentile"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # DegenerateDataWarning: handled by the fallback
            res = stats.bootstrap(
                (arr,),
                np.mean,
                confidence_level=confidence,
                n_resamples=n_resamples(arr.size),
                method=method,
                rng=np.random.default_rng(BOOTSTRAP_SEED),
                batch=max(1, 2_000_000 // arr.size),
            )
        low, high = float(res.confidence_interval.low), float(res.confidence_interval.high)
        if math.isfinite(low) and math.isfinite(high):
            # the guard only absorbs float rounding in the resampled means (1 ulp)
            return max(low, float(arr.min())), min(high, float(arr.max()))
    return math.nan, math.nan
