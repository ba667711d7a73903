"""Many workers, one study: PostgreSQL storage shared by processes, and a worker lost mid-trial.

Both tests use a throwaway PostgreSQL database (marked `postgres` by the fixture)."""

from __future__ import annotations

import signal
import time

import optuna
import pytest
from optuna.trial import TrialState

from tests.support.cli import local_client
from tests.support.studies import TINY_STUDY, run_study, runs_of, start_study


@pytest.mark.slow
def test_two_workers_share_the_budget_exactly(tmp_path, postgres_url, mlflow_server) -> None:
    experiment = f"workers-{tmp_path.name}"
    args = [*TINY_STUDY, "--set", "train.epochs=1", "--trials", "4", "--workers", "2",
            "--pruner", "none", "--storage", postgres_url, "--study-name", "shared",
            "--tracking-uri", mlflow_server.url, "--experiment", experiment]  # fmt: skip
    done = run_study(args, tmp_path, timeout=400)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "[worker 0]" in done.stdout and "[worker 1]" in done.stdout
    study = optuna.load_study(study_name="shared", storage=postgres_url)
    states = [t.state for t in study.trials]
    assert states.count(TrialState.COMPLETE) == 4, states
    assert TrialState.RUNNING not in states and TrialState.WAITING not in states
    complete = [t for t in study.trials if t.state == TrialState.COMPLETE]
    assert len({t.number for t in complete}) == 4
    assert len({tuple(sorted(t.params.items())) for t in complete}) == 4  # distinct suggestions

    from mlflow.tracking import MlflowClient

    client = MlflowClient(mlflow_server.url)
    (parent,) = runs_of(client, "study", experiment)
    children = runs_of(client, "trial", experiment)
    finished = {int(r.data.tags["optuna.trial_number"]) for r in children
                if r.info.status == "FINISHED"}  # fmt: skip
    assert finished == {t.number for t in complete}
    assert all(r.data.tags["mlflow.parentRunId"] == parent.info.run_id for r in children)


def _wait_for_reported_epoch(storage: str, process, timeout: float = 120.0) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"worker exited early:\n{process.stdout.read()}")
        try:
            trials = optuna.load_study(study_name="lost", storage=storage).trials
        except Exception:  # the study does not exist yet
            trials = []
        for trial in trials:
            if trial.state == TrialState.RUNNING and trial.intermediate_values:
                return trial.number
        time.sleep(0.2)
    raise AssertionError("no trial reported an epoch in time")


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_a_killed_worker_s_trial_is_retried_by_heartbeat(tmp_path, postgres_url) -> None:
    args = [*TINY_STUDY, "--set", "train.epochs=30", "--trials", "1", "--pruner", "none",
            "--storage", postgres_url, "--study-name", "lost",
            "--heartbeat-interval", "1", "--grace-period", "3"]  # fmt: skip
    worker = start_study(args, tmp_path)
    try:
        lost = _wait_for_reported_epoch(postgres_url, worker)
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.communicate(timeout=60)

    done = run_study(args, tmp_path)  # the same command again: waits out the grace period
    assert done.returncode == 0, done.stdout + done.stderr
    trials = optuna.load_study(study_name="lost", storage=postgres_url).trials
    assert [t.state for t in trials] == [TrialState.FAIL, TrialState.COMPLETE]
    retried = trials[1]
    assert retried.params == trials[lost].params
    assert retried.system_attrs.get("failed_trial") == lost

    client = local_client(tmp_path)
    runs = {int(r.data.tags["optuna.trial_number"]): r for r in runs_of(client, "trial")}
    assert runs[lost].info.status == "FAILED"
    assert "worker lost" in runs[lost].data.tags["failure_reason"]
    assert runs[retried.number].info.status == "FINISHED"
