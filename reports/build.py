"""build_report(): resolve the source, collect, compute, draw, write, log. One call, timed.

``vitbench report`` and ``vitbench perf`` both call this; ``ReportResult.timings`` tells perf
where the seconds went (collect, histories, figures, render, log).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
from mlflow import MlflowClient

from reports import figures as figs
from reports import study as st
from reports.collect import Source, check_store, collect_runs, fetch_histories, find_source
from reports.errors import ReportError
from reports.fidelity import fidelity_frame, fidelity_table
from reports.figures import Figure
from reports.lineage import data_lines
from reports.render import Document, Section, write
from reports.stats import PairedResult
from reports.tables import (
    Table,
    excluded_mask,
    excluded_table,
    main_stats,
    main_table,
    paired_results,
    paired_table,
    with_group,
)

FORMATS = ("md", "html")
HONESTY = [
    "n is the number of finished runs (seeds) behind each number; with n < 5 intervals are wide "
    "and a difference that looks large can be seed noise.",
    "Overlapping per-model intervals do not prove equality, and non-overlapping ones are not a "
    "test: use the paired comparison, which removes the shared seed effect.",
    "Throughput and latency were measured on the hardware named in each run's `hardware` tag; "
    "compare them only between runs on the same machine.",
]


@dataclass
class ReportResult:
    """Everything the report computed (tests and perf read these) and where it was written."""

    out_dir: Path
    paths: dict[str, Path]
    source: Source
    runs: pd.DataFrame
    stats: pd.DataFrame
    paired: list[PairedResult]
    fidelity: pd.DataFrame
    figures: list[Figure]
    document: Document
    timings: dict[str, float] = field(default_factory=dict)


def _safe_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-") or "report"


def _curve_runs(finished: pd.DataFrame, per_group: int, is_study: bool) -> list[str]:
    """At most ``per_group`` runs per group: lowest seeds, or a study's best trials."""
    key = ["objective"] if is_study and "objective" in finished else ["seed", "run_id"]
    ordered = finished.sort_values(key, ascending=not is_study)
    return ordered.groupby("group").head(per_group)["run_id"].tolist()


def _matrix_sections(
    finished: pd.DataFrame, main: Table
) -> tuple[list[Section], list[PairedResult], pd.DataFrame]:
    """Results, paired comparisons and fidelity: the sections only a seeds matrix has."""
    paired = paired_results(finished)
    fid = fidelity_frame(finished)
    sections = [
        Section("Results", [main]),
        Section("Paired comparisons", [paired_table(paired)] if paired else ["Only one model."]),
        Section("Fidelity to published results", [fidelity_table(fid)]),
    ]
    return sections, paired, fid


def _study_sections(finished: pd.DataFrame, source: Source) -> list[Section]:
    """Best trials, importances and the study figures (history, Pareto, per-parameter)."""
    dirs, assumed = st.directions(source.parent_tags)
    tuned = st.tuned_params(finished)
    imp = st.importances(finished, tuned)
    items: list = [st.best_trials_table(finished, tuned, dirs), st.importance_table(imp)]
    if assumed:
        items.append(
            "Objective directions were not tagged on the study parent; assumed "
            f"{', '.join(dirs[: len(st.objective_columns(finished))])}."
        )
    figures: list = [figs.optimisation_history(finished, dirs[0].startswith("max"))]
    if tuned:
        figures.append(figs.importance_bars(imp))
    if "objective_1" in st.objective_columns(finished):
        figures.append(figs.pareto_front(finished, dirs))
    y = "test_accuracy" if finished.get("test_accuracy") is not None else "objective"
    figures += [figs.accuracy_vs_param(finished, col, y) for col in tuned]
    return [Section("Study", items), Section("Study figures", figures)]


