"""`vitbench study`: an Optuna study over one model, every trial a tracked MLflow child run."""

from __future__ import annotations

import os

import click

WORKER_ENV = "VITBENCH_WORKER_QUIET_SUMMARY"  # set for `--workers K` children: no summary


@click.command(name="study")
@click.argument("study_file", required=False, type=click.Path(dir_okay=False))
@click.option("--model", type=click.Choice(["eanet", "vit", "vit_sl"]), help="Model to tune.")
@click.option("--trials", type=int, help="Total trials (COMPLETE + PRUNED) over all workers.")
@click.option("--preset", help="Base preset the space varies [demo].")
@click.option(
    "--space", "space", help="Search space: built-in name (default, wide) or a YAML path [default]."
)
@click.option(
    "--set",
    "settings",
    multiple=True,
    metavar="KEY=VALUE",
    help="Override any key of the base config (repeatable).",
)
@click.option(
    "--storage",
    help="Optuna storage (SQLAlchemy URL) [$VITBENCH_STUDY_STORAGE or .vitbench/optuna.db].",
)
@click.option("--study-name", help="The same name resumes / joins the study [<model>-<preset>].")
@click.option("--timeout", type=float, help="Stop starting new trials after S seconds.")
@click.option("--workers", type=int, help="Local worker processes [1].")
@click.option(
    "--multi-objective",
    is_flag=True,
    help="Maximise val accuracy AND minimise --cost; prints the Pareto front.",
)
@click.option(
    "--cost",
    type=click.Choice(["params", "latency"]),
    help="Second objective of --multi-objective [params].",
)
@click.option(
    "--pruner",
    type=click.Choice(["median", "hyperband", "none"]),
    help="Prune on per-epoch val_accuracy [median].",
)
@click.option("--sampler-seed", type=int, help="TPE sampler seed [0].")
@click.option("--seed", type=int, help="Training seed of every trial [0].")
@click.option(
    "--tracking-uri",
    help="MLflow server URL (default: $MLFLOW_TRACKING_URI or the local store in .vitbench/).",
)
@click.option("--experiment", help="MLflow experiment name [vitbench].")
@click.option(
    "--export-best",
    metavar="NAME",
    help="Write the best trial's config as preset .vitbench/presets/NAME.yaml.",
)
@click.option("--prune-below", type=float, hidden=True, help="ThresholdPruner(lower=X) (tests).")
@click.option("--heartbeat-interval", type=int, hidden=True, help="Storage heartbeat s [60].")
@click.option("--grace-period", type=int, hidden=True, help="A trial is stale after s [180].")
def command(**flags) -> None:
    """Tune a model with Optuna; each trial trains and is logged exactly like a matrix cell.

    Re-running with the same --study-name (and storage) resumes the study; the same command on
    another machine, pointed at the same --storage and --tracking-uri, joins it.
    """
    import optuna

    from studies.request import StudyRequest
    from studies.runner import check_identity, open_study
    from studies.storage import is_sqlite, open_storage, redact

    optuna.logging.set_verbosity(optuna.logging.WARNING)  # one line per trial comes from us
    request = StudyRequest.resolve(flags)
    settings = request.settings
    storage = open_storage(settings.storage_url, request.heartbeat_interval, request.grace_period)
    study = open_study(settings, storage)
    check_identity(study, request.identity())
    params = ", ".join(p.name for p in request.space.params)
    click.echo(f"study {settings.study_name!r} on {redact(settings.storage_url)}: "
               f"{len(study.trials)} trial(s) so far, budget {settings.n_trials}; "
               f"space {request.space.source} ({params})")  # fmt: skip
    if request.multi and flags.get("pruner") not in (None, "none") and not _is_worker():
        click.echo("multi-objective: no pruning (Optuna cannot prune several objectives)")

    client, uri, experiment_id = _tracking(request)
    from studies.runner import find_or_create_parent

    tags = {"vitbench.preset": request.preset.name, "vitbench.model": request.model}
    parent = find_or_create_parent(client, experiment_id, settings, tags)
    if request.workers > 1:
        if is_sqlite(settings.storage_url):
            hint = "use PostgreSQL (--storage postgresql+psycopg://user@host/db)"
            click.echo(f"warning: parallel workers on SQLite may hit 'database is locked'; {hint}",
                       err=True)  # fmt: skip
        from studies.workers import run_workers

        code = run_workers(request.worker_args(uri), request.workers, settings.sampler_seed,
                           echo=click.echo)  # fmt: skip
        if code:
            click.echo(f"a worker exited with code {code}", err=True)
    else:
        _optimize(request, study, client, experiment_id, parent)
    if _is_worker():
        return
    _finish(request, open_study(settings, storage), client, parent)


def _is_worker() -> bool:
    return os.environ.get(WORKER_ENV) == "1"


def _tracking(request):
    from benchmark import tracking
    from benchmark.store import configure_client_retries, preflight, resolve_tracking_uri

    uri = resolve_tracking_uri(request.tracking_uri)
    configure_client_retries()
    preflight(uri)
    import mlflow
    from mlflow.tracking import MlflowClient

    mlflow.set_tracking_uri(uri)
    client = MlflowClient(uri)
    return client, uri, tracking.get_experiment_id(client, request.experiment, uri)


def _optimize(request, study, client, experiment_id: str, parent: str) -> None:
    from benchmark.commands.options import sigterm_as_interrupt
    from studies.objective import StudyContext
    from studies.runner import optimize

    ctx = StudyContext(
        client=client, experiment_id=experiment_id, parent_run_id=parent,
        study_name=request.settings.study_name, preset=request.preset, model=request.model,
        seed=request.seed, overrides=request.overrides, space=request.space,
        multi_objective=request.multi, cost=request.cost, n_trials=request.settings.n_trials,
    )  # fmt: skip
    sigterm_as_interrupt()
    try:
        optimize(study, ctx, request.settings, echo=click.echo)
    except KeyboardInterrupt:
        client.set_terminated(parent, "KILLED")
        raise


def _finish(request, study, client, parent: str) -> None:
    """Summary (best trial or Pareto front) on screen and on the parent run; export."""
    from studies.runner import summarize

    summarize(study, client, parent, echo=click.echo)
    client.set_terminated(parent, "FINISHED")
    if not request.export_best:
        return
    from studies.export import best_config, write_preset

    config = best_config(
        study, request.preset, request.model, request.seed, request.overrides, request.space
    )
    best = study.best_trial
    description = (f"best trial {best.number} of study {request.settings.study_name!r} "
                   f"(val accuracy {best.value:.4f})")  # fmt: skip
    path = write_preset(request.export_best, config, description)
    click.echo(f"exported best trial {best.number} as preset {request.export_best!r}: {path}")
    click.echo(f"  rerun it: vitbench run --preset {request.export_best}")
