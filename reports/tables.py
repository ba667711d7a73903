"""Tables as data: numbers first (tests check these), display strings and bold cells second."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from reports.names import Status
from reports.paired import MIN_PAIRS_FOR_VERDICT, PairedResult
from reports.stats import INTERVAL_METHOD, MIN_N_FOR_INTERVAL, summarize

MAX_RUN_ROWS = 500


@dataclass
class Table:
    """A rendered-agnostic table: header, string cells, bold (row, col) cells, links, footnotes."""

    title: str
    columns: list[str]
    rows: list[list[str]]
    bold: set[tuple[int, int]] = field(default_factory=set)
    notes: list[str] = field(default_factory=list)
    links: dict[tuple[int, int], str] = field(default_factory=dict)


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
WITH_INTERVAL = {c[0][: -len("_ci")] for c in MAIN_COLUMNS if c[0].endswith("_ci")}


def excluded_mask(runs: pd.DataFrame) -> pd.Series:
    """Runs kept out of statistics: not FINISHED, or Optuna trials that were pruned/failed."""
    state = runs["optuna_state"].fillna("COMPLETE")
    return (runs["status"] != Status.FINISHED) | ~state.isin(["COMPLETE"])


def group_columns(finished: pd.DataFrame) -> list[str]:
    """Model always; preset and dataset only when the runs hold more than one of them."""
    return ["model"] + [c for c in ("preset", "dataset") if finished[c].nunique() > 1]


def with_group(finished: pd.DataFrame) -> pd.DataFrame:
    """Copy with a ``group`` label column such as ``vit`` or ``vit / demo / digits``."""
    cols = group_columns(finished)
    out = finished.copy()
    label = out[cols[0]].astype(str)
    for col in cols[1:]:  # column-wise: a row-wise join costs ~1 s per 10,000 runs
        label = label + " / " + out[col].astype(str)
    out["group"] = label
    return out


def main_stats(finished: pd.DataFrame) -> pd.DataFrame:
    """Per group: n, mean/std/CI of every summarised metric (columns ``<metric>_<stat>``)."""
    records = []
    for group, runs in with_group(finished).groupby("group", sort=True):
        rec: dict[str, object] = {"group": group, "n": int(len(runs))}
        rec.update({c: runs[c].iloc[0] for c in ("model", "preset", "dataset")})
        for metric in SUMMARISED:
            values = runs[metric].tolist() if metric in runs else []
            s = summarize(values, interval=metric in WITH_INTERVAL)
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
        if n < MIN_N_FOR_INTERVAL or math.isnan(lo):
            return f"n too small (n={n})"
        same = " (all runs equal)" if lo == hi else ""
        return f"[{fmt_pct(lo)}, {fmt_pct(hi)}]{same}"
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
        "Mean ± sample std (ddof=1) over seeds. 95% CI of the mean: "
        f"{INTERVAL_METHOD}; it stays inside the observed range, so inside [0, 100] %. No "
        f'interval below n = {MIN_N_FOR_INTERVAL} ("n too small"). With fewer than ~10 runs a '
        "bootstrap interval cannot reach past the observed values and covers less than 95%: "
        "read it as the spread of the mean, not a guarantee.",
        "Bold = best in column (higher accuracy/throughput, lower params/FLOPs/latency/time). "
        "Train img/s is the last epoch's rate (epoch 1 includes graph compilation).",
    ]
    return Table("Results per model", columns, rows, bold, notes)


def paired_table(results: list[PairedResult]) -> Table:
    """A - B in test top-1 (percentage points): interval, effect sizes, tests, Holm, verdict."""
    columns = ["A", "B", "n (seeds)", "A - B top-1 (pp)", "95% CI (pp)", "d_z", "P(A>B) [95% CI]"]
    columns += ["p t-test", "p t-test Holm", "p Wilcoxon", "p Wilcoxon Holm", "Verdict"]
    rows = []
    for r in results:
        d, pi = r.diff, r.improvement
        ci = "–" if not d.has_interval else f"[{fmt_pct(d.ci_low)}, {fmt_pct(d.ci_high)}]"
        prob = "–" if math.isnan(pi.p) else f"{pi.p:.2f}"
        if not math.isnan(pi.p) and d.n >= MIN_N_FOR_INTERVAL:  # no interval from two seeds
            prob += f" [{pi.ci_low:.2f}, {pi.ci_high:.2f}]"
        rows.append(
            [r.a, r.b, str(d.n), fmt_pct(d.mean), ci, fmt_num(r.d_z, 2), prob]
            + [_fmt_p(p) for p in (r.p_value, r.p_holm, r.wilcoxon_p, r.wilcoxon_p_holm)]
            + [r.verdict]
        )
    notes = [
        "Pairs are runs that share seed, preset and dataset. Tests: two-sided paired t-test "
        "(scipy.stats.ttest_rel) and Wilcoxon signed-rank (scipy.stats.wilcoxon, exact null "
        "distribution up to 50 pairs, exhaustive permutations when differences tie or are zero). "
        f"Holm-Bonferroni correction across all {len(results)} pair(s) of this table, each test "
        "family separately (statsmodels.stats.multitest). The exact Wilcoxon test cannot reach "
        "p < 0.05 below 6 pairs.",
        "Effect sizes: mean difference in percentage points with its Student-t 95% CI (none "
        f"below n = {MIN_N_FOR_INTERVAL}); Cohen's d_z = mean / std of the per-seed differences; "
        "P(A>B) = probability that a run of A beats a run of B (Mann-Whitney U / (n m), ties "
        "count 1/2; Bouthillier et al. 2021, rliable) with a percentile bootstrap CI over seeds "
        f"(none below n = {MIN_N_FOR_INTERVAL}).",
        f"Verdict: reads the Holm-corrected t-test p-value and needs n >= {MIN_PAIRS_FOR_VERDICT} "
        'pairs; below that it says "weak evidence" whatever the p-value.',
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


def runs_table(runs: pd.DataFrame, run_url: Callable[[pd.Series], str | None]) -> Table:
    """Every run of the source, finished or not; run ids link to the MLflow UI when served."""
    ordered = runs.sort_values(["model", "preset", "dataset", "seed"], na_position="last")
    excluded = excluded_mask(runs)
    columns = ["Run id", "Model", "Seed", "Preset", "Dataset", "Test top-1 %", "Test top-5 %"]
    columns += ["Params", "Status"]
    rows, links = [], {}
    for i, (_, r) in enumerate(ordered.head(MAX_RUN_ROWS).iterrows()):
        seed = "–" if pd.isna(r["seed"]) else str(r["seed"])
        used = not excluded[r.name]  # an unfinished run's metrics are not results: not shown
        top = [fmt_pct(r[m]) if used else "–" for m in ("test_accuracy", "test_top5_accuracy")]
        rows.append(
            [str(r["run_id"]), str(r["model"]), seed, str(r["preset"]), str(r["dataset"])]
            + [*top, fmt_count(r["params_total"]), str(r["status"])]
        )
        url = run_url(r)
        if url:
            links[(i, 0)] = url
    notes = ["Test accuracies only for runs in the statistics (finished, complete trials)."]
    if len(ordered) > MAX_RUN_ROWS:
        notes.append(f"First {MAX_RUN_ROWS} of {len(ordered):,} runs; runs.csv holds them all.")
    return Table("Runs", columns, rows, set(), notes, links)
