"""What MLflow holds is what happened: per-epoch histories equal Keras' own History and the run's
history.csv, and the best-epoch summary is the best epoch, against a real tracking server."""

from __future__ import annotations

import csv
import tempfile

import numpy as np
import pytest
from mlflow.tracking import MlflowClient

from benchmark.config import resolve_config
from benchmark.tracking import runs as tracking
from benchmark.tracking.run_logger import RunLogger, lineage_tags
from benchmark.training.loop import TrainResult, train_and_evaluate

EPOCHS = 4
# learning fast on a tiny split: validation accuracy peaks before the last epoch, so "best" and
# "last" differ (checked below, so the test keeps its teeth if the data ever change)
OVERRIDES = {"data": {"synthetic_examples": 96}, "train": {"epochs": EPOCHS, "learning_rate": 0.03}}
KERAS_KEYS = ("loss", "accuracy", "top5_accuracy", "val_loss", "val_accuracy", "val_top5_accuracy")


@pytest.fixture(scope="module")
def logged(mlflow_server):
    client = MlflowClient(mlflow_server.url)
    config = resolve_config("smoke", "vit", 0, OVERRIDES)
    experiment_id = tracking.get_experiment_id(client, "logged-values", mlflow_server.url)
    run_id = tracking.create_run(client, experiment_id, "cell", lineage_tags(config, "cell"))
    logger = RunLogger(client, run_id, config)
    result = train_and_evaluate(config, logger)
    logger.finish(result)
    return client, run_id, result


def _history(client: MlflowClient, run_id: str, key: str) -> dict[int, float]:
    return {m.step: m.value for m in client.get_metric_history(run_id, key)}


def test_mlflow_histories_equal_keras_history_and_history_csv(logged):
    client, run_id, result = logged
    path = client.download_artifacts(run_id, "history.csv", tempfile.mkdtemp())
    with open(path) as handle:
        rows = list(csv.DictReader(handle))
    assert [int(r["epoch"]) for r in rows] == list(range(1, EPOCHS + 1))
    for key in KERAS_KEYS:
        keras_values = dict(enumerate(result.keras_history[key], start=1))
        assert _history(client, run_id, key) == keras_values, key
        assert {int(r["epoch"]): float(r[key]) for r in rows} == keras_values, key
    # validation and training values are different numbers, so a mix-up cannot pass
    assert result.keras_history["val_loss"] != result.keras_history["loss"]


def test_best_epoch_is_the_best_not_the_last(logged):
    client, run_id, _ = logged
    val = _history(client, run_id, "val_accuracy")
    best_epoch = min(step for step, value in val.items() if value == max(val.values()))
    assert best_epoch != EPOCHS, "precondition: the best epoch is not the last one"
    metrics = client.get_run(run_id).data.metrics
    assert metrics["best_val_accuracy"] == max(val.values())
    assert metrics["best_epoch"] == best_epoch


def test_best_epoch_of_a_history_is_one_based_and_first_of_ties():
    history = [
        {"epoch": 1, "val_accuracy": 0.5},
        {"epoch": 2, "val_accuracy": 0.9},
        {"epoch": 3, "val_accuracy": 0.7},
        {"epoch": 4, "val_accuracy": 0.9},
    ]
    result = TrainResult(
        config=None, history=history, test={}, train_time_s=0.0, inference_images_per_s=0.0,
        latency_batch1_ms=0.0, latency_batch1_p95_ms=0.0, params={"total": 0, "trainable": 0,
        "non_trainable": 0}, flops_per_image=0, dataset_digest="", model=None,
    )  # fmt: skip
    assert result.best_epoch == 2 and result.best_val_accuracy == 0.9
    assert np.isclose(result.final_metrics()["best_epoch"], 2.0)
