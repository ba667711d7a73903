"""Every number of the report's result and paired tables, and of `vitbench runs`, recomputed
from the report's exported frame (runs.csv) with pandas, scipy and a Holm correction written
here, then compared with the rendered Markdown (what a reader sees)."""

from __future__ import annotations

import io
import json
from itertools import combinations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from reports.build import build_report
from tests.reports.conftest import _build


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    root = tmp_path_factory.mktemp("report-store")
    store = _build(root)
    result = build_report(tracking_uri=store.uri, run_id=store.matrix_id, out_dir=root / "out",
                          formats=("md",), log_artifacts=False)  # fmt: skip
    runs = pd.read_csv(root / "out" / "runs.csv")
    return store, runs, result.paths["md"].read_text()


def _table(md: str, title: str) -> dict[str, list[str]]:
    """Rows of the Markdown table under `title`, keyed by their first cell."""
    lines = md[md.index(f"## {title}") :].splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("|"))
    rows = {}
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        cells = [c.strip().replace("**", "") for c in line.strip("|").split("|")]
        rows[" ".join(cells[:2]) if title.startswith("Paired") else cells[0]] = cells
    return rows


def pct(x: float) -> str:
    return f"{100 * x:.2f}"


def holm(p: np.ndarray) -> np.ndarray:
    order = np.argsort(p)
    m = len(p)
    adjusted = np.maximum.accumulate([(m - i) * p[j] for i, j in enumerate(order)])
    out = np.empty(m)
    out[order] = np.minimum(adjusted, 1.0)
    return out


def p_text(p: float) -> str:
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def _finished(runs: pd.DataFrame) -> pd.DataFrame:
    return runs[runs["status"] == "FINISHED"]


def test_results_table_is_mean_std_and_bca_interval_of_runs_csv(report):
    _, runs, md = report
    table = _table(md, "Results per model")
    assert sorted(table) == ["eanet", "vit", "vit_sl"]
    for model, part in _finished(runs).groupby("model"):
        row = table[model]
        assert row[1] == str(len(part))
        assert row[2] == f"{part['params_total'].median():,.0f}"
        for metric, cell in (("test_accuracy", 4), ("test_top5_accuracy", 6)):
            values = part[metric].to_numpy(float)
            assert row[cell] == f"{pct(values.mean())} ± {pct(values.std(ddof=1))}", metric
            ci = stats.bootstrap((values,), np.mean, n_resamples=9_999, method="BCa",
                                 rng=np.random.default_rng(0)).confidence_interval  # fmt: skip
            assert row[cell + 1] == f"[{pct(ci.low)}, {pct(ci.high)}]", metric


def test_paired_table_is_ttest_wilcoxon_and_holm_over_shared_seeds(report):
    _, runs, md = report
    table = _table(md, "Paired comparisons (same seeds)")
    wide = _finished(runs).pivot_table(index="seed", columns="model", values="test_accuracy")
    pairs = list(combinations(sorted(wide.columns), 2))
    t_p, w_p = [], []
    for a, b in pairs:
        both = wide[[a, b]].dropna()
        diff = (both[a] - both[b]).to_numpy()
        row = table[f"{a} {b}"]
        assert row[2] == str(len(diff))
        assert row[3] == pct(diff.mean())
        half = stats.t.ppf(0.975, len(diff) - 1) * diff.std(ddof=1) / np.sqrt(len(diff))
        assert row[4] == f"[{pct(diff.mean() - half)}, {pct(diff.mean() + half)}]"
        assert row[5] == f"{diff.mean() / diff.std(ddof=1):,.2f}"
        wins = np.mean([(x > y) + 0.5 * (x == y) for x in both[a] for y in both[b]])
        assert row[6].split()[0] == f"{wins:.2f}"
        t_p.append(stats.ttest_rel(both[a], both[b]).pvalue)
        w_p.append(stats.wilcoxon(both[a], both[b]).pvalue)
        assert row[7] == p_text(t_p[-1]) and row[9] == p_text(w_p[-1])
    for (a, b), pt, pw in zip(pairs, holm(np.array(t_p)), holm(np.array(w_p)), strict=True):
        assert table[f"{a} {b}"][8] == p_text(pt) and table[f"{a} {b}"][10] == p_text(pw)


def test_runs_table_shows_each_runs_own_accuracies(report):
    _, runs, md = report
    table = _table(md, "Runs")
    for _, r in runs.iterrows():
        shown = table[r["run_id"]]
        if r["status"] == "FINISHED":
            assert shown[5:7] == [pct(r["test_accuracy"]), pct(r["test_top5_accuracy"])]
        else:
            assert shown[5:7] == ["–", "–"]  # an unfinished run's numbers are not results


def test_vitbench_runs_csv_equals_each_runs_own_metrics(report, capsys):
    from mlflow.tracking import MlflowClient

    from benchmark.cli.main import main

    store, _, _ = report
    main(["runs", "--matrix", store.matrix_id, "--format", "json", "--tracking-uri", store.uri])
    rows = json.load(io.StringIO(capsys.readouterr().out))
    client = MlflowClient(store.uri)
    assert len(rows) == 17
    for row in rows:
        data = client.get_run(row["run_id"]).data
        assert row["test_top1"] == data.metrics.get("test_accuracy")
        assert row["test_top5"] == data.metrics.get("test_top5_accuracy")
        assert row["params"] == int(data.params["params_total"])
