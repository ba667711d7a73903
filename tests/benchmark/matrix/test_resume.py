"""Interruptions: SIGKILL resumes into the same run with the uninterrupted result; SIGTERM marks
the run KILLED (not RUNNING, not FINISHED) and keeps its checkpoint; NaN fails one cell only."""

from __future__ import annotations

import signal

import pytest
from mlflow.tracking import MlflowClient

from tests.support.cli import (
    cell_runs,
    kill,
    local_client,
    run_vitbench,
    start_vitbench,
    wait_for_epoch,
)

SLOW_CELL = [
    "--preset",
    "smoke",
    "--models",
    "vit",
    "--seeds",
    "0",
    "--epochs",
    "8",
    "--set",
    "data.synthetic_examples=1200",
    "--set",
    "model.hidden_dim=32",
    "--set",
    "train.batch_size=32",
]


def _final(run) -> dict[str, float]:
    keys = ("test_loss", "test_accuracy", "test_top5_accuracy", "best_val_accuracy")
    return {k: run.data.metrics[k] for k in keys}


@pytest.mark.slow
def test_sigkill_then_rerun_resumes_same_run_with_identical_metrics(tmp_path):
    reference_dir, killed_dir = tmp_path / "reference", tmp_path / "killed"
    reference_dir.mkdir()
    killed_dir.mkdir()
    done = run_vitbench([*SLOW_CELL, "--experiment", "e"], reference_dir)
    assert done.returncode == 0, done.stdout + done.stderr
    (reference,) = cell_runs(local_client(reference_dir), "e")

    process = start_vitbench([*SLOW_CELL, "--experiment", "e"], killed_dir)
    run_id = wait_for_epoch(lambda: local_client(killed_dir), "e", 3, process)
    kill(process, signal.SIGKILL)
    (stale,) = cell_runs(local_client(killed_dir), "e")
    assert stale.info.status == "RUNNING"  # MLflow has no heartbeat: the rerun must notice

    resumed = run_vitbench([*SLOW_CELL, "--experiment", "e"], killed_dir)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    client = local_client(killed_dir)
    (run,) = cell_runs(client, "e")
    assert run.info.run_id == run_id and run.info.status == "FINISHED"
    assert int(run.data.tags["resumed_from_epoch"]) >= 3
    steps = [m.step for m in client.get_metric_history(run_id, "loss")]
    assert sorted(steps) == list(range(1, 9))  # every epoch exactly once
    assert _final(run) == _final(reference)  # bitwise-equal training on CPU
    ref_losses = [
        m.value
        for m in sorted(
            local_client(reference_dir).get_metric_history(reference.info.run_id, "val_loss"),
            key=lambda m: m.step,
        )
    ]
    losses = [
        m.value for m in sorted(client.get_metric_history(run_id, "val_loss"), key=lambda m: m.step)
    ]
    assert losses == ref_losses


@pytest.mark.slow  # the fast tier pins SIGTERM's hand-back and resume in test_takeover.py
def test_sigterm_marks_killed_keeps_checkpoint_and_rerun_finishes(tmp_path):
    process = start_vitbench([*SLOW_CELL, "--experiment", "t"], tmp_path)
    run_id = wait_for_epoch(lambda: local_client(tmp_path), "t", 2, process)
    output = kill(process, signal.SIGTERM)
    assert process.returncode == 0, output  # preemption is a clean stop: the cell went back
    assert "went back to the queue" in output, output
    client = local_client(tmp_path)
    (run,) = cell_runs(client, "t")
    assert run.info.status == "KILLED"
    assert "preempted (SIGTERM)" in run.data.tags["failure_reason"]
    checkpoints = list((tmp_path / ".vitbench" / "checkpoints").iterdir())
    assert len(checkpoints) == 1 and (checkpoints[0] / "checkpoint.npz").is_file()
    logged = max(m.step for m in client.get_metric_history(run_id, "loss"))
    shared = [a.path for a in client.list_artifacts(run_id, "checkpoints")]
    assert shared == [f"checkpoints/epoch-{logged:05d}.npz"]  # the last logged epoch, pruned

    done = run_vitbench([*SLOW_CELL, "--experiment", "t"], tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    client = local_client(tmp_path)
    (run,) = cell_runs(client, "t")
    assert run.info.run_id == run_id and run.info.status == "FINISHED"
    assert int(run.data.tags["resumed_from_epoch"]) == logged
    assert not (tmp_path / ".vitbench" / "checkpoints" / checkpoints[0].name).exists()
    assert client.list_artifacts(run_id, "checkpoints") == []  # the ended cell's state is gone


def test_nan_loss_fails_the_cell_and_the_matrix_goes_on(tmp_path, monkeypatch, capsys):
    """In-process through the console entry point (no process must die here)."""
    import signal

    from benchmark.cli.main import main

    args = [
        "run",
        "--preset",
        "smoke",
        "--models",
        "vit,eanet",
        "--seeds",
        "0",
        "--epochs",
        "2",
        "--set",
        "train.learning_rate=1000000",
        "--set",
        "data.synthetic_examples=160",
        "--experiment",
        "nan",
    ]
    monkeypatch.chdir(tmp_path)
    handlers = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGUSR1, signal.SIGINT)}
    try:
        with pytest.raises(SystemExit) as exit_info:
            main(args)
    finally:
        for number, handler in handlers.items():
            signal.signal(number, handler)  # the command installs its stop handlers
    output = capsys.readouterr()
    assert exit_info.value.code == 1, output.out + output.err
    runs = cell_runs(local_client(tmp_path), "nan")
    assert len(runs) == 2  # the second cell ran after the first failed
    for run in runs:
        assert run.info.status == "FAILED"
        assert "non-finite" in run.data.tags["failure_reason"]
    assert "FAILED" in output.err or "FAILED" in output.out


