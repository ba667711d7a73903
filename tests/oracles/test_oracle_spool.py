"""A spool replay restores every record written while the server was down, in order, none twice:
written against a stopped real `mlflow server`, replayed into a restarted one on the same store,
read back with MlflowClient."""

from __future__ import annotations

import pytest
from mlflow.tracking import MlflowClient

from benchmark.tracking import spool
from benchmark.tracking.runs import RunWriter
from tests.support.mlflow_server import running_mlflow_server

EPOCHS = 4


def test_replay_restores_every_buffered_epoch_in_order_once(tmp_path, monkeypatch):
    monkeypatch.setenv("VITBENCH_HOME", str(tmp_path / "home"))
    uri = f"sqlite:///{(tmp_path / 'mlflow.db').resolve()}"
    with running_mlflow_server(uri, tmp_path / "first") as server:
        client = MlflowClient(server.url)
        run_id = client.create_run(client.create_experiment("spool")).info.run_id
        client.log_metric(run_id, "loss", 9.0, step=0)  # delivered before the outage
        dead = MlflowClient(server.url)

    writer = RunWriter(dead, run_id)
    expected = []
    for epoch in range(1, EPOCHS + 1):
        row = {"loss": 1.0 / epoch, "val_accuracy": epoch / 10}
        writer.log(metrics=row, params={"p": "x"} if epoch == 1 else None, step=epoch)
        expected.append((epoch, row))
    writer.terminate("FINISHED")
    assert writer.offline and spool.has_pending(run_id)

    with running_mlflow_server(uri, tmp_path / "second") as server:
        client = MlflowClient(server.url)
        assert spool.replay(client, run_id) is True
        assert spool.replay(client, run_id) is True  # nothing left to apply twice
        run = client.get_run(run_id)
        history = client.get_metric_history(run_id, "loss")
        ordered = sorted(history, key=lambda m: (m.timestamp, m.step))
        assert [(m.step, m.value) for m in ordered] == [(0, 9.0)] + [
            (e, pytest.approx(row["loss"])) for e, row in expected
        ]
        val = client.get_metric_history(run_id, "val_accuracy")
        assert sorted((m.step, m.value) for m in val) == [
            (e, pytest.approx(row["val_accuracy"])) for e, row in expected
        ]
    assert run.data.params == {"p": "x"} and run.info.status == "FINISHED"
    assert not spool.has_pending(run_id)
