"""`vitbench ui` serves the local store with the MLflow UI on 127.0.0.1 and prints the URL."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request

from tests.support.cli import vitbench_env
from tests.support.mlflow_server import free_port, stop_process_group


def test_ui_serves_the_local_store_on_localhost(tmp_path):
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "benchmark", "ui", "--port", str(port)],
        cwd=tmp_path,
        env=vitbench_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            assert process.poll() is None, process.stdout.read()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                time.sleep(0.2)
        else:
            raise AssertionError("the UI never answered /health")
        url = f"http://127.0.0.1:{port}/api/2.0/mlflow/experiments/search?max_results=5"
        with urllib.request.urlopen(url, timeout=5) as response:
            assert response.status == 200  # the tracking API of the local store is served
        assert (tmp_path / ".vitbench" / "mlflow.db").exists()
    finally:
        stop_process_group(process)
    assert f"http://127.0.0.1:{port}" in process.stdout.read()
