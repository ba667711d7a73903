"""`vitbench report`: build the comparison report from what the tracking store holds.

Imports nothing heavy at module level: mlflow, pandas and seaborn load inside the command, and
TensorFlow/Keras never (the ``reports`` package does not depend on them). The CLI says where the
report reads (the tracking URI) and writes (`--out`, default `.vitbench/reports/<name>/`).
"""

from __future__ import annotations

from pathlib import Path

import click

from benchmark import paths
from benchmark.cli.options import UserError


@click.command("report")
@click.option("--experiment", help="MLflow experiment; alone: all its matrices (newest cell wins).")
@click.option("--run", "run_id", help="Parent run id of a matrix or study.")
@click.option("--latest", is_flag=True, help="The most recent matrix parent run (the default).")
@click.option("--study", help="Study name (parent run tagged vitbench.study_name).")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Output folder [default: .vitbench/reports/<name>].",
)
@click.option("--format", "formats", default="md,html", show_default=True, help="md, html or both.")
@click.option("--tracking-uri", help="Tracking URI [default: $MLFLOW_TRACKING_URI or local store].")
@click.option("--no-log", is_flag=True, help="Do not log the report as parent-run artifacts.")
def command(
    experiment: str | None,
    run_id: str | None,
    latest: bool,
    study: str | None,
    out: Path | None,
    formats: str,
    tracking_uri: str | None,
    no_log: bool,
) -> None:
    """Write report.md and a self-contained report.html comparing the models of a matrix/study."""
    if run_id and (experiment or latest or study):
        raise click.UsageError("--run names one parent; do not combine it with other selectors.")
    if study and latest:
        raise click.UsageError("--study and --latest select different parents; pick one.")
    # Deferred for start-up time: mlflow, pandas and seaborn.
    from benchmark.tracking.server import redact, tracking_uri_of
    from benchmark.tracking.store import follow_moved_store
    from reports.build import build_report
    from reports.errors import ReportError

    uri = tracking_uri_of(tracking_uri)
    follow_moved_store(uri)  # a copied .vitbench/ logs the report into its own artifacts

    chosen = tuple(f.strip().lower() for f in formats.split(",") if f.strip())
    try:
        result = build_report(
            tracking_uri=uri,
            store_label=redact(uri),
            experiment=experiment,
            run_id=run_id,
            study=study,
            latest=latest,
            out_dir=out,
            reports_root=paths.reports_root(),
            formats=chosen,
            log_artifacts=not no_log,
        )
    except ReportError as err:
        raise UserError(str(err)) from err
    for path in result.paths.values():
        click.echo(str(Path(path).resolve()))
