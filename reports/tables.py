"""Tables as data: numbers first (tests check these), display strings and bold cells second."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from itertools import combinations

import pandas as pd

from reports.stats import PairedResult, paired_comparison, summarize


@dataclass
class Table:
    """A rendered-agnostic table: header, string cells, bold (row, col) cells and footnotes."""

    title: str
    columns: list[str]
    rows: list[list[str]]
    bold: set[tuple[int, int]] = field(default_factory=set)
    notes: list[str] = field(default_factory=list)


# (metric, header, direction for highlighting: +1 higher is better, -1 lower, 0 none, kind)
MAIN_COLUMNS: list[tuple[str, str, int, str]] = [
    ("params_total", "Params", -1, "count"),
    ("flops_per_image", "FLOPs/img", -1, "count"),
    ("test_accuracy", "Test top-1 % (mean ± std)", +1, "pct_pm"),
    ("test_accuracy_ci", "Top-1 95% CI", 0, "pct_ci"),
    ("test_top5_accuracy", "Test top-5 % (mean ± std)", +1, "pct_pm"),
    ("test_top5_accuracy_ci", "Top-5 95% CI", 0, "pct_ci"),
    ("best_val_accuracy", "Best val %", +1, "pct"),
    ("best_epoch", "Best epoch", 0, "float"),
    ("train_images_per_s", "Train img/s", +1, "float"),
    ("inference_images_per_s", "Infer img/s", +1, "float"),
    ("latency_batch1_ms", "Latency b1 (ms)", -1, "float"),
    ("train_time_s", "Wall time (s)", -1, "float"),
]
SUMMARISED = [c[0] for c in MAIN_COLUMNS if not c[0].endswith("_ci")]


def excluded_mask(runs: pd.DataFrame) -> pd.Series:
    """Runs kept out of statistics: not FINISHED, or Optuna trials that were pruned/failed."""
    state = runs["optuna_state"].fillna("COMPLETE")
    return (runs["status"] != "FINISHED") | ~state.isin(["COMPLETE"])


def group_columns(finished: pd.DataFrame) -> list[str]:
    """Model always; preset and dataset only when the runs hold more than one of them."""
    return ["model"] + [c for c in ("preset", "dataset") if finished[c].nunique() > 1]


def with_group(finished: pd.DataFrame) -> pd.DataFrame:
    """Copy with a ``group`` label column such as ``vit`` or ``vit / demo / digits``."""
    cols = group_columns(finished)
    out = finished.copy()
    out["group"] = out[cols].astype(str).agg(" / ".join, axis=1)
    return out


def main_stats(finished: pd.DataFrame) -> pd.DataFrame:
    """Per group: n, mean/std/CI of every summarised metric (columns ``<metric>_<stat>``)."""
    records = []
    for group, runs in with_group(finished).groupby("group", sort=True):
        rec: dict[str, object] = {"group": group, "n": int(len(runs))}
        rec.update({c: runs[c].iloc[0] for c in ("model", "preset", "dataset")})
        for metric in SUMMARISED:
            values = runs[metric].tolist() if metric in runs else []
            s = summarize(values)
            rec.update({f"{metric}_n": s.n, f"{metric}_mean": s.mean, f"{metric}_std": s.std})
            rec.update({f"{metric}_ci_low": s.ci_low, f"{metric}_ci_high": s.ci_high})
        records.append(rec)
    return pd.DataFrame(records).set_index("group")


def fmt_count(x: float) -> str:
    """Thousands-separated integer, or human units for big numbers (FLOPs)."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    if abs(x) >= 1e9:
        return f"{x / 1e9:.2f} G"
    if abs(x) >= 1e7:
        return f"{x / 1e6:.2f} M"
    return f"{x:,.0f}"


def fmt_num(x: float, digits: int = 1) -> str:
    return "–" if x is None or math.isnan(x) else f"{x:,.{digits}f}"


def fmt_pct(x: float) -> str:
    return "–" if x is None or math.isnan(x) else f"{100 * x:.2f}"


