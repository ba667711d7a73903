"""`vitbench study`: an Optuna study over one model, every trial a tracked MLflow child run."""

from __future__ import annotations

import click

from benchmark.cli.hints import study_hints
from benchmark.cli.options import flags_with_request, request_json, request_option
from benchmark.cli.progress import StudyProgress, say
from benchmark.cli.workers import LocalWorkers, is_worker, vitbench_argv
from benchmark.config import BACKENDS, MODELS, overrides_from
from benchmark.errors import ConfigError
from benchmark.training import preemption
from benchmark.training.backends import select
from reports.names import STUDY_MODEL, STUDY_PRESET, Status


@click.command(name="study")
@click.argument("study_file", required=False, type=click.Path(dir_okay=False))
@click.option("--model", type=click.Choice(list(MODELS)), help="Model to tune.")
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
    "--backend",
    type=click.Choice(BACKENDS),
    help="Keras backend of every trial [tensorflow] (same as --set train.backend=...).",
)
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
@click.option(
    "--dry-run",
    is_flag=True,
    help="Show the search space, the trial budget and what the storage holds; write nothing.",
)
@click.option("--quiet", "-q", is_flag=True, help="No progress or hints: the best trial only.")
@click.option("--prune-below", type=float, hidden=True, help="ThresholdPruner(lower=X) (tests).")
@click.option("--heartbeat-interval", type=int, hidden=True, help="Storage heartbeat s [60].")
@click.option("--grace-period", type=int, hidden=True, help="A trial is stale after s [180].")
@request_option
def command(**flags) -> None:
    """Tune a model with Optuna; each trial trains and is logged exactly like a matrix cell.

    Re-running with the same --study-name (and storage) resumes the study; the same command on
    another machine, pointed at the same --storage and --tracking-uri, joins it.
    """
    flags = flags_with_request(flags)
    asked = dict(flags)  # what a worker process is handed as its --request
    backend = flags.pop("backend") or (
        overrides_from(flags["settings"]).get("train", {}).get("backend") or "tensorflow"
    )
    flags["settings"] = (*flags["settings"], f"train.backend={backend}")
    if not select(backend, op_determinism=True):  # before Keras is imported: it fixes the backend
        raise ConfigError("--backend: this process already runs another Keras backend")
    # Deferred for start-up time: studies pull in Optuna, MLflow and a Keras backend.
    from studies.request import StudyRequest

    run_study(StudyRequest.resolve(flags), asked)


def run_study(request, asked: dict) -> None:
    """Check, then optimise here or in local workers (each handed `asked` as its request)."""
    import optuna

    from benchmark.data.loading import ensure_available
    from benchmark.tracking.runs import connect
    from studies.runner import check_identity, open_study, study_parent
    from studies.storage import is_sqlite, open_storage, redact

    optuna.logging.set_verbosity(optuna.logging.WARNING)  # one line per trial comes from us
    flags = asked

    ensure_available([request.base.data])  # bad data fails here, before any run exists
    settings = request.settings
    quiet = flags["quiet"]
    if flags["dry_run"]:
        from benchmark.cli.dry_run import show_study_plan

        show_study_plan(request, flags.get("tracking_uri"))
        return
    storage = open_storage(settings.storage_url, request.heartbeat_interval, request.grace_period)
    study = open_study(settings, storage)
    check_identity(study, request.identity())
    params = ", ".join(p.name for p in request.space.params)
    say(f"study {settings.study_name!r} on {redact(settings.storage_url)}: "
        f"{len(study.trials)} trial(s) so far, budget {settings.n_trials}; "
        f"space {request.space.source} ({params})", quiet)  # fmt: skip
    if request.multi and flags.get("pruner") not in (None, "none") and not is_worker():
        say("multi-objective: no pruning (Optuna cannot prune several objectives)", quiet)

    connection = connect(request.tracking_uri, request.experiment)
    client, experiment_id = connection.client, connection.experiment_id
    tags = {STUDY_PRESET: request.preset.name, STUDY_MODEL: request.model}
    parent = study_parent(client, experiment_id, settings, tags)
    if request.workers > 1:
        if is_sqlite(settings.storage_url):
            hint = "use PostgreSQL (--storage postgresql+psycopg://user@host/db)"
            click.echo(f"warning: parallel workers on SQLite may hit 'database is locked'; {hint}",
                       err=True)  # fmt: skip
        worker = {
            **asked,
            "workers": 1,
            "storage": settings.storage_url,
            "study_name": settings.study_name,
            "tracking_uri": connection.uri,
            "experiment": request.experiment,
            "export_best": None,
            "dry_run": False,
        }
        seed = settings.sampler_seed
        argvs = [
            vitbench_argv(
                ["study", "--request", request_json({**worker, "sampler_seed": seed + i})]
            )
            for i in range(request.workers)
        ]  # worker i samples with seed + i, so their random start-up trials differ
        with LocalWorkers(argvs, echo=click.echo) as workers:
            code = max(workers.wait(), default=0)
        if code:
            click.echo(f"a worker exited with code {code}", err=True)
    else:
        _optimize(request, study, client, experiment_id, parent, quiet)
    if is_worker():
        return
    _finish(request, open_study(settings, storage), client, parent, quiet)
    if not quiet:
        study_hints(settings.study_name, connection.uri, request.experiment,
                    connection.experiment_id, settings.storage_url)  # fmt: skip


def _optimize(request, study, client, experiment_id: str, parent: str, quiet: bool) -> None:
    import sys

    from studies.objective import StudyContext
    from studies.runner import optimize

    ctx = StudyContext(
        client=client, experiment_id=experiment_id, parent_run_id=parent,
        study_name=request.settings.study_name, preset=request.preset, model=request.model,
        seed=request.seed, overrides=request.overrides, space=request.space,
        multi_objective=request.multi, cost=request.cost, n_trials=request.settings.n_trials,
        quiet=quiet,
    )  # fmt: skip
    preemption.install()  # SIGTERM / SIGUSR1 / Ctrl-C: the trial is marked KILLED
    interactive = sys.stdout.isatty() and not is_worker()
    try:
        with StudyProgress(study, request.settings.n_trials, interactive, quiet) as progress:
            optimize(study, ctx, request.settings, on_trial=progress.trial_ended)
    except KeyboardInterrupt:
        client.set_terminated(parent, Status.KILLED)
        raise


def _finish(request, study, client, parent: str, quiet: bool) -> None:
    """Summary (best trial or Pareto front) on screen and on the parent run; export."""
    from studies.runner import summarize

    summarize(study, client, parent, quiet=quiet)
    client.set_terminated(parent, Status.FINISHED)
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
