"""The next commands to type, printed at the end of `vitbench run` and `vitbench study`.

Each command names what was just made (the matrix parent run, the study) and repeats the
`--tracking-uri` / `--experiment` it used, so it can be pasted as is.
"""

from __future__ import annotations

import shlex

import click

from benchmark import paths


def _store_args(tracking_uri: str, experiment: str | None = None) -> str:
    args = ""
    if tracking_uri != paths.local_tracking_uri():
        args += f" --tracking-uri {shlex.quote(tracking_uri)}"
    if experiment and experiment != paths.DEFAULT_EXPERIMENT:
        args += f" --experiment {shlex.quote(experiment)}"
    return args


def _browse(tracking_uri: str, experiment: str, experiment_id: str) -> tuple[str, str]:
    from benchmark.tracking.server import is_remote
    from benchmark.tracking.ui_view import runs_url

    if is_remote(tracking_uri):
        return runs_url(tracking_uri, experiment_id), "the runs in that server's MLflow UI"
    ui = "vitbench ui" + (
        f" --experiment {shlex.quote(experiment)}" if experiment != paths.DEFAULT_EXPERIMENT else ""
    )
    return ui, "browse every run in the MLflow UI"


def print_hints(lines: list[tuple[str, str]]) -> None:
    width = max(len(command) for command, _ in lines)
    click.echo("next:")
    for command, why in lines:
        click.echo(f"  {command.ljust(width)}  # {why}")


def matrix_hints(
    parent_run_id: str, tracking_uri: str, experiment: str, experiment_id: str
) -> None:
    store = _store_args(tracking_uri)
    print_hints([
        (f"vitbench runs --matrix {parent_run_id}{store}", "leaderboard (--format csv|json|md)"),
        (f"vitbench report --run {parent_run_id}{store}", "tables, paired comparisons, figures"),
        _browse(tracking_uri, experiment, experiment_id),
    ])  # fmt: skip


def study_hints(study_name: str, tracking_uri: str, experiment: str, experiment_id: str,
                storage: str) -> None:  # fmt: skip
    store = _store_args(tracking_uri, experiment)
    name = shlex.quote(study_name)
    from benchmark.tracking.server import redact

    dashboard = "vitbench dashboard"
    if storage != paths.default_study_storage():
        dashboard += f" --storage {shlex.quote(redact(storage))}"
    print_hints([
        (f"vitbench runs --study {name}{store}", "every trial, best first"),
        (f"vitbench report --study {name}{store}", "importances, history, Pareto front"),
        (dashboard, "optuna-dashboard: history, importances"),
        _browse(tracking_uri, experiment, experiment_id),
    ])  # fmt: skip
