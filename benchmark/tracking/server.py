"""Which tracking server to talk to, and whether it can be talked to.

Default: the embedded store under `paths.home()` (MLflow SQLite backend + artifact folder).
`--tracking-uri` or `MLFLOW_TRACKING_URI` switches tracking to a real server, which must answer
`/health` and accept our credentials (`preflight`) before any run starts.
"""

from __future__ import annotations

import fcntl
import logging
import os
import random
import time

import requests
from mlflow.tracking import MlflowClient

from benchmark import paths
from benchmark.errors import TrackingUnavailableError
from benchmark.tracking import spool

log = logging.getLogger(__name__)


def tracking_uri_of(flag: str | None = None) -> str:
    """`--tracking-uri` > `$MLFLOW_TRACKING_URI` > the local store under `paths.home()`."""
    return flag or os.environ.get("MLFLOW_TRACKING_URI") or paths.local_tracking_uri()


def resolve_tracking_uri(flag: str | None = None) -> str:
    """The URI to write runs to; the local store's folder is created."""
    uri = tracking_uri_of(flag)
    if uri == paths.local_tracking_uri():
        paths.ensure_home()
    return uri


def init_local_store(uri: str, attempts: int = 10) -> None:
    """Two processes creating the SQLite store at once race on MLflow's table creation
    ("table ... already exists"); the loser retries on the now-complete schema."""
    if not uri.startswith("sqlite"):
        return
    home = paths.ensure_home()
    # Schema creation is not concurrency-safe on SQLite (a half-done migration leaves
    # `_alembic_tmp_*` tables): serialise just that step across local processes.
    with open(home / ".store-init.lock", "w") as lock:
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


def redact(url: str) -> str:
    """The URL with its password hidden, for messages, tags and reports."""
    try:
        from sqlalchemy.engine import make_url  # parses http(s) and database URLs alike

        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url


def wait_for_server(client: MlflowClient, uri: str, timeout_s: float) -> None:
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
                log.info("tracking server %s is back", uri)
            spool.replay_all(client)
            return
        except Exception as exc:
            if time.monotonic() >= deadline:
                raise TrackingUnavailableError(
                    f"tracking server {uri} has been unreachable for {timeout_s:.0f} s "
                    f"({type(exc).__name__}); finished cells are kept in .vitbench/spool/ and "
                    "are uploaded by the next `vitbench run`"
                ) from None
            if not warned:
                log.warning(
                    "warning: tracking server %s is unreachable; waiting up to %.0f s (records "
                    "so far are kept in .vitbench/spool/)",
                    uri,
                    timeout_s,
                )
                warned = True
            time.sleep(1.0)
