"""`vitbench runs`: the leaderboard of a matrix, a study or an experiment, from the tracking store.

TensorFlow-free like `vitbench report` (the rows come from `reports.leaderboard`): seconds
anywhere. Table for people; csv / json / md for scripts and notes, never truncated.
"""

from __future__ import annotations

import click

from benchmark.cli.formats import FORMATS, emit
from benchmark.cli.options import UserError, comma_list


def _pairs(values: tuple[str, ...]) -> list[tuple[str, str]]:
    pairs = []
    for value in values:
        key, sep, wanted = value.partition("=")
        if not sep or not key.strip():
            raise UserError(f"--where: expected KEY=VALUE, got {value!r}")
        pairs.append((key.strip(), wanted.strip()))
    return pairs


@click.command(name="runs")
@click.option(
    "--matrix",
    is_flag=False,
    flag_value="latest",
    default=None,
    metavar="[RUN_ID]",
    help="A matrix parent run id; alone: the latest matrix (the default).",
)
@click.option("--study", help="A study name (its trials, best objective first).")
@click.option("--experiment", help="MLflow experiment; alone: all its matrices, newest cell wins.")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(FORMATS),
    default="table",
    show_default=True,
    help="csv/json carry MLflow's raw values (accuracies as fractions).",
)
@click.option("--sort", "sort_key", help="Column or config key, best first [test_top1].")
@click.option("--reverse", is_flag=True, help="Reverse the --sort order.")
@click.option("--status", help="Only these statuses, e.g. FINISHED or FAILED,KILLED.")
@click.option(
    "--where",
    multiple=True,
    metavar="KEY=VALUE",
    help="Keep rows whose column or config key equals VALUE, e.g. model=vit, "
    "model.num_heads=4 (repeatable).",
)
@click.option("--group", help="Per-group summary instead of runs, e.g. model or model,preset.")
@click.option("--tracking-uri", help="Tracking URI [default: $MLFLOW_TRACKING_URI or local store].")
def command(matrix, study, experiment, output_format, sort_key, reverse, status, where, group,
            tracking_uri) -> None:  # fmt: skip
    """List the cells (or trials) with their final metrics, one row each: a leaderboard."""
    if matrix and study:
        raise UserError("--matrix and --study select different parents; pick one.")
    # Deferred for start-up time: mlflow and pandas.
    from mlflow import MlflowClient

    from benchmark.tracking.server import redact, tracking_uri_of
    from benchmark.tracking.store import follow_moved_store
    from reports import leaderboard as lb
    from reports.collect import check_store
    from reports.errors import ReportError

    uri = tracking_uri_of(tracking_uri)
    try:
        check_store(uri)
        follow_moved_store(uri)
        client = MlflowClient(uri)
        source = lb.find_leaderboard_source(
            client, experiment=experiment, matrix=matrix, study=study
        )
        frame = lb.leaderboard(client, source)
        frame = lb.select(frame, comma_list(status) or (), _pairs(where))
        if sort_key:
            frame = lb.sort(frame, sort_key, reverse)
        elif reverse:
            frame = frame.iloc[::-1]
        if group:
            frame = lb.group_summary(frame, comma_list(group))
            columns = list(frame.columns)
        else:
            columns = lb.columns_of(frame)
    except ReportError as err:
        raise UserError(str(err)) from err
    title = f"{source.kind} {source.name}: {len(frame)} row(s) in {redact(uri)}"
    emit(
        lb.display_rows(frame, columns),
        {c: lb.heading(c) for c in columns},
        output_format,
        title=title,
        numeric=[c for c in columns if c in lb.NUMERIC or c.endswith("_std")],
        raw=lb.machine_rows(frame, columns),
    )