def build_report(
    *,
    tracking_uri: str,
    experiment: str | None = None,
    run_id: str | None = None,
    study: str | None = None,
    latest: bool = False,
    out_dir: Path | str | None = None,
    reports_root: Path | str | None = None,
    store_label: str | None = None,
    formats: tuple[str, ...] = FORMATS,
    log_artifacts: bool = True,
    max_curves_per_group: int = 10,
) -> ReportResult:
    """Build the comparison report; raises a ReportError (and writes nothing) when it cannot.

    Written to `out_dir`, or to `reports_root/<source name>/`; one of the two is required.
    `store_label` is how the intro names the store (pass a redacted URI; default: not named)."""
    if out_dir is None and reports_root is None:
        raise ReportError("Say where to write the report: out_dir or reports_root.")
    bad = [f for f in formats if f not in FORMATS]
    if bad or not formats:
        raise ReportError(f"Unknown format(s) {bad or formats}; choose from {', '.join(FORMATS)}.")
    t = {"start": time.perf_counter()}
    uri = tracking_uri
    check_store(uri)
    client = MlflowClient(tracking_uri=uri)
    source = find_source(client, experiment=experiment, run_id=run_id, study=study, latest=latest)
    runs = collect_runs(client, source)
    t["collect"] = time.perf_counter()

    excluded = excluded_mask(runs)
    finished = with_group(runs[~excluded])
    if finished.empty:
        raise ReportError(f"{source.kind} {source.name!r}: no run is usable for statistics.")
    is_study = source.kind == "study"
    stats = main_stats(finished)
    histories = fetch_histories(client, _curve_runs(finished, max_curves_per_group, is_study))
    t["histories"] = time.perf_counter()

    colours = figs.palette(finished["group"].unique().tolist())
    main = main_table(stats)
    paired: list[PairedResult] = []
    fid = pd.DataFrame()
    if is_study:
        main.title = "Results per model across trials (trials differ in hyperparameters)"
        main.notes = [
            "Mean ± std and intervals here are over complete trials, not seeds: they describe the "
            "search, not seed noise. See the best-trials table for individual configurations.",
        ]
        sections = [Section("Results", [main]), *_study_sections(finished, source)]
    else:
        sections, paired, fid = _matrix_sections(finished, main)
    curves = figs.learning_curves(histories, finished.set_index("run_id")["group"], colours)
    per_run = [
        figs.scatter_vs(finished, "params_total", "parameters", "acc_vs_params", colours, True),
        figs.scatter_vs(
            finished, "train_images_per_s", "training images/s", "acc_vs_throughput", colours
        ),
    ]
    sections.append(Section("Figures", [curves, *per_run]))
    sections.append(Section("Runs excluded from statistics", [excluded_table(runs)]))
    sections.append(Section("How to read these numbers", list(HONESTY)))
    t["figures"] = time.perf_counter()

    now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")  # noqa: UP017 - py310
    store = f"tracking store {store_label}; " if store_label else ""
    intro = [
        f"Source: {source.kind} {source.name} (parent run {source.artifact_run_id}), "
        f"{store}generated {now}.",
        f"{len(finished)} finished runs in the statistics, {int(excluded.sum())} excluded; "
        f"groups: {', '.join(sorted(finished['group'].unique()))}.",
        *data_lines(finished),
    ]
    doc = Document(f"vitbench report: {source.name}", intro, sections)
    target = Path(out_dir) if out_dir else Path(reports_root) / _safe_name(source.name)
    paths = write(doc, target, tuple(formats))
    t["render"] = time.perf_counter()
    if log_artifacts and source.artifact_run_id:
        client.log_artifacts(source.artifact_run_id, str(target), artifact_path="report")
    t["log"] = time.perf_counter()

    stages = ["collect", "histories", "figures", "render", "log"]
    prev = [t["start"], *(t[s] for s in stages[:-1])]
    timings = {s: t[s] - p for s, p in zip(stages, prev, strict=True)}
    timings["total"] = t["log"] - t["start"]
    all_figs = [i for s in sections for i in s.items if isinstance(i, Figure)]
    return ReportResult(target, paths, source, runs, stats, paired, fid, all_figs, doc, timings)
