"""A Slurm job array of vitbench workers: validate, render `vitbench.sbatch`, submit it.

Each array task runs the given `vitbench run ...` / `vitbench study ...` as one worker against a
shared PostgreSQL queue and MLflow server, so N tasks are N machines' worth of workers and a
task that Slurm cancels or preempts hands its cell back instead of losing it.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from benchmark.errors import ConfigError

WORKER_COMMANDS = ("run", "study")
TEMPLATE = "vitbench.sbatch"
SUBMIT_TIMEOUT_S = 60


@dataclass(frozen=True)
class ArrayJob:
    """Everything one `sbatch` of the array needs; `flags` are the worker command's flags as its
    own parser read them (JSON-able); the job sets `workers`, `storage` and `tracking_uri`."""

    command: str
    flags: dict[str, Any]
    storage: str
    tracking_uri: str
    array: int
    log_dir: Path
    gpus: int = 0
    partition: str | None = None
    time_limit: str | None = None
    job_name: str = "vitbench"
    signal_grace_s: int = 120
    sbatch_args: tuple[str, ...] = ()
    python: str = sys.executable


def check_storage(url: str | None) -> str:
    if not url:
        raise ConfigError(
            "--storage: required; every array task shares one PostgreSQL queue, e.g. "
            "--storage postgresql+psycopg://USER:PASS@db-host:5432/optuna"
        )
    scheme = urlsplit(url).scheme
    if scheme.split("+", 1)[0] != "postgresql":
        raise ConfigError(
            "--storage: expected a postgresql:// or postgresql+DRIVER:// URL (the queue every "
            f"task shares), got {f'a {scheme}:// URL' if scheme else repr(url)}"
        )
    return url


def check_tracking_uri(uri: str | None) -> str:
    if not uri:
        raise ConfigError(
            "--tracking-uri: required (or $MLFLOW_TRACKING_URI); every array task logs to one "
            "MLflow server, e.g. --tracking-uri http://mlflow-host:5000"
        )
    if urlsplit(uri).scheme not in ("http", "https"):
        raise ConfigError(
            f"--tracking-uri: expected an http:// or https:// MLflow server, got {uri!r} "
            "(a local store is not shared by the tasks)"
        )
    return uri


def check_worker(
    command: str, flags: dict[str, Any], env_tracking_uri: str | None = None
) -> tuple[str, str]:
    """(storage URL, tracking URI) of a worker command fit for an array task, or a ConfigError
    naming the flag."""
    if command not in WORKER_COMMANDS:
        raise ConfigError(f"worker command: expected 'run' or 'study', got {command!r}")
    workers = flags.get("workers")
    if workers not in (None, 1):
        raise ConfigError(
            f"--workers: each array task runs exactly 1 worker, got {workers}; "
            "use --array N for N workers"
        )
    storage = check_storage(flags.get("storage"))
    return storage, check_tracking_uri(flags.get("tracking_uri") or env_tracking_uri)


def task_request(job: ArrayJob) -> str:
    """The worker's whole request, as `vitbench run|study --request` reads it."""
    flags = {**job.flags, "workers": 1, "storage": job.storage, "tracking_uri": job.tracking_uri}
    return json.dumps({k: list(v) if isinstance(v, tuple) else v for k, v in flags.items()})


def sbatch_lines(job: ArrayJob) -> list[str]:
    options = [
        f"--array=0-{job.array - 1}",
        f"--job-name={job.job_name}",
        f"--output={job.log_dir / 'task-%A_%a.log'}",
        f"--signal=B:USR1@{job.signal_grace_s}",
    ]
    if job.gpus > 0:
        options.append(f"--gpus={job.gpus}")
    if job.partition:
        options.append(f"--partition={job.partition}")
    if job.time_limit:
        options.append(f"--time={job.time_limit}")
    options.extend(job.sbatch_args)
    return [f"#SBATCH {directive_quote(option)}" for option in options]


def directive_quote(option: str) -> str:
    """Quote for sbatch's own `#SBATCH` parser: double quotes and backslash escapes only (a
    single quote is literal, an unescaped `#` starts a comment even inside quotes)."""
    if "\n" in option or "\r" in option:
        raise ConfigError(f"--sbatch-arg: one line per option, got {option!r}")
    escaped = "".join(f"\\{c}" if c in '\\"#' else c for c in option)
    return f'"{escaped}"' if any(c.isspace() for c in option) else escaped


def worker_argv(job: ArrayJob) -> list[str]:
    """The one worker a task runs (`python -m benchmark` is the `vitbench` console script)."""
    return [job.python, "-m", "benchmark", job.command, "--request", task_request(job)]


def render(job: ArrayJob) -> str:
    if job.array < 1:
        raise ConfigError(f"--array: expected at least 1 task, got {job.array}")
    template = resources.files("benchmark.cluster").joinpath(TEMPLATE).read_text()
    return (
        template.replace("@SBATCH_LINES@", "\n".join(sbatch_lines(job)))
        .replace("@TRACKING_URI@", shlex.quote(job.tracking_uri))
        .replace("@COMMAND@", shlex.join(worker_argv(job)))
    )


def write_script(text: str, path: Path) -> Path:
    """Mode 600 from the first byte: the storage URL in it may carry a password."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(text)
    os.chmod(path, 0o600)  # an existing file keeps its old mode through O_CREAT
    return path


def submit(script: Path, env: dict[str, str] | None = None) -> str:
    """`sbatch --parsable SCRIPT`; returns the job id (without a cluster name)."""
    sbatch = shutil.which("sbatch", path=(env or os.environ).get("PATH"))
    if sbatch is None:
        raise ConfigError(
            "sbatch: not found on PATH; run `vitbench slurm` on a Slurm login node "
            "(or add --print to see the job script without submitting it)"
        )
    done = subprocess.run(
        [sbatch, "--parsable", str(script)],
        capture_output=True,
        text=True,
        env=env,
        timeout=SUBMIT_TIMEOUT_S,
    )
    if done.returncode != 0:
        raise ConfigError(f"sbatch refused the job ({script}): {done.stderr.strip()}")
    return done.stdout.strip().split(";", 1)[0]
