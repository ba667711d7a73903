"""Start and stop a real ``mlflow server`` process for tests.

Tests talk to a real tracking server over HTTP instead of mocking MLflow, because the bugs we care
about (Host-header checks, auth, artifact proxying, PostgreSQL migrations) live in the server.
The helper never sleeps a fixed time: it polls ``GET /health`` and fails with the server's log.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

#: Client-side settings for tests: fail fast instead of MLflow's default 7 retries with
#: exponential backoff (~4 minutes per call against a dead server).
FAST_CLIENT_ENV: dict[str, str] = {
    "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0",
    "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": "0",
    "MLFLOW_HTTP_REQUEST_TIMEOUT": "10",
}

POSTGRES_ADMIN_DSN = "postgresql://postgres@127.0.0.1:5432/postgres"
ADMIN_USERNAME = "admin"

_LOG_TAIL_CHARS = 4000


@dataclass
class MlflowServer:
    """A running server: its URL, stores and process (a session leader, so we stop its group)."""

    url: str
    backend_store_uri: str
    artifacts_dir: Path
    log_path: Path
    process: subprocess.Popen[bytes]
    admin_password: str | None = None

    def log_tail(self) -> str:
        return _tail(self.log_path)

    def stop(self, timeout_s: float = 15.0) -> None:
        """SIGTERM the process group, then SIGKILL it if it is still alive after ``timeout_s``."""
        stop_process_group(self.process, timeout_s)


def free_port() -> int:
    """Ask the kernel for a free TCP port on 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def stop_process_group(process: subprocess.Popen[bytes], timeout_s: float = 15.0) -> None:
    """Stop a process started with ``start_new_session=True`` and every child it forked."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=timeout_s)
    # uvicorn workers may outlive the parent for a moment; make sure the group is gone.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


def write_auth_config(workdir: Path) -> Path:
    """Write a basic-auth ini whose user database lives in ``workdir`` (not the CWD)."""
    path = workdir / "basic_auth.ini"
    path.write_text(
        "[mlflow]\n"
        "default_permission = READ\n"
        f"database_uri = sqlite:///{(workdir / 'basic_auth.db').resolve()}\n"
        f"admin_username = {ADMIN_USERNAME}\n"
        "authorization_function = mlflow.server.auth:authenticate_request_basic_auth\n"
    )
    return path


def start_mlflow_server(
    backend_store_uri: str,
    workdir: Path,
    *,
    admin_password: str | None = None,
    extra_env: dict[str, str] | None = None,
    timeout_s: float = 60.0,
    port: int | None = None,
) -> MlflowServer:
    """Start ``mlflow server`` on a free port and return once ``/health`` answers 200.

    ``port`` restarts a server in place (same URL), for outage tests.

    ``admin_password`` switches on ``--app-name basic-auth`` with that admin password;
    ``extra_env`` adds server settings such as ``MLFLOW_SERVER_ALLOWED_HOSTS``.
    """
    for attempt in range(3):
        try:
            return _start_once(
                backend_store_uri, workdir, admin_password, extra_env, timeout_s, port
            )
        except RuntimeError as exc:
            # Another process took the free port between our probe and the server's bind.
            if "address already in use" not in str(exc).lower() or attempt == 2:
                raise
    raise AssertionError("unreachable")


def _start_once(
    backend_store_uri: str,
    workdir: Path,
    admin_password: str | None,
    extra_env: dict[str, str] | None,
    timeout_s: float,
    port: int | None = None,
) -> MlflowServer:
    workdir.mkdir(parents=True, exist_ok=True)
    artifacts_dir = workdir / "artifacts"
    artifacts_dir.mkdir(exist_ok=True)
    port = port or free_port()
    # Hermetic: the developer's MLFLOW_* settings (auth config, allowed hosts) must not leak in.
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_")}
    env = {
        **inherited,
        **FAST_CLIENT_ENV,
        "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false",
        **(extra_env or {}),
    }
    cmd = [
        *_mlflow_cli(),
        "server",
        "--backend-store-uri",
        backend_store_uri,
        "--artifacts-destination",
        str(artifacts_dir),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "1",
    ]
    if admin_password is not None:
        cmd += ["--app-name", "basic-auth"]
        env["MLFLOW_AUTH_CONFIG_PATH"] = str(write_auth_config(workdir))
        env["MLFLOW_AUTH_ADMIN_PASSWORD"] = admin_password
        # basic-auth refuses to start without a static CSRF key.
        env["MLFLOW_FLASK_SERVER_SECRET_KEY"] = secrets.token_hex(16)
    log_path = workdir / f"mlflow-server-{port}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            cmd,
            cwd=workdir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = MlflowServer(
        url=f"http://127.0.0.1:{port}",
        backend_store_uri=backend_store_uri,
        artifacts_dir=artifacts_dir,
        log_path=log_path,
        process=process,
        admin_password=admin_password,
    )
    try:
        wait_for_health(server, timeout_s)
    except BaseException:
        server.stop()
        raise
    return server


def wait_for_health(server: MlflowServer, timeout_s: float) -> None:
    """Poll ``/health`` until it answers 200; raise with the server log if it dies or times out."""
    deadline = time.monotonic() + timeout_s
    last_error = "no attempt"
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(
                f"mlflow server exited with code {server.process.returncode} before becoming "
                f"healthy.\n--- server log ---\n{server.log_tail()}"
            )
        try:
            with urllib.request.urlopen(f"{server.url}/health", timeout=2) as response:
                if response.status == 200:
                    return
                last_error = f"HTTP {response.status}"
        except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
            last_error = repr(exc)
        # Doubles as the poll interval: returns early if the server process exits.
        with contextlib.suppress(subprocess.TimeoutExpired):
            server.process.wait(timeout=0.2)
    raise TimeoutError(
        f"mlflow server at {server.url} not healthy after {timeout_s:.0f}s "
        f"(last error: {last_error}).\n--- server log ---\n{server.log_tail()}"
    )


@contextlib.contextmanager
def running_mlflow_server(
    backend_store_uri: str,
    workdir: Path,
    *,
    admin_password: str | None = None,
    extra_env: dict[str, str] | None = None,
) -> Iterator[MlflowServer]:
    """Context manager form of :func:`start_mlflow_server` that always stops the server."""
    server = start_mlflow_server(
        backend_store_uri, workdir, admin_password=admin_password, extra_env=extra_env
    )
    try:
        yield server
    finally:
        server.stop()


def postgres_unavailable_reason() -> str | None:
    """Return why PostgreSQL at 127.0.0.1:5432 cannot be used, or None if it can."""
    try:
        import psycopg
    except ImportError:
        return "psycopg is not installed (pip install 'vitbench[postgres]')"
    try:
        with psycopg.connect(POSTGRES_ADMIN_DSN, connect_timeout=3):
            return None
    except psycopg.Error as exc:
        return f"PostgreSQL not reachable at 127.0.0.1:5432: {exc}".strip()


@contextlib.contextmanager
def throwaway_postgres_database(prefix: str = "vitbench_test") -> Iterator[str]:
    """Create a uniquely named database, yield its SQLAlchemy URL, drop it afterwards."""
    import psycopg

    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_ADMIN_DSN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(POSTGRES_ADMIN_DSN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _mlflow_cli() -> list[str]:
    """The ``mlflow`` CLI of the running interpreter, so tests use the venv's MLflow."""
    return [sys.executable, "-m", "mlflow"]


def _tail(path: Path) -> str:
    try:
        return path.read_text(errors="replace")[-_LOG_TAIL_CHARS:]
    except OSError as exc:
        return f"<log unavailable: {exc}>"
