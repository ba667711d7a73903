"""Expected numbers computed straight from MlflowClient, independently of the reports package."""

from __future__ import annotations

import statistics
from collections import defaultdict

import numpy as np
from mlflow import MlflowClient
from scipy import stats


def finished_by_model(client: MlflowClient, parent_id: str, metric: str) -> dict[str, dict]:
    """{model: {seed: value}} over the parent's FINISHED children."""
    runs = client.search_runs(
        [client.get_run(parent_id).info.experiment_id],
        f"tags.mlflow.parentRunId = '{parent_id}' and attributes.status = 'FINISHED'",
        max_results=1000,
    )
    out: dict[str, dict] = defaultdict(dict)
    for run in runs:
        out[run.data.tags["model"]][int(run.data.tags["seed"])] = run.data.metrics[metric]
    return dict(out)


def t_summary(values: list[float]) -> tuple[int, float, float, float, float]:
    """n, mean, sample std and the 95% Student-t interval for the mean."""
    n, mean, std = len(values), statistics.fmean(values), statistics.stdev(values)
    lo, hi = stats.t.interval(0.95, n - 1, loc=mean, scale=std / n**0.5)
    return n, mean, std, float(lo), float(hi)


def bca_interval(values: list[float]) -> tuple[float, float]:
    """The accuracy interval the report promises: scipy's BCa bootstrap, 9,999 resamples, seed 0."""
    res = stats.bootstrap(
        (np.asarray(values, dtype=float),),
        np.mean,
        method="BCa",
        n_resamples=9_999,
        rng=np.random.default_rng(0),
    )
    return float(res.confidence_interval.low), float(res.confidence_interval.high)