def test_a_finished_cell_leaves_no_checkpoint_here_or_in_its_run(tmp_path, monkeypatch, capsys):
    """Every epoch is checkpointed locally and published to the run's artifacts; once the cell
    is FINISHED both are removed (in-process: no process must die here)."""
    import signal

    from benchmark.cli.main import main

    monkeypatch.chdir(tmp_path)
    args = ["run", "--preset", "smoke", "--models", "vit", "--seeds", "0", "--epochs", "2",
            "--set", "data.synthetic_examples=96", "--experiment", "done"]  # fmt: skip
    handlers = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGUSR1, signal.SIGINT)}
    try:
        main(args)
    except SystemExit as stop:
        assert stop.code in (0, None), capsys.readouterr()
    finally:
        for number, handler in handlers.items():
            signal.signal(number, handler)
    client = local_client(tmp_path)
    (run,) = cell_runs(client, "done")
    assert run.info.status == "FINISHED"
    assert sorted(m.step for m in client.get_metric_history(run.info.run_id, "loss")) == [1, 2]
    assert "checkpoint_mb" in run.data.metrics  # precondition: epochs were published
    assert client.list_artifacts(run.info.run_id, "checkpoints") == []
    leftovers = list((tmp_path / ".vitbench" / "checkpoints").rglob("*.npz"))
    assert leftovers == []


@pytest.mark.slow
def test_same_seed_same_metrics_different_seed_differs(tmp_path):
    base = [
        "--preset",
        "smoke",
        "--models",
        "eanet",
        "--epochs",
        "2",
        "--set",
        "data.synthetic_examples=160",
    ]
    for experiment, seed in (("a", "0"), ("b", "0"), ("c", "1")):
        done = run_vitbench([*base, "--seeds", seed, "--experiment", experiment], tmp_path)
        assert done.returncode == 0, done.stdout + done.stderr
    client = local_client(tmp_path)
    (a,), (b,), (c,) = (cell_runs(client, e) for e in "abc")

    def history(r):
        return [
            m.value
            for m in sorted(client.get_metric_history(r.info.run_id, "loss"), key=lambda m: m.step)
        ]

    assert history(a) == history(b) and _final(a) == _final(b)
    assert history(a) != history(c)


@pytest.mark.slow
def test_checkpoint_uri_lets_another_machine_resume_from_a_shared_folder(tmp_path):
    """No server: machine A and machine B share a folder (think NFS) that holds the store, the
    queue and `--checkpoint-uri`. A is stopped; B, with no local checkpoint, resumes A's run."""
    shared, machine_a, machine_b = (tmp_path / n for n in ("nfs", "a", "b"))
    for folder in (shared, machine_a, machine_b):
        folder.mkdir()
    store = [
        "--tracking-uri", f"sqlite:///{shared / 'mlflow.db'}",
        "--storage", f"sqlite:///{shared / 'optuna.db'}",
        "--checkpoint-uri", str(shared / "checkpoints"), "--experiment", "nfs",
    ]  # fmt: skip
    client = MlflowClient(f"sqlite:///{shared / 'mlflow.db'}")
    process = start_vitbench([*SLOW_CELL, *store], machine_a)
    run_id = wait_for_epoch(lambda: client, "nfs", 2, process)
    output = kill(process, signal.SIGTERM)
    assert process.returncode == 0, output
    logged = max(m.step for m in client.get_metric_history(run_id, "loss"))
    published = sorted(p.name for p in (shared / "checkpoints" / run_id).iterdir())
    assert published == [f"epoch-{logged:05d}.npz"]
    assert client.list_artifacts(run_id, "checkpoints") == []  # not in the run: in the folder

    done = run_vitbench([*SLOW_CELL, *store], machine_b)
    assert done.returncode == 0, done.stdout + done.stderr
    (run,) = cell_runs(client, "nfs")
    assert run.info.run_id == run_id and run.info.status == "FINISHED"
    assert int(run.data.tags["resumed_from_epoch"]) == logged
    assert not (machine_b / ".vitbench" / "checkpoints").exists() or not any(
        (machine_b / ".vitbench" / "checkpoints").iterdir()
    )  # B fetched it, resumed, and cleaned up after the cell finished
    assert list((shared / "checkpoints" / run_id).iterdir()) == []  # cleared once FINISHED
