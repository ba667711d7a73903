"""Everything MLflow: experiments, parent/child runs, params, per-epoch metrics, artifacts.

Writes go through `RunWriter`, which falls back to the local spool when the server is away, so a
cell's record survives an outage. Child runs are linked to their parent explicitly
(`mlflow.parentRunId`), never through the thread-local active run.
"""

from __future__ import annotations

import contextlib
import functools
import getpass
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import mlflow
import numpy as np
from mlflow.entities import SourceType
from mlflow.models import infer_signature
from mlflow.tracking import MlflowClient
from mlflow.utils.mlflow_tags import (
    MLFLOW_GIT_COMMIT,
    MLFLOW_PARENT_RUN_ID,
    MLFLOW_RUN_NAME,
    MLFLOW_SOURCE_NAME,
    MLFLOW_SOURCE_TYPE,
    MLFLOW_USER,
)

from benchmark import paths
from benchmark.tracking import spool
from benchmark.tracking.server import (
    configure_client_retries,
    init_local_store,
    is_remote,
    preflight,
    resolve_tracking_uri,
    tracking_uri_of,
)
from benchmark.tracking.store import follow_moved_store
from benchmark.tracking.ui_view import prepare_runs_view
from reports.names import GIT_COMMIT, SLURM_JOB, WORKER, Status, search_key

PACKAGES = (
    "keras", "tensorflow", "tensorflow-cpu", "jax", "jaxlib", "torch", "mlflow", "optuna", "numpy",
    "vitbench",
)  # fmt: skip
MAX_PARAMS_PER_BATCH = 100


def now_ms() -> int:
    return int(time.time() * 1000)


def package_versions() -> dict[str, str]:
    return dict(_package_versions())


@functools.cache
def _package_versions() -> dict[str, str]:
    """Read once per process: installed versions do not change while it runs."""
    versions = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions


@functools.cache
def git_commit() -> str:
    """Asked once per process (every run creation, tag set and artifact needs it)."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            cwd=Path(__file__).resolve().parent,
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return out.stdout.strip() if out.returncode == 0 else "unknown"


def logged_epochs(client: MlflowClient, run_id: str) -> set[int]:
    """Epochs whose metrics reached MLflow (`loss` is logged once per epoch, step = epoch)."""
    return {m.step for m in client.get_metric_history(run_id, "loss")}


def worker_tags() -> dict[str, str]:
    """Which worker holds a cell now (updated on takeover); the Slurm array task, if any."""
    tags = {WORKER: f"{socket.gethostname()}:{os.getpid()}"}
    job, task = os.environ.get("SLURM_ARRAY_JOB_ID"), os.environ.get("SLURM_ARRAY_TASK_ID")
    if job and task:
        tags[SLURM_JOB] = f"{job}_{task}"
    elif os.environ.get("SLURM_JOB_ID"):
        tags[SLURM_JOB] = os.environ["SLURM_JOB_ID"]
    return tags


def hardware() -> str:
    return f"{platform.machine()} {os.cpu_count()} cpu {platform.processor() or ''}".strip()


def get_experiment_id(client: MlflowClient, name: str, tracking_uri: str) -> str:
    """The experiment's id, created (or restored) if needed, tagged so that the MLflow UI URL
    vitbench prints opens its runs (`ui_view`)."""
    experiment = client.get_experiment_by_name(name)
    if experiment is not None:
        if experiment.lifecycle_stage == "deleted":
            client.restore_experiment(experiment.experiment_id)
        experiment_id = experiment.experiment_id
    else:
        location = None
        if not is_remote(tracking_uri):
            location = (paths.local_artifact_root() / name).as_uri()
        try:
            experiment_id = client.create_experiment(name, artifact_location=location)
        except mlflow.exceptions.MlflowException:  # created concurrently by another process
            experiment_id = client.get_experiment_by_name(name).experiment_id
    with contextlib.suppress(mlflow.exceptions.MlflowException):  # e.g. a READ-only user
        prepare_runs_view(client, experiment_id)
    return experiment_id


class RunWriter:
    """Writes for one run; after the first failed call everything goes to the spool, in order."""

    def __init__(self, client: MlflowClient, run_id: str):
        self.client = client
        self.run_id = run_id
        self.offline = spool.has_pending(run_id)

    def _do(self, op: dict[str, Any]) -> None:
        if not self.offline:
            try:
                spool.apply(self.client, self.run_id, op)
                return
            except Exception:  # connection refused, timeouts, 5xx after retries
                self.offline = True
        spool.append(self.run_id, op)

    def log(self, metrics=None, params=None, tags=None, step: int = 0) -> None:
        params = dict(params or {})
        keys = list(params)
        for start in range(0, max(len(keys), 1), MAX_PARAMS_PER_BATCH):
            chunk = {k: params[k] for k in keys[start : start + MAX_PARAMS_PER_BATCH]}
            first = start == 0
            self._do(
                {
                    "op": "batch",
                    "metrics": (metrics or {}) if first else {},
                    "params": chunk,
                    "tags": (tags or {}) if first else {},
                    "step": step,
                    "ts": now_ms(),
                }
            )

    def artifacts(self, local_dir: Path, artifact_path: str | None = None) -> None:
        op = {"op": "artifacts", "path": str(local_dir), "artifact_path": artifact_path}
        if not self.offline:
            try:
                spool.apply(self.client, self.run_id, op)
                return
            except Exception:
                self.offline = True
        # keep a copy: the caller's temp folder is gone before the replay
        kept = spool.run_dir(self.run_id) / f"artifacts-{now_ms()}"
        shutil.copytree(local_dir, kept)
        self._do({**op, "path": str(kept)})

    def terminate(self, status: str) -> None:
        self._do({"op": "terminate", "status": status, "ts": now_ms()})

    def flush(self) -> bool:
        """Try to deliver spooled writes now; True when nothing is pending."""
        if not self.offline:
            return True
        done = spool.replay(self.client, self.run_id)
        self.offline = not done
        return done


def source_tags() -> dict[str, str]:
    """Who ran what from where: the tags MLflow's fluent API sets, set for client-made runs."""
    tags = {
        MLFLOW_SOURCE_NAME: "vitbench " + " ".join(sys.argv[1:2]) if sys.argv[1:2] else "vitbench",
        MLFLOW_SOURCE_TYPE: SourceType.to_string(SourceType.LOCAL),
        MLFLOW_USER: getpass.getuser(),
    }
    commit = git_commit()
    if commit != "unknown":
        tags[MLFLOW_GIT_COMMIT] = commit
    return tags


