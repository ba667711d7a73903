"""RunWriter and `logged_epochs` against a real local SQLite MLflow store, read back through
MLflow's own client: a run with spooled writes keeps spooling (its writes replay in order), and
the logged epochs are exactly the steps of the `loss` history."""

from __future__ import annotations

from mlflow.tracking import MlflowClient

from benchmark.tracking import spool
from benchmark.tracking.runs import RunWriter, logged_epochs


def _run(tmp_path):
    client = MlflowClient(tracking_uri=f"sqlite:///{tmp_path}/mlflow.db")
    experiment = client.create_experiment("w", artifact_location=str(tmp_path / "art"))
    return client, client.create_run(experiment).info.run_id


def test_a_run_with_spooled_writes_keeps_spooling_until_the_replay(tmp_path, monkeypatch):
    monkeypatch.setenv("VITBENCH_HOME", str(tmp_path / "home"))
    client, run_id = _run(tmp_path)
    spool.append(run_id, {"op": "batch", "metrics": {"loss": 3.0}, "params": {}, "tags": {},
                          "step": 1, "ts": 1000})  # fmt: skip
    writer = RunWriter(client, run_id)
    writer.log(metrics={"loss": 2.0}, step=2)
    assert client.get_metric_history(run_id, "loss") == []  # behind the spooled epoch 1
    assert writer.flush()
    history = sorted(client.get_metric_history(run_id, "loss"), key=lambda m: m.step)
    assert [(m.step, m.value) for m in history] == [(1, 3.0), (2, 2.0)]


def test_logged_epochs_are_the_steps_of_the_loss_history(tmp_path):
    client, run_id = _run(tmp_path)
    for step in (1, 2, 4):
        client.log_metric(run_id, "loss", 1.0 / step, step=step)
    client.log_metric(run_id, "val_loss", 1.0, step=7)
    assert logged_epochs(client, run_id) == {1, 2, 4}
