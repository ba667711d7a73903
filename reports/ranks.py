"""Ranks across datasets and presets: Friedman test, Nemenyi post-hoc, critical differences.

Demšar (2006, JMLR 7) "Statistical Comparisons of Classifiers over Multiple Data Sets": each
(preset, dataset) is a block, each model's mean test top-1 over seeds its score; models are
ranked within every block (1 = best, ties share the mean rank), the Friedman test asks whether
the mean ranks differ, and Nemenyi's test compares every pair. The tests come from scipy
(``friedmanchisquare``) and scikit-posthocs (``posthoc_nemenyi_friedman``), not hand-written.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from reports.tables import Table

MIN_MODELS_FOR_FRIEDMAN = 3  # scipy's friedmanchisquare needs three or more treatments


@dataclass(frozen=True)
class RankResult:
    """Per-block scores and ranks, mean ranks and the tests over the complete blocks."""

    scores: pd.DataFrame  # rows: blocks "preset / dataset", columns: models
    ranks: pd.DataFrame  # same shape, 1 = best
    mean_ranks: pd.Series
    friedman_stat: float
    friedman_p: float
    nemenyi: pd.DataFrame | None  # pairwise p-values (models x models)
    critical_difference: float
    dropped: tuple[str, ...]  # blocks left out because a model is missing there


def block_scores(finished: pd.DataFrame, metric: str = "test_accuracy") -> pd.DataFrame:
    """Mean of ``metric`` per (preset / dataset) block and model."""
    block = finished["preset"].astype(str) + " / " + finished["dataset"].astype(str)
    scores = finished.assign(block=block).pivot_table(
        index="block", columns="model", values=metric, aggfunc="mean"
    )
    return scores.sort_index().sort_index(axis=1)


def has_several_blocks(finished: pd.DataFrame) -> bool:
    """True when the runs hold more than one preset or more than one dataset."""
    return finished["preset"].nunique() > 1 or finished["dataset"].nunique() > 1


def nemenyi_cd(k: int, n: int, alpha: float = 0.05) -> float:
    """Nemenyi's critical difference of mean ranks: q_alpha sqrt(k (k+1) / (6 n)) (Demšar)."""
    q = stats.studentized_range.ppf(1 - alpha, k, np.inf) / math.sqrt(2)
    return float(q * math.sqrt(k * (k + 1) / (6 * n)))


def rank_models(scores: pd.DataFrame) -> RankResult:
    """Friedman + Nemenyi over the blocks in which every model has a score."""
    complete = scores.dropna(axis=0, how="any")
    dropped = tuple(b for b in scores.index if b not in complete.index)
    ranks = complete.rank(axis=1, ascending=False, method="average")
    mean_ranks = ranks.mean(axis=0).sort_values()
    n, k = complete.shape
    stat = p = cd = math.nan
    nemenyi = None
    if k >= MIN_MODELS_FOR_FRIEDMAN and n >= 2:
        res = stats.friedmanchisquare(*(complete[c].to_numpy(float) for c in complete.columns))
        stat, p = float(res.statistic), float(res.pvalue)
        import scikit_posthocs as sp  # deferred: slow import (pulls statsmodels and pyplot)

        nemenyi = sp.posthoc_nemenyi_friedman(complete.to_numpy(float))
        nemenyi.index = nemenyi.columns = list(complete.columns)
        cd = nemenyi_cd(k, n)
    return RankResult(complete, ranks, mean_ranks, stat, p, nemenyi, cd, dropped)


def _fmt_p(p: float) -> str:
    if math.isnan(p):
        return "–"
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def rank_items(result: RankResult) -> list:
    """Rank table, Friedman line, Nemenyi p-values (the CD figure is drawn by the caller)."""
    blocks = list(result.ranks.index)
    columns = ["Model", *blocks, "Mean rank"]
    rows, bold = [], set()
    best = result.mean_ranks.min()
    for i, model in enumerate(result.mean_ranks.index):
        cells = [
            f"{result.ranks.loc[b, model]:g} ({100 * result.scores.loc[b, model]:.2f} %)"
            for b in blocks
        ]
        rows.append([model, *cells, f"{result.mean_ranks[model]:.2f}"])
        if result.mean_ranks[model] == best:
            bold.add((i, len(columns) - 1))
    n, k = result.ranks.shape
    notes = [
        "Rank of each model in each preset / dataset block by mean test top-1 over seeds "
        "(1 = best, ties share the mean rank; the mean top-1 in brackets)."
    ]
    if result.dropped:
        notes.append(f"Left out (a model has no finished run there): {', '.join(result.dropped)}.")
    items: list = [Table("Mean rank per dataset and preset", columns, rows, bold, notes)]
    if result.nemenyi is None:
        items.append(
            f"The Friedman test needs >= {MIN_MODELS_FOR_FRIEDMAN} models and >= 2 complete "
            f"blocks; here {k} model(s) over {n} block(s), so only the ranks are shown."
        )
        return items
    items.append(
        f"Friedman test (scipy.stats.friedmanchisquare) over N = {n} blocks, k = {k} models: "
        f"chi² = {result.friedman_stat:.3f}, p = {_fmt_p(result.friedman_p)}. "
        + ("With fewer than 5 blocks it has little power. " if n < 5 else "")
        + "Post-hoc: Nemenyi (scikit_posthocs.posthoc_nemenyi_friedman), which already controls "
        "the family-wise error over all pairs; read it only when Friedman's p < 0.05."
    )
    models = list(result.nemenyi.columns)
    p_rows = [[a, *(_fmt_p(result.nemenyi.loc[a, b]) for b in models)] for a in models]
    items.append(Table("Nemenyi p-values", ["Model", *models], p_rows))
    return items
