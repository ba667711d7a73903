"""The server fixtures start real tracking servers on SQLite and PostgreSQL that work over HTTP."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from mlflow.tracking import MlflowClient

from tests.support.mlflow_server import MlflowServer, start_mlflow_server, stop_process_group


@pytest.mark.parametrize(
    "server_fixture",
    ["mlflow_server", pytest.param("postgres_mlflow_server", marks=pytest.mark.postgres)],
)
def test_run_round_trips_over_http(server_fixture: str, request: pytest.FixtureRequest) -> None:
    server: MlflowServer = request.getfixturevalue(server_fixture)
    writer = MlflowClient(tracking_uri=server.url)
    experiment_id = writer.create_experiment(f"fixture-{server_fixture}-{os.getpid()}")
    run = writer.create_run(experiment_id, tags={"model": "eanet"})
    writer.log_param(run.info.run_id, "model.patch_size", "4")
    for epoch in (1, 2, 3):
        writer.log_metric(run.info.run_id, "val_accuracy", 0.1 * epoch, step=epoch)
    writer.log_text(run.info.run_id, "hello", "notes/hello.txt")
    writer.set_terminated(run.info.run_id)

    reader = MlflowClient(tracking_uri=server.url)
    stored = reader.get_run(run.info.run_id)
    assert stored.data.params == {"model.patch_size": "4"}
    assert stored.data.tags["model"] == "eanet"
    assert stored.info.status == "FINISHED"
    history = reader.get_metric_history(run.info.run_id, "val_accuracy")
    assert [(m.step, round(m.value, 6)) for m in history] == [(1, 0.1), (2, 0.2), (3, 0.3)]
    # The artifact went through the server's proxy into --artifacts-destination.
    assert stored.info.artifact_uri.startswith("mlflow-artifacts:")
    uploaded = list(server.artifacts_dir.rglob("notes/hello.txt"))
    assert len(uploaded) == 1 and uploaded[0].read_text() == "hello"
    assert _experiment_names_in_store(server.backend_store_uri) >= {
        f"fixture-{server_fixture}-{os.getpid()}"
    }


def _experiment_names_in_store(uri: str) -> set[str]:
    """Read the backend store directly, proving the server wrote to the store we gave it."""
    query = "SELECT name FROM experiments"
    if uri.startswith("sqlite:///"):
        with sqlite3.connect(uri.removeprefix("sqlite:///")) as conn:
            return {row[0] for row in conn.execute(query)}
    import psycopg

    with psycopg.connect(uri.replace("postgresql+psycopg://", "postgresql://")) as conn:
        return {row[0] for row in conn.execute(query)}


def test_postgres_url_is_a_fresh_empty_database(postgres_url: str) -> None:
    import psycopg

    assert postgres_url.startswith("postgresql+psycopg://postgres@127.0.0.1:5432/vitbench_test_")
    with psycopg.connect(postgres_url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        tables = conn.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
        ).fetchone()
    assert tables == (0,)


def test_stop_process_group_kills_children() -> None:
    """A server forks workers; stopping only the parent would leak them."""
    parent = subprocess.Popen(
        [sys.executable, "-c", _SPAWN_CHILD_AND_WAIT],
        stdout=subprocess.PIPE,
        start_new_session=True,
    )
    assert parent.stdout is not None
    child_pid = int(parent.stdout.readline())
    stop_process_group(parent, timeout_s=1)
    assert parent.returncode is not None
    # SIGKILL is delivered asynchronously: poll (bounded) until the child is gone.
    deadline = time.monotonic() + 10
    while _alive(child_pid) and time.monotonic() < deadline:
        time.sleep(0.02)  # poll interval, not a wait for readiness
    assert not _alive(child_pid)


_SPAWN_CHILD_AND_WAIT = """
import signal, subprocess, sys
signal.signal(signal.SIGTERM, signal.SIG_IGN)  # force the SIGKILL path for the parent
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
print(child.pid, flush=True)
child.wait()
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (reaped by init later) counts as dead.
    status = Path(f"/proc/{pid}/status")
    return status.exists() and "zombie" not in status.read_text()


def test_start_fails_with_server_log_when_server_cannot_start(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="exited with code") as excinfo:
        start_mlflow_server("bogus-scheme://nowhere", tmp_path, timeout_s=60)
    assert "bogus-scheme" in str(excinfo.value)
