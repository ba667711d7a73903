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
from urllib.parse import urlsplit, urlunsplit

import pandas as pd
from mlflow import MlflowClient

from reports import figures as figs
from reports.collect import Source, check_store, collect_runs, fetch_histories, find_source
from reports.errors import ReportError
from reports.figures import Figure
from reports.lineage import data_lines
from reports.names import Kind
from reports.paired import PairedResult
from reports.ranks import RankResult
from reports.render import Document, Section, write
from reports.sections import MATRIX_HONESTY, STUDY_HONESTY, matrix_sections, study_sections
from reports.tables import excluded_mask, excluded_table, runs_table, with_group

FORMATS = ("md", "html")
CSV_COLUMNS = ["run_id", "run_name", "experiment_id", "model", "seed", "preset", "dataset"]
CSV_COLUMNS += ["status", "test_accuracy", "test_top5_accuracy", "params_total"]


@dataclass
class ReportResult:
    """Everything the report computed (tests and perf read these) and where it was written."""

    out_dir: Path
    paths: dict[str, Path]
    source: Source
    runs: pd.DataFrame
    stats: pd.DataFrame  # empty for a study: no statistics over trials
    paired: list[PairedResult]
    fidelity: pd.DataFrame
    figures: list[Figure]
    document: Document
    ranks: RankResult | None = None
    importances: pd.DataFrame | None = None
    timings: dict[str, float] = field(default_factory=dict)


def _safe_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-") or "report"


def _curve_runs(finished: pd.DataFrame, per_group: int, is_study: bool) -> list[str]:
    """At most ``per_group`` runs per group: lowest seeds, or a study's best trials."""
    key = ["objective"] if is_study and "objective" in finished else ["seed", "run_id"]
    ordered = finished.sort_values(key, ascending=not is_study)
    return ordered.groupby("group").head(per_group)["run_id"].tolist()


def ui_base(tracking_uri: str) -> str | None:
    """The MLflow UI root for an http(s) tracking server (credentials removed), else None."""
    if not tracking_uri.startswith(("http://", "https://")):
        return None
    parts = urlsplit(tracking_uri)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))


def run_linker(tracking_uri: str):  # noqa: ANN201 - returns a row -> url callable
    """Row -> ``<ui>/#/experiments/<experiment_id>/runs/<run_id>``, or None off a server."""
    base = ui_base(tracking_uri)

    def url(row: pd.Series) -> str | None:
        if base is None or not row.get("experiment_id"):
            return None
        return f"{base}/#/experiments/{row['experiment_id']}/runs/{row['run_id']}"

    return url


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
    runs = collect_runs(client, source, tracking_uri=uri)
    t["collect"] = time.perf_counter()

    excluded = excluded_mask(runs)
    finished = with_group(runs[~excluded])
    if finished.empty:
        raise ReportError(f"{source.kind} {source.name!r}: no run is usable for statistics.")
    is_study = source.kind == Kind.STUDY
    curve_ids = _curve_runs(finished, max_curves_per_group, is_study)
    histories = fetch_histories(client, curve_ids, tracking_uri=uri)
    t["histories"] = time.perf_counter()

    if is_study:
        sections, computed = study_sections(finished, runs, source, histories)
    else:
        colours = figs.palette(finished["group"].unique().tolist())
        sections, computed = matrix_sections(finished, histories, colours)
    sections.append(Section("Runs", [runs_table(runs, run_linker(uri))]))
    if excluded.any():
        sections.append(Section("Runs excluded from statistics", [excluded_table(runs)]))
    sections.append(
        Section("How to read these numbers", list(STUDY_HONESTY if is_study else MATRIX_HONESTY))
    )
    t["figures"] = time.perf_counter()

    now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")  # noqa: UP017 - py310
    store = f"tracking store {store_label}; " if store_label else ""
    used = "complete trials" if is_study else "finished runs in the statistics"
    intro = [
        f"Source: {source.kind} {source.name} (parent run {source.artifact_run_id}), "
        f"{store}generated {now}.",
        f"{len(finished)} {used}, {int(excluded.sum())} excluded; "
        f"groups: {', '.join(sorted(finished['group'].unique()))}.",
        *data_lines(finished),
    ]
    doc = Document(f"vitbench report: {source.name}", intro, sections)
    target = Path(out_dir) if out_dir else Path(reports_root) / _safe_name(source.name)
    csv = runs[[c for c in CSV_COLUMNS if c in runs]].to_csv(index=False)
    paths = write(doc, target, tuple(formats), runs_csv=csv)
    t["render"] = time.perf_counter()
    if log_artifacts and source.artifact_run_id:
        client.log_artifacts(source.artifact_run_id, str(target), artifact_path="report")
    t["log"] = time.perf_counter()

    stages = ["collect", "histories", "figures", "render", "log"]
    prev = [t["start"], *(t[s] for s in stages[:-1])]
    timings = {s: t[s] - p for s, p in zip(stages, prev, strict=True)}
    timings["total"] = t["log"] - t["start"]
    all_figs = [i for s in sections for i in s.items if isinstance(i, Figure)]
    c = computed
    return ReportResult(
        target, paths, source, runs, c.stats, c.paired, c.fidelity, all_figs, doc,
        c.ranks, c.importances, timings,
    )  # fmt: skip
