"""Fake but schema-true runs for timing the report on large stores.

For ``vitbench perf`` only; the real report never calls this. Three store calls per run
(create_run with tags, one log_batch, set_terminated) keep 1,000 runs to tens of seconds.
"""

from __future__ import annotations

import time

import numpy as np
from mlflow import MlflowClient
from mlflow.entities import Metric, Param, RunStatus

MODELS = {"vit": (21_749_803, 0.53), "vit_sl": (21_778_539, 0.56), "eanet": (361_387, 0.45)}


def _child(rng: np.random.Generator, model: str, seed: int, epochs: int, now_ms: int) -> tuple:
    params_total, base = MODELS[model]
    acc = float(np.clip(base + rng.normal(0, 0.02), 0, 1))
    params = {
        "model.name": model,
        "model.hidden_dim": 64,
        "model.depth": 8,
        "model.num_heads": 4,
        "model.patch_size": 2,
        "model.dim_coefficient": 4,
        "data.dataset": "synthetic",
        "data.image_size": 16,
        "train.epochs": epochs,
        "train.batch_size": 128,
        "train.learning_rate": 0.001,
        "seed": seed,
        "preset": "perf",
        "params_total": params_total,
        "params_trainable": params_total - 7,
        "params_non_trainable": 7,
        "flops_per_image": params_total * 40,
    }
    metrics = []
    for epoch in range(1, epochs + 1):
        frac = epoch / epochs
        values = {
            "loss": 4.0 - 2 * frac,
            "accuracy": acc * frac,
            "top5_accuracy": min(1.0, 1.5 * acc * frac),
            "val_loss": 4.2 - 2 * frac + rng.normal(0, 0.05),
            "val_accuracy": acc * frac + rng.normal(0, 0.01),
            "val_top5_accuracy": min(1.0, 1.5 * acc * frac),
            "learning_rate": 0.001 * (1 - frac),
            "epoch_time_s": 10.0,
            "train_images_per_s": 300 + rng.normal(0, 10),
        }
        metrics += [Metric(k, float(v), now_ms, epoch) for k, v in values.items()]
    final = {
        "test_loss": 2.0,
        "test_accuracy": acc,
        "test_top5_accuracy": min(1.0, 1.5 * acc),
        "best_val_accuracy": acc + 0.01,
        "best_epoch": epochs,
        "train_time_s": 10.0 * epochs,
        "inference_images_per_s": 1000.0,
        "latency_batch1_ms": 5.0,
        "params_total": params_total,
        "params_trainable": params_total - 7,
        "params_non_trainable": 7,
        "flops_per_image": params_total * 40,
    }
    metrics += [Metric(k, float(v), now_ms, 0) for k, v in final.items()]
    return [Param(k, str(v)) for k, v in params.items()], metrics


def populate_store(
    tracking_uri: str, n_runs: int, epochs: int = 10, experiment: str = "vitbench"
) -> str:
    """Log one matrix parent with ``n_runs`` FINISHED children; returns the parent run id."""
    client = MlflowClient(tracking_uri=tracking_uri)
    found = client.get_experiment_by_name(experiment)
    exp_id = found.experiment_id if found else client.create_experiment(experiment)
    rng = np.random.default_rng(0)
    now_ms = int(time.time() * 1000)
    parent = client.create_run(
        exp_id,
        run_name=f"matrix-perf-{n_runs}",
        tags={"vitbench.kind": "matrix", "vitbench.preset": "perf", "vitbench.matrix_hash": "perf"},
        start_time=now_ms,
    )
    pid = parent.info.run_id
    models = list(MODELS)
    for i in range(n_runs):
        model, seed = models[i % len(models)], i // len(models)
        tags = {
            "mlflow.parentRunId": pid,
            "vitbench.kind": "cell",
            "model": model,
            "seed": str(seed),
            "preset": "perf",
            "dataset": "synthetic",
            "dataset_digest": "0" * 16,
            "config_hash": f"{model}-{seed}",
            "backend": "tensorflow",
            "hardware": "synthetic",
        }
        child = client.create_run(exp_id, run_name=f"{model}-s{seed}", tags=tags, start_time=now_ms)
        params, metrics = _child(rng, model, seed, epochs, now_ms)
        client.log_batch(child.info.run_id, metrics=metrics, params=params, synchronous=True)
        client.set_terminated(child.info.run_id, RunStatus.to_string(RunStatus.FINISHED))
    client.set_terminated(pid, "FINISHED")
    return pid
