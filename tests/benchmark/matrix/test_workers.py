"""`vitbench run --workers 1 --storage PG` on several "machines" (own working directories, one
MLflow server on PostgreSQL, one Optuna queue on PostgreSQL): no cell twice, none lost."""

from __future__ import annotations

import subprocess
import uuid
from collections import Counter
from pathlib import Path

from mlflow.tracking import MlflowClient

from tests.support.cli import cell_runs, start_vitbench

FAST = [
    "--preset", "smoke", "--models", "vit,eanet", "--seeds", "0,1", "--epochs", "2",
    "--set", "data.synthetic_examples=160",
]  # fmt: skip


def _workers(tmp_path: Path, args: list[str], count: int, env=None) -> list[subprocess.Popen]:
    """Start `count` workers at once, each in its own directory (its own machine)."""
    dirs = [tmp_path / f"machine{i}" for i in range(count)]
    for d in dirs:
        d.mkdir()
    return [start_vitbench(args, d, env) for d in dirs]


def _finish(process: subprocess.Popen, timeout: float = 90) -> str:
    out, _ = process.communicate(timeout=timeout)
    assert process.returncode == 0, out
    return out


def _assert_one_finished_per_cell(client: MlflowClient, experiment: str, cells: int) -> list:
    runs = cell_runs(client, experiment)
    finished = Counter(r.data.tags["config_hash"] for r in runs if r.info.status == "FINISHED")
    assert len(finished) == cells, finished
    assert set(finished.values()) == {1}, finished  # no cell ran twice
    parents = {r.data.tags["mlflow.parentRunId"] for r in runs}
    assert len(parents) == 1, parents
    (parent,) = parents
    assert client.get_run(parent).info.status == "FINISHED"
    return runs


def _queue_args(server, postgres_url: str, experiment: str) -> list[str]:
    return [
        "--tracking-uri", server.url, "--storage", postgres_url,
        "--experiment", experiment, "--workers", "1",
    ]  # fmt: skip


def test_two_workers_split_the_cells(postgres_mlflow_server, postgres_url, tmp_path):
    experiment = f"dist-{uuid.uuid4().hex[:8]}"
    args = [*FAST, *_queue_args(postgres_mlflow_server, postgres_url, experiment)]
    workers = _workers(tmp_path, args, 2, {"VITBENCH_HEARTBEAT_S": "2"})
    outputs = [_finish(w) for w in workers]
    client = MlflowClient(postgres_mlflow_server.url)
    runs = _assert_one_finished_per_cell(client, experiment, 4)
    assert len(runs) == 4  # nothing started twice, nothing skipped into a second run
    assert all("finished (run" in out for out in outputs), outputs  # both did work
