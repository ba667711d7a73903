"""Where things live: the embedded local store, and which tracking server to talk to.

Default: everything under `./.vitbench/` (MLflow SQLite backend + artifact folder, Optuna
storage, resume checkpoints, the offline spool). `--tracking-uri` or `MLFLOW_TRACKING_URI`
switches tracking to a real server.
"""

from __future__ import annotations

import os
import random
import time
from pathlib import Path

import requests

from benchmark.errors import TrackingUnavailableError

DEFAULT_EXPERIMENT = "vitbench"


def home() -> Path:
    return Path(os.environ.get("VITBENCH_HOME", Path.cwd() / ".vitbench")).resolve()


def local_tracking_uri() -> str:
    return f"sqlite:///{home() / 'mlflow.db'}"


def local_artifact_root() -> Path:
    return home() / "artifacts"


def default_study_storage() -> str:
    return f"sqlite:///{home() / 'optuna.db'}"


def checkpoint_root() -> Path:
    return home() / "checkpoints"


def spool_root() -> Path:
    return home() / "spool"


def resolve_tracking_uri(flag: str | None = None) -> str:
    uri = flag or os.environ.get("MLFLOW_TRACKING_URI") or local_tracking_uri()
    if uri == local_tracking_uri():
        home().mkdir(parents=True, exist_ok=True)
    return uri


def init_local_store(uri: str, attempts: int = 10) -> None:
    """Two processes creating the SQLite store at once race on MLflow's table creation
    ("table ... already exists"); the loser retries on the now-complete schema."""
    if not uri.startswith("sqlite"):
        return
    import fcntl

    from mlflow.tracking import MlflowClient

    home().mkdir(parents=True, exist_ok=True)
    # Schema creation is not concurrency-safe on SQLite (a half-done migration leaves
    # `_alembic_tmp_*` tables): serialise just that step across local processes.
    with open(home() / ".store-init.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            for attempt in range(attempts):
                try:
                    MlflowClient(uri).search_experiments(max_results=1)
                    return
                except Exception:
                    if attempt == attempts - 1:
                        raise
                    time.sleep(0.5 + random.random())
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def is_remote(uri: str) -> bool:
    return uri.startswith(("http://", "https://"))


def configure_client_retries() -> None:
    """MLflow's default (7 retries with backoff) stalls ~4 minutes per call against a dead
    server; fail fast instead and let the spool keep the record. User settings win."""
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "2")
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR", "1")
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_TIMEOUT", "15")


def preflight(uri: str, timeout: float = 5.0) -> None:
    """A remote server must answer /health and accept our credentials before any run starts."""
    if not is_remote(uri):
        return
    base = uri.rstrip("/")
    try:
        requests.get(f"{base}/health", timeout=timeout)
    except requests.RequestException as exc:
        raise TrackingUnavailableError(
            f"tracking server {uri} is unreachable ({type(exc).__name__}). Start it, fix "
            "--tracking-uri / MLFLOW_TRACKING_URI, or omit both to use the local store."
        ) from None
    user = os.environ.get("MLFLOW_TRACKING_USERNAME")
    password = os.environ.get("MLFLOW_TRACKING_PASSWORD")
    auth = (user, password) if user else None
    try:
        response = requests.get(
            f"{base}/api/2.0/mlflow/experiments/search",
            params={"max_results": 1},
            auth=auth,
            timeout=timeout,
        )
    except requests.RequestException as exc:
        raise TrackingUnavailableError(f"tracking server {uri} stopped answering: {exc}") from None
    if response.status_code in (401, 403):
        hint = "wrong" if user else "no"
        raise TrackingUnavailableError(
            f"tracking server {uri}: authentication failed ({response.status_code}); {hint} "
            "credentials given. Set MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD."
        )
    if response.status_code >= 400:
        raise TrackingUnavailableError(
            f"tracking server {uri} answered HTTP {response.status_code}: {response.text[:200]}"
        )
