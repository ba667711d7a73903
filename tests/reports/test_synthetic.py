"""The perf helper writes schema-true runs the report can read."""

from __future__ import annotations

from mlflow import MlflowClient

from reports.build import build_report
from reports.synthetic import populate_store

FINAL = {"test_accuracy", "test_top5_accuracy", "best_val_accuracy", "best_epoch", "train_time_s"}
FINAL |= {"inference_images_per_s", "latency_batch1_ms", "params_total", "flops_per_image"}


def test_populate_store_is_schema_true_and_reportable(tmp_path):
    uri = f"sqlite:///{tmp_path / 'perf.db'}"
    parent = populate_store(uri, 7, epochs=4)
    client = MlflowClient(tracking_uri=uri)
    children = client.search_runs(
        [client.get_run(parent).info.experiment_id], f"tags.mlflow.parentRunId = '{parent}'"
    )
    assert len(children) == 7
    assert client.get_run(parent).data.tags["vitbench.kind"] == "matrix"
    for run in children:
        assert run.info.status == "FINISHED"
        assert run.data.tags["vitbench.kind"] == "cell"
        assert run.data.tags["model"] in run.info.run_name
        assert set(run.data.metrics) >= FINAL and "model.patch_size" in run.data.params
        steps = [m.step for m in client.get_metric_history(run.info.run_id, "val_accuracy")]
        assert sorted(steps) == [1, 2, 3, 4]
    result = build_report(tracking_uri=uri, run_id=parent, out_dir=tmp_path / "out")
    assert result.stats["n"].to_dict() == {"eanet": 2, "vit": 3, "vit_sl": 2}
