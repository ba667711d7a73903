"""`run_tracked` maps how a training ended to one MLflow status, read back from a real local
SQLite store: a failure is FAILED with its reason, a `stopped_by` exception is KILLED, a
preemption is KILLED and re-raised, and the caller's `ending` tags and metrics reach the run."""

from __future__ import annotations

import pytest
from mlflow.tracking import MlflowClient

from benchmark.config import resolve_config
from benchmark.tracking.lifecycle import Ending, run_tracked
from benchmark.tracking.run_logger import RunLogger
from benchmark.training.preemption import Preempted


class Stop(Exception):
    """Stands in for Optuna's TrialPruned."""


@pytest.fixture
def logger(tmp_path):
    client = MlflowClient(tracking_uri=f"sqlite:///{tmp_path}/mlflow.db")
    experiment = client.create_experiment("lifecycle", artifact_location=str(tmp_path / "art"))
    run_id = client.create_run(experiment).info.run_id
    return RunLogger(client, run_id, resolve_config("smoke", "vit", 0, {}))


def _read(logger):
    run = logger.client.get_run(logger.run_id)
    return run.info.status, run.data.tags.get("failure_reason"), run.data.metrics, run.data.tags


def _raise(exc):
    def train():
        raise exc

    return train


def test_a_failure_is_failed_with_its_reason_and_the_ending_is_logged(logger):
    seen = []

    def ending(status, result, error):
        seen.append((status, result, error))
        return Ending(metrics={"objective": 0.25}, tags={"optuna_state": "FAIL"})

    outcome = run_tracked(logger, _raise(ValueError("loss is NaN")), ending=ending)
    status, reason, metrics, tags = _read(logger)
    assert outcome.status == status == "FAILED"
    assert reason == outcome.reason == "ValueError: loss is NaN"
    assert metrics["objective"] == 0.25 and tags["optuna_state"] == "FAIL"
    assert [(s, r, type(e)) for s, r, e in seen] == [("FAILED", None, ValueError)]


def test_a_stopped_by_exception_is_killed_not_failed(logger):
    outcome = run_tracked(
        logger, _raise(Stop("pruned at epoch 2")), stopped_by=(Stop,),
        ending=lambda *_: Ending(tags={"optuna_state": "PRUNED"}),
    )  # fmt: skip
    status, reason, _, tags = _read(logger)
    assert outcome.status == status == "KILLED"
    assert reason == "pruned at epoch 2" and tags["optuna_state"] == "PRUNED"


def test_a_preempted_run_is_killed_and_re_raised(logger):
    with pytest.raises(Preempted):
        run_tracked(logger, _raise(Preempted("SIGTERM")))
    status, reason, _, _ = _read(logger)
    assert status == "KILLED"
    assert reason.startswith("preempted")
