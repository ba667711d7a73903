"""`vitbench slurm` on a real Slurm: a 3-task array works one 6-cell matrix through the
PostgreSQL queue into a real MLflow server, and a task cancelled mid-cell loses nothing.

The cancelled task hands its cell back (SIGTERM from `scancel`: checkpoint, re-enqueue, exit 0)
and another task resumes it in the same MLflow run from that checkpoint. Each task has its own
VITBENCH_HOME, as on separate machines, so the checkpoint must travel through the shared stores.
"""

from __future__ import annotations

import re
import time
import uuid
from pathlib import Path

import pytest
from mlflow.tracking import MlflowClient

from tests.support.cli import cell_runs, run_vitbench

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1200)]

EPOCHS = 20  # ~1-2 s each with 3 tasks on 2 cores: a cell lasts long enough to cancel it
CELLS = 6
MATRIX = [
    "run",
    "--preset",
    "smoke",
    "--models",
    "vit,vit_sl,eanet",
    "--seeds",
    "0,1",
    "--epochs",
    str(EPOCHS),
    "--set",
    "data.synthetic_examples=1280",
    "--set",
    "train.batch_size=16",
]
COMMENT = "6 cells, 3 tasks #smoke"  # a space and a '#': sbatch's own directive quoting


def task_logs(root: Path) -> str:
    logs = sorted((root / ".vitbench" / "slurm").glob("*/task-*.log"))
    return "\n".join(f"--- {p.name} ---\n{p.read_text(errors='replace')[-6000:]}" for p in logs)


def poll(predicate, what: str, timeout_s: float, interval_s: float = 0.5):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval_s)
    raise AssertionError(f"{what}: not within {timeout_s:.0f} s")


def running_mid_cell(client: MlflowClient, experiment: str):
    """A RUNNING cell run with 1..EPOCHS-4 epochs logged (so there is work left to resume)."""
    try:
        runs = cell_runs(client, experiment)
    except Exception:  # the experiment does not exist yet
        return None
    for run in runs:
        if run.info.status != "RUNNING":
            continue
        steps = [m.step for m in client.get_metric_history(run.info.run_id, "loss")]
        if steps and 1 <= max(steps) <= EPOCHS - 4:
            return run
    return None


def test_array_works_the_matrix_once_and_a_cancelled_cell_resumes(
    slurm_cluster, mlflow_server, postgres_url, tmp_path
):
    experiment = f"slurm-{uuid.uuid4().hex[:8]}"
    (tmp_path / "scratch").mkdir()  # each task's VITBENCH_HOME goes below $TMPDIR
    env = {**slurm_cluster.env, "TMPDIR": str(tmp_path / "scratch")}
    args = ["--array", "3", f"--sbatch-arg=--comment={COMMENT}", *MATRIX, "--storage"]
    args += [postgres_url, "--tracking-uri", mlflow_server.url, "--experiment", experiment]
    done = run_vitbench(args, tmp_path, timeout=120, env=env, command="slurm")
    assert done.returncode == 0, done.stdout + done.stderr
    job_id = re.search(r"submitted job (\d+)", done.stdout).group(1)
    assert f"squeue -j {job_id}" in done.stdout and mlflow_server.url in done.stdout
    client = MlflowClient(mlflow_server.url)
    try:
        tasks = poll(
            lambda: [t for t, state in slurm_cluster.queue(job_id) if state == "R"] or None,
            "array tasks running",
            120,
        )
        assert sorted(tasks) == [f"{job_id}_{i}" for i in range(3)], slurm_cluster.queue()
        comment = slurm_cluster.run("squeue", "-h", "-j", f"{job_id}_0", "-o", "%k").strip()
        assert comment == COMMENT
        victim = poll(lambda: running_mid_cell(client, experiment), "a cell mid-way", 600)
        victim_task = victim.data.tags.get("vitbench.slurm_job")
        assert victim_task in tasks, f"vitbench.slurm_job tag {victim_task!r} not in {tasks}"
        slurm_cluster.run("scancel", victim_task)
        poll(lambda: not slurm_cluster.queue(job_id), "the array leaving squeue", 900, 2)
        _assert_matrix_done_once(client, experiment)
        _assert_resumed_in_place(client, victim.info.run_id)
        # The mechanism, not only the outcome: handed back at once, resumed by another task.
        logs = task_logs(tmp_path)
        assert "went back to the queue" in logs and "resuming the cell handed back by" in logs
        taken_by = client.get_run(victim.info.run_id).data.tags["vitbench.slurm_job"]
        assert taken_by in tasks and taken_by != victim_task
    except BaseException:
        print(f"=== task logs ===\n{task_logs(tmp_path)}")
        print(f"=== slurm ===\n{slurm_cluster.log_tail()}")
        raise


def _assert_matrix_done_once(client: MlflowClient, experiment: str) -> None:
    runs = cell_runs(client, experiment)
    statuses = sorted(r.info.status for r in runs)
    assert statuses == ["FINISHED"] * CELLS, statuses
    hashes = [r.data.tags["config_hash"] for r in runs]
    assert len(set(hashes)) == CELLS, hashes
    (parent_id,) = {r.data.tags["mlflow.parentRunId"] for r in runs}
    assert client.get_run(parent_id).info.status == "FINISHED"


def _assert_resumed_in_place(client: MlflowClient, run_id: str) -> None:
    run = client.get_run(run_id)
    assert run.info.status == "FINISHED"
    assert int(run.data.tags.get("resumed_from_epoch", "0")) >= 1, run.data.tags
    steps = sorted(m.step for m in client.get_metric_history(run_id, "loss"))
    assert steps == list(range(1, EPOCHS + 1)), steps
