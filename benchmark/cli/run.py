"""`vitbench run`: the benchmark matrix (models x seeds x presets x datasets) into MLflow."""

from __future__ import annotations

import sys
from datetime import datetime, timezone

import click

from benchmark import paths
from benchmark.cli.hints import matrix_hints
from benchmark.cli.options import request_option
from benchmark.cli.progress import MatrixProgress, say
from benchmark.cli.workers import LocalWorkers, is_worker, vitbench_argv
from benchmark.config import BACKENDS, DATASETS, MODELS
from benchmark.matrix.plan import Cell
from benchmark.matrix.request import MatrixRequest
from benchmark.training import preemption
from benchmark.training.backends import check_installed, select


def use_backend_of(cells) -> None:
    """This process runs the cells' backend when they share one; the others go to children."""
    backends = list(dict.fromkeys(c.config.train.backend for c in cells))
    for name in backends:
        check_installed(name)
    first = cells[0].config.train
    select(backends[0], first.op_determinism)


@click.command(name="run")
@click.argument("experiment_file", required=False, type=click.Path(dir_okay=False))
@click.option(
    "--models", help=f"Comma-separated models: {','.join(MODELS)} (default: the preset's)."
)
@click.option("--seeds", help="Comma-separated seeds, e.g. 0,1,2 (default: the preset's).")
@click.option("--preset", help="Preset name (see `vitbench models`); default: demo.")
@click.option("--dataset", help=f"Comma-separated datasets: {','.join(DATASETS)}.")
@click.option("--epochs", type=int, help="Override train.epochs for every cell.")
@click.option(
    "--backend",
    help=f"Keras backend(s), comma-separated: {','.join(BACKENDS)} [the preset's: tensorflow]; "
    "several make the backend a matrix axis.",
)
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
@click.option(
    "--checkpoint-uri",
    help="Shared folder (or artifact store URI) for the cells' per-epoch checkpoints "
    "[default: each cell's MLflow run artifacts]; any worker resumes a lost cell from it.",
)
@click.option(
    "--dry-run",
    is_flag=True,
    help="Show the planned cells, their config hashes and whether each would be skipped, "
    "resumed or started; write nothing.",
)
@click.option("--quiet", "-q", is_flag=True, help="No progress, table or hints: one result line.")
@request_option
def command(request_json, **flags) -> None:
    """Run the benchmark matrix and print a table of the cells' final metrics.

    With no arguments: the demo (offline digits, all three models, two seeds).
    Re-running skips FINISHED cells and resumes interrupted ones.
    """
    if request_json is not None:
        request = MatrixRequest.from_json(request_json)
    else:
        request = MatrixRequest.from_flags(flags)
    run_matrix(request)


def run_matrix(request: MatrixRequest) -> None:
    """Plan, check the data, then run the queue (or show the plan); exit 1 on a failed cell."""
    matrix = request.resolve()
    use_backend_of(matrix.cells)  # before Keras is imported: it fixes the backend at import
    # Deferred for start-up time: the matrix pulls in a Keras backend, MLflow and Optuna.
    from benchmark.data.loading import prepare

    # data errors before any run exists; own data's content digest joins each cell's identity
    cells = [Cell(config) for config in prepare([cell.config for cell in matrix.cells])]
    name, quiet = matrix.experiment, request.quiet
    if request.dry_run:
        from benchmark.cli.dry_run import show_matrix_plan

        show_matrix_plan(cells, request.tracking_uri, name, request.checkpoint_uri)
        return
    from benchmark.matrix.context import MatrixContext
    from benchmark.matrix.work_queue import run_queue
    from benchmark.tracking.runs import connect

    connection = connect(request.tracking_uri, name)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    say(f"tracking: {connection.uri}  experiment: {name}  cells: {len(cells)}", quiet)
    preemption.install()  # SIGTERM / SIGUSR1 / Ctrl-C: checkpoint, hand the cell back, exit 0
    run_name = f"matrix-{'+'.join(matrix.presets)}-{stamp}"
    # Even a single process takes its cells from the queue, so concurrent runs never collide.
    storage = request.storage
    if storage is None:
        paths.ensure_home()
        storage = paths.default_study_storage()
    workers = request.workers or 1
    if workers > 1 and storage.startswith("sqlite"):
        click.echo(
            "warning: the queue is in SQLite; for several workers use PostgreSQL "
            "(--storage postgresql+psycopg://USER@HOST/DB).",
            err=True,
        )
    argv = vitbench_argv(["run", "--request", request.for_worker(storage).to_json()])
    extra = LocalWorkers([argv] * (workers - 1), echo=click.echo)
    interactive = sys.stdout.isatty() and not extra.processes
    progress = MatrixProgress(len(cells), interactive=interactive, quiet=quiet)
    ctx = MatrixContext(
        connection.client, connection.experiment_id, connection.uri,
        checkpoint_uri=request.checkpoint_uri,
    )  # fmt: skip
    try:
        with extra, progress:
            result = run_queue(
                cells, ctx, run_name, storage, progress.cell_started, progress.cell_ended
            )
    except preemption.Preempted as stop:
        click.echo(
            f"stopped ({stop.signal_name}): the cell in progress went back to the queue and "
            "resumes from its last checkpoint on any worker (or rerun this command).",
            err=True,
        )
        sys.exit(0)
    lost = sum(1 for code in extra.wait() if code != 0)
    progress.summary(result)
    if not quiet and not is_worker():
        matrix_hints(result.parent_run_id, connection.uri, name, connection.experiment_id)
    if result.failed:
        click.echo(f"{len(result.failed)} cell(s) FAILED; see failure_reason tags.", err=True)
    if lost:
        click.echo(f"{lost} worker process(es) exited non-zero.", err=True)
    if result.failed or lost:
        sys.exit(1)