def _cell(rec: pd.Series, metric: str, kind: str) -> str:
    if kind == "pct_ci":
        base = metric[: -len("_ci")]
        lo, hi = rec[f"{base}_ci_low"], rec[f"{base}_ci_high"]
        n = rec[f"{base}_n"]
        return f"– (n={n})" if math.isnan(lo) else f"[{fmt_pct(lo)}, {fmt_pct(hi)}]"
    mean = rec[f"{metric}_mean"]
    if kind == "pct_pm":
        std = rec[f"{metric}_std"]
        return fmt_pct(mean) if math.isnan(std) else f"{fmt_pct(mean)} ± {fmt_pct(std)}"
    if kind == "pct":
        return fmt_pct(mean)
    if kind == "count":
        return fmt_count(mean)
    return fmt_num(mean)


def main_table(stats_frame: pd.DataFrame) -> Table:
    """One row per group; the best value of each directional column is bold (ties all bold)."""
    columns = ["Model", "n"] + [c[1] for c in MAIN_COLUMNS]
    rows, bold = [], set()
    for group, rec in stats_frame.iterrows():
        rows.append([str(group), str(rec["n"])] + [_cell(rec, m, k) for m, _, _, k in MAIN_COLUMNS])
    for j, (metric, _, direction, _) in enumerate(MAIN_COLUMNS, start=2):
        means = stats_frame.get(f"{metric}_mean")
        if direction == 0 or means is None or means.notna().sum() < 2 or means.nunique() < 2:
            continue
        best = means.max() if direction > 0 else means.min()
        bold |= {(i, j) for i, v in enumerate(means) if v == best}
    notes = [
        "Mean ± sample std (ddof=1) over seeds; 95% CI of the mean from Student's t with n-1 "
        "degrees of freedom. Bold = best in column (higher accuracy/throughput, lower "
        "params/FLOPs/latency/time). Train img/s is the last epoch's rate (epoch 1 includes "
        "graph compilation).",
    ]
    return Table("Results per model", columns, rows, bold, notes)


def paired_results(finished: pd.DataFrame, metric: str = "test_accuracy") -> list[PairedResult]:
    """Every pair of groups that share preset and dataset, paired on seed."""
    frame = with_group(finished)
    results = []
    for _, ctx in frame.groupby(["preset", "dataset"], sort=True):
        per_seed = ctx.groupby(["group", "seed"])[metric].mean()
        groups = sorted(ctx["group"].unique())
        for a, b in combinations(groups, 2):
            results.append(paired_comparison(a, per_seed.loc[a], b, per_seed.loc[b]))
    return results


def paired_table(results: list[PairedResult]) -> Table:
    """A - B in test top-1 (percentage points) with the interval, t, p and the verdict."""
    columns = ["A", "B", "n (seeds)", "A - B top-1 (pp)", "95% CI (pp)", "t", "p", "Verdict"]
    rows = []
    for r in results:
        d = r.diff
        ci = "–" if math.isnan(d.ci_low) else f"[{fmt_pct(d.ci_low)}, {fmt_pct(d.ci_high)}]"
        rows.append(
            [r.a, r.b, str(d.n), fmt_pct(d.mean), ci, fmt_num(r.t_stat, 2), _fmt_p(r.p_value)]
            + [r.verdict]
        )
    notes = [
        "Test: two-sided paired t-test (scipy.stats.ttest_rel) on per-seed test top-1, pairing "
        "runs that share a seed; CI is Student's t on the per-seed differences. With fewer than 5 "
        "pairs no winner is declared. Several pairs are tested; no multiple-comparison correction.",
    ]
    return Table("Paired comparisons (same seeds)", columns, rows, set(), notes)


def _fmt_p(p: float) -> str:
    if math.isnan(p):
        return "–"
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def excluded_table(runs: pd.DataFrame) -> Table:
    """Runs that are not in the statistics, with the reason (failure_reason tag, or status)."""
    out = runs[excluded_mask(runs)]
    rows = []
    for _, r in out.sort_values(["model", "seed"], na_position="last").iterrows():
        state = r.get("optuna_state")
        reason = r["failure_reason"] if isinstance(r["failure_reason"], str) else None
        if reason is None:
            reason = f"optuna {state}" if isinstance(state, str) else f"status {r['status']}"
        seed = "–" if pd.isna(r["seed"]) else str(r["seed"])
        rows.append([str(r["run_name"]), str(r["model"]), seed, r["status"], reason, r["run_id"]])
    columns = ["Run", "Model", "Seed", "Status", "Reason", "Run id"]
    return Table("Runs excluded from statistics", columns, rows)
