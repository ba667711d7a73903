"""Everything MLflow: experiments, parent/child runs, params, per-epoch metrics, artifacts.

Writes go through `RunWriter`, which falls back to the local spool when the server is away, so a
cell's record survives an outage. Child runs are linked to their parent explicitly
(`mlflow.parentRunId`), never through the thread-local active run.
"""

from __future__ import annotations

import json
import platform
import shutil
import subprocess
import tempfile
import time
from importlib import metadata
from pathlib import Path
from typing import Any

import mlflow
from mlflow.tracking import MlflowClient
from mlflow.utils.mlflow_tags import MLFLOW_PARENT_RUN_ID, MLFLOW_RUN_NAME

from benchmark import spool
from benchmark.store import is_remote, local_artifact_root

PACKAGES = ("keras", "tensorflow", "tensorflow-cpu", "mlflow", "optuna", "numpy", "vitbench")
MAX_PARAMS_PER_BATCH = 100


def now_ms() -> int:
    return int(time.time() * 1000)


def package_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions


def git_commit() -> str:
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


def hardware() -> str:
    import os

    return f"{platform.machine()} {os.cpu_count()} cpu {platform.processor() or ''}".strip()


def get_experiment_id(client: MlflowClient, name: str, tracking_uri: str) -> str:
    experiment = client.get_experiment_by_name(name)
    if experiment is not None:
        if experiment.lifecycle_stage == "deleted":
            client.restore_experiment(experiment.experiment_id)
        return experiment.experiment_id
    location = None
    if not is_remote(tracking_uri):
        location = (local_artifact_root() / name).as_uri()
    try:
        return client.create_experiment(name, artifact_location=location)
    except mlflow.exceptions.MlflowException:  # created concurrently by another process
        return client.get_experiment_by_name(name).experiment_id


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
        if self.offline:  # keep a copy: the caller's temp folder may be gone before replay
            kept = spool.run_dir(self.run_id) / f"artifacts-{now_ms()}"
            shutil.copytree(local_dir, kept)
            local_dir = kept
        self._do({"op": "artifacts", "path": str(local_dir), "artifact_path": artifact_path})

    def terminate(self, status: str) -> None:
        self._do({"op": "terminate", "status": status, "ts": now_ms()})

    def flush(self) -> bool:
        """Try to deliver spooled writes now; True when nothing is pending."""
        if not self.offline:
            return True
        done = spool.replay(self.client, self.run_id)
        self.offline = not done
        return done


def create_run(
    client: MlflowClient,
    experiment_id: str,
    name: str,
    tags: dict[str, str],
    parent_run_id: str | None = None,
) -> str:
    all_tags = {MLFLOW_RUN_NAME: name, **tags}
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
    names = ("keras", "tensorflow-cpu", "tensorflow", "numpy")
    return [f"{n}=={versions[n]}" for n in names if n in versions]


def log_keras_model(run_id: str, model, sample: Any, writer: RunWriter) -> None:
    """Log the trained model with mlflow.keras (with a signature); if the server is away, save
    it with mlflow.keras.save_model and spool the folder as the run's `model` artifacts."""
    import numpy as np
    from mlflow.models import infer_signature

    signature = infer_signature(sample, np.asarray(model.predict(sample, verbose=0)))
    if not writer.offline:
        try:
            with mlflow.start_run(run_id=run_id):
                mlflow.keras.log_model(
                    model, name="model", signature=signature, pip_requirements=requirements()
                )
            return
        except Exception:
            writer.offline = True
    folder = Path(tempfile.mkdtemp(prefix="vitbench-model-")) / "model"
    mlflow.keras.save_model(
        model, str(folder), signature=signature, pip_requirements=requirements()
    )
    writer.artifacts(folder, "model")


def wait_for_server(client: MlflowClient, uri: str, timeout_s: float, say=print) -> None:
    """Between cells: if a remote server went away, wait (bounded) for it to come back, so the
    next cell can open its run; spooled records are delivered once it answers."""
    if not is_remote(uri):
        return
    deadline = time.monotonic() + timeout_s
    warned = False
    while True:
        try:
            client.search_experiments(max_results=1)
            if warned:
                say(f"tracking server {uri} is back")
            spool.replay_all(client)
            return
        except Exception as exc:
            if time.monotonic() >= deadline:
                from benchmark.errors import TrackingUnavailableError

                raise TrackingUnavailableError(
                    f"tracking server {uri} has been unreachable for {timeout_s:.0f} s "
                    f"({type(exc).__name__}); finished cells are kept in .vitbench/spool/ and "
                    "are uploaded by the next `vitbench run`"
                ) from None
            if not warned:
                say(
                    f"tracking server {uri} is unreachable; waiting up to {timeout_s:.0f} s "
                    "(records so far are kept in .vitbench/spool/)"
                )
                warned = True
            time.sleep(1.0)
