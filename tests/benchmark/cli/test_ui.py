"""`vitbench ui`: serves the local store on 127.0.0.1, prints the URL of the experiment's training
runs (in a view whose filter selects the matrix's child runs), refuses a busy port with exit 2,
and leaves no process behind when stopped with SIGTERM."""

from __future__ import annotations

import contextlib
import json
import socket
import subprocess
import sys
import threading
import time
import urllib.request

import psutil

from tests.benchmark.cli.conftest import copy_store
from tests.support.cli import vitbench_env
from tests.support.mlflow_server import free_port, stop_process_group


def test_a_busy_port_is_an_error_before_anything_starts(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "benchmark", "ui", "--port", str(port)],
            cwd=tmp_path, env=vitbench_env(), capture_output=True, text=True, timeout=120,
        )  # fmt: skip
    assert done.returncode == 2, done.stdout + done.stderr
    assert f"error: port {port} is in use; try --port" in done.stderr
    assert "Traceback" not in done.stderr and not (tmp_path / ".vitbench").exists()


def _get(url: str, body: dict | None = None) -> dict:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def test_ui_opens_the_runs_and_sigterm_stops_every_child(tiny_matrix, tmp_path):
    work = copy_store(tiny_matrix, tmp_path / "store")
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "benchmark", "ui", "--port", str(port)],
        cwd=work, env=vitbench_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, start_new_session=True,
    )  # fmt: skip
    lines: list[str] = []
    children: list[psutil.Process] = []
    reader = threading.Thread(target=lambda: lines.extend(process.stdout), daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 120
        while not any(line.startswith("MLflow UI: ") for line in lines):
            assert process.poll() is None, "".join(lines)
            assert time.monotonic() < deadline, "".join(lines)
            time.sleep(0.2)
        url = next(line for line in lines if line.startswith("MLflow UI: ")).split()[2]
        base = f"http://127.0.0.1:{port}"
        experiment = _get(f"{base}/api/2.0/mlflow/experiments/get-by-name?experiment_name=vitbench")
        experiment_id = experiment["experiment"]["experiment_id"]
        view_query = "workflowType=machine_learning&viewStateShareKey=vitbench-runs"
        assert url == f"{base}/#/experiments/{experiment_id}/runs?{view_query}"
        tags = {t["key"]: t["value"] for t in experiment["experiment"]["tags"]}
        assert tags["mlflow.experimentKind"] == "custom_model_development"  # runs, not GenAI
        view = json.loads(tags["mlflow.sharedViewState.vitbench-runs"])
        assert "metrics.`test_accuracy`" in view["selectedColumns"]
        assert view["orderByKey"] == "metrics.`test_accuracy`"
        search = {"experiment_ids": [experiment_id], "filter": view["searchFilter"]}
        shown = _get(f"{base}/api/2.0/mlflow/runs/search", search)["runs"]
        assert {r["info"]["run_id"] for r in shown} == set(tiny_matrix.cell_run_ids)

        children += psutil.Process(process.pid).children(recursive=True)
        assert children, "the MLflow server is not a child of vitbench ui"
        process.send_signal(15)  # SIGTERM to vitbench ui alone, not to its group
        code = process.wait(timeout=90)
        left = [c.pid for c in children if _alive(c.pid)]
        assert not left, f"still running after SIGTERM: {left}"
        assert code == 0, "".join(lines)
        with socket.socket() as sock:  # and nothing listens on the port any more
            # SO_REUSEADDR: our own finished HTTP connections may linger in TIME_WAIT on this
            # port; a live listener would still make the bind fail
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(("127.0.0.1", port))
    finally:  # a failing test must not leave a server behind (the server has its own group)
        stop_process_group(process)
        for child in children:
            with contextlib.suppress(psutil.NoSuchProcess):
                child.kill()
