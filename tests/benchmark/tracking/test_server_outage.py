"""The tracking server dies mid-matrix and comes back: training goes on, the per-epoch record
is kept in the local spool and delivered in order, so every epoch is recorded exactly once."""

from __future__ import annotations

import time

import pytest
from mlflow.tracking import MlflowClient

from tests.support.cli import start_vitbench, wait_for_epoch
from tests.support.mlflow_server import start_mlflow_server

EPOCHS = 8
ARGS = [
    "--preset",
    "smoke",
    "--models",
    "vit,eanet",
    "--seeds",
    "0",
    "--epochs",
    str(EPOCHS),
    "--set",
    "data.synthetic_examples=1200",
    "--set",
    "model.hidden_dim=32",
    "--set",
    "train.batch_size=32",
    "--experiment",
    "outage",
]


@pytest.mark.slow
def test_server_outage_mid_matrix_loses_no_metric(tmp_path):
    workdir = tmp_path / "server"
    backend = f"sqlite:///{(workdir / 'mlflow.db').resolve()}"
    server = start_mlflow_server(backend, workdir)
    port = int(server.url.rsplit(":", 1)[1])
    process = start_vitbench([*ARGS, "--tracking-uri", server.url], tmp_path)
    try:
        wait_for_epoch(lambda: MlflowClient(server.url), "outage", 2, process)
        server.stop()
        spool = tmp_path / ".vitbench" / "spool"
        deadline = time.monotonic() + 120
        while not any(spool.glob("*/ops.jsonl")) and time.monotonic() < deadline:
            assert process.poll() is None, process.stdout.read()
            time.sleep(0.1)
        assert any(spool.glob("*/ops.jsonl")), "nothing was spooled while the server was down"
        time.sleep(3)  # let training run on while the server is away
        server = start_mlflow_server(backend, workdir, port=port)
        output, _ = process.communicate(timeout=300)
        assert process.returncode == 0, output
    finally:
        if process.poll() is None:
            process.kill()
        server.stop()
        server = start_mlflow_server(backend, workdir, port=port)
    try:
        client = MlflowClient(server.url)
        exp = client.get_experiment_by_name("outage")
        runs = client.search_runs([exp.experiment_id], "tags.`vitbench.kind` = 'cell'")
        assert len(runs) == 2
        for run in runs:
            assert run.info.status == "FINISHED"
            for key in ("loss", "val_accuracy", "train_images_per_s"):
                steps = [m.step for m in client.get_metric_history(run.info.run_id, key)]
                assert sorted(steps) == list(range(1, EPOCHS + 1)), (key, steps)
            assert "test_accuracy" in run.data.metrics
        assert not any((tmp_path / ".vitbench" / "spool").glob("*/ops.jsonl"))
    finally:
        server.stop()
