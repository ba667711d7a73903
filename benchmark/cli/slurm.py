"""`vitbench slurm`: N Slurm array tasks, each one worker of the same matrix or study.

The tasks share the `--storage` PostgreSQL queue and the MLflow server, exactly like workers on
separate machines (docs/cluster.md). `--print` shows the job script and submits nothing.
"""

from __future__ import annotations

import dataclasses
import os
from datetime import datetime, timezone

import click

from benchmark import paths
from benchmark.cluster.slurm import (
    WORKER_COMMANDS,
    ArrayJob,
    check_worker,
    render,
    submit,
    write_script,
)
from benchmark.errors import ConfigError


def worker_flags(worker: tuple[str, ...]) -> tuple[str, dict]:
    """(`run`|`study`, its flags) as that command's own parser reads `run|study ARGS...`: every
    flag it has reaches the tasks, with no list of flags kept here."""
    if not worker:
        raise ConfigError("worker command: missing; expected 'run' or 'study' and its flags")
    name, *args = worker
    if name not in WORKER_COMMANDS:
        raise ConfigError(f"worker command: expected 'run' or 'study', got {name!r}")
    from benchmark.cli.run import command as run_command  # deferred: each imports its own
    from benchmark.cli.study import command as study_command

    target = {"run": run_command, "study": study_command}[name]
    with target.make_context(f"vitbench {name}", list(args)) as ctx:
        flags = dict(ctx.params)
    if flags.pop("request_json", None) is not None:
        raise ConfigError("--request: give the worker's flags, not a request")
    if name == "run":
        from benchmark.matrix.request import MatrixRequest

        MatrixRequest.from_flags(flags)  # the same checks a task will make, before submitting
    return name, flags


def _experiment_of(job: ArrayJob) -> str | None:
    return job.flags.get("experiment_name" if job.command == "run" else "experiment")


def _watch_hints(job_id: str, job: ArrayJob, shown_uri: str) -> list[str]:
    experiment = _experiment_of(job)
    runs = f"vitbench runs --tracking-uri {shown_uri}"
    runs += f" --experiment {experiment}" if experiment else ""
    return [
        f"submitted job {job_id}: {job.array} array task(s), one `vitbench {job.command}` "
        "worker each",
        f"  queue:    squeue -j {job_id}",
        f"  progress: {runs}",
        f"  MLflow:   {shown_uri}",
        f"  logs:     {job.log_dir}/task-{job_id}_<task>.log",
    ]


@click.command(
    name="slurm",
    context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False},
)
@click.option("--array", type=click.IntRange(min=1), required=True, help="Array tasks (workers).")
@click.option("--gpus", type=click.IntRange(min=0), default=0, help="GPUs per task [0].")
@click.option("--partition", help="Slurm partition [the cluster's default].")
@click.option("--time", "time_limit", metavar="HH:MM:SS", help="Time limit per task.")
@click.option("--job-name", default="vitbench", show_default=True, help="Slurm job name.")
@click.option(
    "--signal-grace",
    type=click.IntRange(min=1),
    default=120,
    show_default=True,
    help="Seconds before the time limit Slurm sends USR1 (checkpoint, hand the cell back).",
)
@click.option(
    "--sbatch-arg", "sbatch_args", multiple=True, help="Extra sbatch option (repeatable)."
)
@click.option("--print", "print_only", is_flag=True, help="Print the job script; submit nothing.")
@click.argument("worker", nargs=-1, type=click.UNPROCESSED, metavar="run|study ARGS...")
def command(
    array, gpus, partition, time_limit, job_name, signal_grace, sbatch_args, print_only, worker
) -> None:
    """Submit a job array whose tasks are workers of one `vitbench run` or `vitbench study`.

    Give the worker command as you would run it on one machine, with a PostgreSQL --storage and
    an http(s) --tracking-uri (or $MLFLOW_TRACKING_URI); each task runs it with --workers 1.
    """
    name, flags = worker_flags(worker)
    storage, tracking_uri = check_worker(name, flags, os.environ.get("MLFLOW_TRACKING_URI"))
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    job = ArrayJob(
        command=name,
        flags=flags,
        storage=storage,
        tracking_uri=tracking_uri,
        array=array,
        log_dir=paths.slurm_root() / f"{job_name}-{stamp}",
        gpus=gpus,
        partition=partition,
        time_limit=time_limit,
        job_name=job_name,
        signal_grace_s=signal_grace,
        sbatch_args=tuple(sbatch_args),
    )
    from benchmark.tracking.server import redact  # deferred: it imports MLflow

    shown = dataclasses.replace(job, storage=redact(storage), tracking_uri=redact(tracking_uri))
    if print_only:
        click.echo(render(shown), nl=False)
        if shown.storage != storage:
            click.echo("# (the storage password is hidden here; the submitted script has it)")
        return
    script = write_script(render(job), job.log_dir / "job.sbatch")
    job_id = submit(script)
    for line in _watch_hints(job_id, job, shown.tracking_uri):
        click.echo(line)