def create_run(
    client: MlflowClient,
    experiment_id: str,
    name: str,
    tags: dict[str, str],
    parent_run_id: str | None = None,
) -> str:
    all_tags = {MLFLOW_RUN_NAME: name, **source_tags(), **tags}
    if parent_run_id:
        all_tags[MLFLOW_PARENT_RUN_ID] = parent_run_id
    run = client.create_run(experiment_id, run_name=name, tags=all_tags)
    return run.info.run_id


def find_runs(client: MlflowClient, experiment_id: str, filter_string: str) -> list:
    runs, token = [], None
    while True:
        page = client.search_runs(
            [experiment_id], filter_string, max_results=1000, page_token=token
        )
        runs.extend(page)
        token = page.token
        if not token:
            return runs


def write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=2, sort_keys=True, default=str))


def requirements() -> list[str]:
    """Pinned from the running environment (skips MLflow's slow, noisy inference)."""
    versions = package_versions()
    names = ("keras", "tensorflow-cpu", "tensorflow", "jax", "jaxlib", "torch", "numpy")
    return [f"{n}=={versions[n]}" for n in names if n in versions]


def log_keras_model(run_id: str, name: str, model, sample: Any, writer: RunWriter) -> None:
    """Log the trained model with mlflow.keras as `name` (with a signature); if the server is
    away, save it with mlflow.keras.save_model and spool the folder as the run's `name`
    artifacts."""

    signature = infer_signature(sample, np.asarray(model.predict(sample, verbose=0)))
    if not writer.offline:
        try:
            with mlflow.start_run(run_id=run_id):
                mlflow.keras.log_model(
                    model, name=name, signature=signature, pip_requirements=requirements()
                )
            return
        except Exception:
            writer.offline = True
    folder = Path(tempfile.mkdtemp(prefix="vitbench-model-")) / name
    mlflow.keras.save_model(
        model, str(folder), signature=signature, pip_requirements=requirements()
    )
    writer.artifacts(folder, name)


@dataclass(frozen=True)
class Connection:
    client: MlflowClient
    uri: str
    experiment_id: str


def connect(flag: str | None, experiment: str) -> Connection:
    """The one connect sequence of every command that writes runs: resolve the URI, fail fast on
    a dead or refusing server, create the local store safely, open (or restore) the experiment."""
    uri = resolve_tracking_uri(flag)
    configure_client_retries()
    preflight(uri)
    follow_moved_store(uri)  # a copied .vitbench/ writes its own artifacts, not the original's
    init_local_store(uri)
    mlflow.set_tracking_uri(uri)
    client = MlflowClient(uri)
    return Connection(client, uri, get_experiment_id(client, experiment, uri))


@dataclass(frozen=True)
class ReadOnlyView:
    """What a dry run may see: a client and experiment id, or None where nothing exists yet."""

    uri: str
    client: MlflowClient | None
    experiment_id: str | None

    @property
    def store_exists(self) -> bool:
        return self.client is not None


def open_read_only(flag: str | None, experiment: str) -> ReadOnlyView:
    """The tracking store for reading only: never creates the local store or the experiment.

    MLflow's SQLite store only reads when the database already exists (checked byte for byte by
    the dry-run test); a missing local store means nothing is tracked yet."""
    uri = tracking_uri_of(flag)
    if uri.startswith("sqlite:///"):
        if not Path(uri[len("sqlite:///") :].split("?")[0]).is_file():
            return ReadOnlyView(uri, None, None)
    else:
        configure_client_retries()
        preflight(uri)
    client = MlflowClient(uri)
    found = client.get_experiment_by_name(experiment)  # a deleted one is restored by a real run
    return ReadOnlyView(uri, client, found.experiment_id if found is not None else None)


def find_or_create_parent(
    client: MlflowClient,
    experiment_id: str,
    identity: dict[str, str],
    name: str,
    tags: dict[str, str],
) -> str:
    """The one parent run (matrix or study) whose tags hold `identity`, marked RUNNING.

    Reused on resume; concurrent creators converge on the oldest and delete their own."""
    query = " and ".join(f"{search_key(k)} = '{v}'" for k, v in identity.items())
    existing = find_runs(client, experiment_id, query)
    if not existing:
        all_tags = {**identity, GIT_COMMIT: git_commit(), **tags}
        mine = create_run(client, experiment_id, name, all_tags)
        existing = find_runs(client, experiment_id, query)
        oldest = min(existing, key=lambda r: (r.info.start_time, r.info.run_id))
        if oldest.info.run_id != mine:
            client.delete_run(mine)
        return oldest.info.run_id
    oldest = min(existing, key=lambda r: (r.info.start_time, r.info.run_id))
    if oldest.info.status != Status.RUNNING:
        client.update_run(oldest.info.run_id, status=Status.RUNNING)
    return oldest.info.run_id
