"""A lost cell resumes on ANY worker: two workers in their own working directories (their own
disks) on one PostgreSQL queue and one real MLflow server with served artifacts. The holder of
the cell is SIGKILLed (dead worker: the heartbeat re-queues it) or SIGTERMed (preemption: it hands
the cell back itself); the other worker resumes the SAME run from the checkpoint in the run's
artifacts, and the result equals an uninterrupted run's bit for bit (CPU)."""

from __future__ import annotations

import signal
import subprocess
import time
import uuid
from pathlib import Path

import pytest
from mlflow.tracking import MlflowClient

from tests.support.cli import cell_runs, local_client, run_vitbench, start_vitbench

CELL = [
    "--preset", "smoke", "--models", "vit", "--seeds", "0", "--epochs", "8",
    "--set", "data.synthetic_examples=1200", "--set", "model.hidden_dim=32",
    "--set", "train.batch_size=32",
]  # fmt: skip
EPOCHS = 8
FINAL = ("test_loss", "test_accuracy", "test_top5_accuracy", "best_val_accuracy", "best_epoch")


def _history(client: MlflowClient, run_id: str, key: str) -> list[tuple[int, float]]:
    return sorted((m.step, m.value) for m in client.get_metric_history(run_id, key))


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory) -> dict:
    """The same cell, never interrupted, in a local store of its own."""
    where = tmp_path_factory.mktemp("uninterrupted")
    done = run_vitbench([*CELL, "--experiment", "ref"], where)
    assert done.returncode == 0, done.stdout + done.stderr
    client = local_client(where)
    (run,) = cell_runs(client, "ref")
    return {
        "final": {k: run.data.metrics[k] for k in FINAL},
        "val_loss": _history(client, run.info.run_id, "val_loss"),
        "val_accuracy": _history(client, run.info.run_id, "val_accuracy"),
    }


def _two_workers(tmp_path: Path, server, postgres_url: str, experiment: str, beat: str):
    args = [
        *CELL, "--tracking-uri", server.url, "--storage", postgres_url,
        "--experiment", experiment, "--workers", "1",
    ]  # fmt: skip
    workers = []
    for i in range(2):
        machine = tmp_path / f"machine{i}"
        machine.mkdir()
        workers.append(start_vitbench(args, machine, {"VITBENCH_HEARTBEAT_S": beat}))
    return workers


def _holder(client: MlflowClient, experiment: str, workers, epoch: int, timeout: float = 120):
    """(the worker process holding the cell, its run id, last logged epoch) once the cell has
    logged `epoch`; the holder is named by the run's `vitbench.worker` tag (host:pid)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert all(w.poll() is None for w in workers), "a worker exited early"
        exp = client.get_experiment_by_name(experiment)
        runs = cell_runs(client, experiment) if exp is not None else []
        for run in runs:
            steps = [m.step for m in client.get_metric_history(run.info.run_id, "loss")]
            if steps and max(steps) >= epoch:
                pid = int(run.data.tags["vitbench.worker"].rsplit(":", 1)[1])
                (holder,) = [w for w in workers if w.pid == pid]
                return holder, run.info.run_id, max(steps)
        time.sleep(0.1)
    raise AssertionError(f"no cell reached epoch {epoch} within {timeout} s")


def _assert_resumed_like_uninterrupted(
    client: MlflowClient, experiment: str, run_id: str, last_logged: int, uninterrupted: dict
) -> None:
    runs = cell_runs(client, experiment)
    assert len(runs) == 1, [(r.info.status, r.data.tags.get("failure_reason")) for r in runs]
    (run,) = runs  # no second run, no FAILED duplicate
    assert run.info.run_id == run_id and run.info.status == "FINISHED"
    resumed_from = int(run.data.tags["resumed_from_epoch"])
    assert last_logged <= resumed_from < EPOCHS  # from the checkpoint, not from scratch
    steps = [m.step for m in client.get_metric_history(run_id, "loss")]
    assert sorted(steps) == list(range(1, EPOCHS + 1))  # every epoch exactly once
    assert {k: run.data.metrics[k] for k in FINAL} == uninterrupted["final"]
    assert _history(client, run_id, "val_loss") == uninterrupted["val_loss"]
    assert _history(client, run_id, "val_accuracy") == uninterrupted["val_accuracy"]
    assert client.list_artifacts(run_id, "checkpoints") == []  # pruned once the cell ended


def _finish(process: subprocess.Popen, timeout: float = 300) -> str:
    out, _ = process.communicate(timeout=timeout)
    assert process.returncode == 0, out
    return out


def test_sigkilled_worker_cell_resumes_on_the_other_in_the_same_run(
    postgres_mlflow_server, postgres_url, tmp_path, uninterrupted
):
    experiment = f"takeover-{uuid.uuid4().hex[:8]}"
    client = MlflowClient(postgres_mlflow_server.url)
    workers = _two_workers(tmp_path, postgres_mlflow_server, postgres_url, experiment, "1")
    holder, run_id, last_logged = _holder(client, experiment, workers, epoch=2)
    holder.kill()
    holder.communicate(timeout=30)
    (other,) = [w for w in workers if w is not holder]
    out = _finish(other)
    assert "retrying the cell of lost trial" in out, out
    _assert_resumed_like_uninterrupted(client, experiment, run_id, last_logged, uninterrupted)


def test_sigterm_hands_the_cell_back_and_another_worker_resumes_it_within_seconds(
    postgres_mlflow_server, postgres_url, tmp_path, uninterrupted
):
    experiment = f"handback-{uuid.uuid4().hex[:8]}"
    client = MlflowClient(postgres_mlflow_server.url)
    # A 30 s heartbeat: a lost worker is noticed after 90 s; the hand-back must not wait for it.
    workers = _two_workers(tmp_path, postgres_mlflow_server, postgres_url, experiment, "30")
    holder, run_id, last_logged = _holder(client, experiment, workers, epoch=2)
    (other,) = [w for w in workers if w is not holder]
    holder.send_signal(signal.SIGTERM)
    out, _ = holder.communicate(timeout=60)
    stopped = time.monotonic()
    assert holder.returncode == 0, out
    assert "handed back to the queue" in out, out
    assert client.get_run(run_id).info.status in ("KILLED", "RUNNING")  # RUNNING: taken already
    while client.get_run(run_id).data.tags["vitbench.worker"].rsplit(":", 1)[1] != str(other.pid):
        assert time.monotonic() - stopped < 20, "the other worker did not take the cell over"
        assert other.poll() is None, other.stdout.read()
        time.sleep(0.2)
    out = _finish(other)
    assert "resuming the cell handed back by trial" in out, out
    _assert_resumed_like_uninterrupted(client, experiment, run_id, last_logged, uninterrupted)
