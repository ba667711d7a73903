"""`vitbench run --workers 1 --storage PG` on several "machines" (own working directories, one
MLflow server on PostgreSQL, one Optuna queue on PostgreSQL): no cell twice, none lost."""

from __future__ import annotations

import signal
import subprocess
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest
from mlflow.tracking import MlflowClient

from tests.support.cli import cell_runs, kill, start_vitbench

FAST = [
    "--preset", "smoke", "--models", "vit,eanet", "--seeds", "0,1", "--epochs", "2",
    "--set", "data.synthetic_examples=160",
]  # fmt: skip
SLOW = [
    "--preset", "smoke", "--models", "vit", "--seeds", "0,1", "--epochs", "8",
    "--set", "data.synthetic_examples=1200", "--set", "model.hidden_dim=32",
    "--set", "train.batch_size=32",
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


def _owner(tmp_path: Path, client: MlflowClient, experiment: str, count: int) -> tuple[int, str]:
    """Find a cell run at epoch >= 2 and the machine holding its checkpoint."""
    exp = client.get_experiment_by_name(experiment)
    if exp is None:
        raise LookupError
    for run in client.search_runs([exp.experiment_id], "tags.`vitbench.kind` = 'cell'"):
        steps = [m.step for m in client.get_metric_history(run.info.run_id, "loss")]
        key = run.data.tags["config_hash"]
        for i in range(count):
            ckpt = tmp_path / f"machine{i}" / ".vitbench" / "checkpoints" / key
            if steps and max(steps) >= 2 and ckpt.is_dir():
                return i, run.info.run_id
    raise LookupError


@pytest.mark.slow
def test_killed_worker_cell_is_completed_by_the_other(
    postgres_mlflow_server, postgres_url, tmp_path
):
    experiment = f"kill-{uuid.uuid4().hex[:8]}"
    args = [*SLOW, *_queue_args(postgres_mlflow_server, postgres_url, experiment)]
    workers = _workers(tmp_path, args, 2, {"VITBENCH_HEARTBEAT_S": "1"})
    client = MlflowClient(postgres_mlflow_server.url)
    deadline = time.monotonic() + 60
    while True:
        assert time.monotonic() < deadline, "no cell reached epoch 2 in 60 s"
        assert all(w.poll() is None for w in workers), "a worker exited early"
        try:
            victim, lost_run = _owner(tmp_path, client, experiment, 2)
            break
        except LookupError:
            time.sleep(0.2)
    kill(workers[victim], signal.SIGKILL)
    out = _finish(workers[1 - victim])
    assert "retrying the cell of lost trial" in out, out
    _assert_one_finished_per_cell(client, experiment, 2)
    lost = client.get_run(lost_run)
    assert lost.info.status == "FAILED"  # the survivor had no checkpoint: closed, started anew
    assert "worker lost" in lost.data.tags["failure_reason"]
