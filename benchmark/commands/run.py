"""`vitbench run`: the benchmark matrix (models x seeds x presets x datasets) into MLflow."""

from __future__ import annotations

import signal
import subprocess
import sys
from datetime import datetime, timezone

import click

from benchmark.commands.options import (
    comma_list,
    int_list,
    load_experiment,
    overrides_from,
    sigterm_as_interrupt,
)
from benchmark.config import deep_merge


def resolve_matrix(experiment_file, models, seeds, preset, dataset, epochs, settings):
    """CLI flags override the experiment file; no file and no flags = the demo experiment."""
    spec = load_experiment(experiment_file) if experiment_file else {}
    if preset:
        presets = comma_list(preset)
    elif spec.get("presets"):
        presets = list(spec["presets"])
    else:
        presets = [spec.get("preset") or "demo"]
    model_list = comma_list(models) if models is not None else spec.get("models")
    seed_list = int_list(seeds, "--seeds") if seeds is not None else spec.get("seeds")
    datasets = comma_list(dataset) if dataset else spec.get("datasets")
    overrides = deep_merge(spec.get("overrides") or {}, overrides_from(settings))
    if epochs is not None:
        overrides = deep_merge(overrides, {"train": {"epochs": epochs}})
    return presets, model_list, seed_list, datasets, overrides, spec.get("experiment")


def _worker_argv(argv: list[str], storage: str) -> list[str]:
    """This command line with `--workers 1 --storage URL`: the same queue, one worker each."""
    out, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg in ("--workers", "--storage"):
            skip = True
        elif not arg.startswith(("--workers=", "--storage=")):
            out.append(arg)
    return [sys.executable, "-m", "benchmark", *out, "--workers", "1", "--storage", storage]


def _spawn_workers(count: int, storage: str) -> list[subprocess.Popen]:
    return [subprocess.Popen(_worker_argv(sys.argv[1:], storage)) for _ in range(count)]


def _stop_workers(workers: list[subprocess.Popen]) -> None:
    for worker in workers:
        if worker.poll() is None:
            worker.send_signal(signal.SIGTERM)
    for worker in workers:
        worker.wait()


@click.command(name="run")
@click.argument("experiment_file", required=False, type=click.Path(dir_okay=False))
@click.option("--models", help="Comma-separated models: vit,vit_sl,eanet (default: the preset's).")
@click.option("--seeds", help="Comma-separated seeds, e.g. 0,1,2 (default: the preset's).")
@click.option("--preset", help="Preset name (see `vitbench models`); default: demo.")
@click.option("--dataset", help="Comma-separated datasets: cifar10,cifar100,digits,synthetic.")
@click.option("--epochs", type=int, help="Override train.epochs for every cell.")
@click.option(
    "--set",
    "settings",
    multiple=True,
    metavar="KEY=VALUE",
    help="Override any config key, e.g. --set model.num_heads=8 (repeatable).",
)
@click.option(
    "--tracking-uri",
    help="MLflow server URL (default: $MLFLOW_TRACKING_URI or the local store in .vitbench/).",
)
@click.option("--experiment", "experiment_name", help="MLflow experiment name [vitbench].")
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    help="Share the cells through a queue "
    "with this many worker processes here; run the same command on other machines "
    "(same --storage and tracking server) to add more.",
)
@click.option(
    "--storage",
    help="Optuna RDB storage URL of the cell queue (default: SQLite in "
    ".vitbench/; use PostgreSQL for several workers or machines).",
)
def command(
    experiment_file,
    models,
    seeds,
    preset,
    dataset,
    epochs,
    settings,
    tracking_uri,
    experiment_name,
    workers,
    storage,
) -> None:
    """Run the benchmark matrix and print a table of the cells' final metrics.

    With no arguments: the demo (offline digits, all three models, two seeds).
    Re-running skips FINISHED cells and resumes interrupted ones.
    """
    from benchmark.matrix import plan_cells
    from benchmark.store import (
        DEFAULT_EXPERIMENT,
        configure_client_retries,
        default_study_storage,
        home,
        init_local_store,
        preflight,
        resolve_tracking_uri,
    )

    presets, model_list, seed_list, datasets, overrides, exp_from_file = resolve_matrix(
        experiment_file, models, seeds, preset, dataset, epochs, settings
    )
    if epochs is not None and epochs <= 0:
        from benchmark.errors import ConfigError

        raise ConfigError(f"--epochs: must be > 0, got {epochs}")
    cells = plan_cells(presets, model_list, seed_list, datasets, overrides)  # validates all first
    from benchmark.data.loading import ensure_available

    ensure_available([cell.config.data for cell in cells])  # data errors before any run exists
    uri = resolve_tracking_uri(tracking_uri)
    configure_client_retries()
    preflight(uri)
    init_local_store(uri)

    import mlflow
    from mlflow.tracking import MlflowClient

    from benchmark import tracking
    from benchmark.commands.progress import MatrixProgress

    mlflow.set_tracking_uri(uri)
    client = MlflowClient(uri)
    name = experiment_name or exp_from_file or DEFAULT_EXPERIMENT
    experiment_id = tracking.get_experiment_id(client, name, uri)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    click.echo(f"tracking: {uri}  experiment: {name}  cells: {len(cells)}")
    sigterm_as_interrupt()
    run_name = f"matrix-{'+'.join(presets)}-{stamp}"
    # Even a single process takes its cells from the queue, so concurrent runs never collide.
    if storage is None:
        home().mkdir(parents=True, exist_ok=True)
        storage = default_study_storage()
    if (workers or 1) > 1 and storage.startswith("sqlite"):
        click.echo(
            "warning: the queue is in SQLite; for several workers use PostgreSQL "
            "(--storage postgresql+psycopg://USER@HOST/DB).",
            err=True,
        )
    extra = _spawn_workers(workers - 1, storage) if workers and workers > 1 else []
    progress = MatrixProgress(len(cells), interactive=sys.stdout.isatty() and not extra)
    try:
        with progress:
            from benchmark.queue import run_queue

            result = run_queue(
                cells,
                client,
                experiment_id,
                run_name,
                storage,
                on_cell_start=progress.cell_started,
                on_cell_end=progress.cell_ended,
                tracking_uri=uri,
            )
    except BaseException:
        _stop_workers(extra)
        raise
    lost = sum(1 for worker in extra if worker.wait() != 0)
    progress.summary(result, uri)
    if result.failed:
        click.echo(f"{len(result.failed)} cell(s) FAILED; see failure_reason tags.", err=True)
    if lost:
        click.echo(f"{lost} worker process(es) exited non-zero.", err=True)
    if result.failed or lost:
        sys.exit(1)
