"""Fake but schema-true runs for timing the report on large stores.

For ``vitbench perf`` only; the real report never calls this. The parent goes through
MlflowClient; the children are bulk-inserted into MLflow's own SQL tables (its ORM models, one
transaction), because one client call per run costs ~70 ms and 10,000 runs would take minutes.
Each child has exactly the rows ``create_run`` + ``log_batch`` + ``set_terminated`` would write.
"""

from __future__ import annotations

import time
import uuid

import numpy as np
from mlflow import MlflowClient
from mlflow.store.tracking.dbmodels.models import (
    SqlLatestMetric,
    SqlMetric,
    SqlParam,
    SqlRun,
    SqlTag,
)
from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore
from mlflow.utils.mlflow_tags import MLFLOW_RUN_NAME, MLFLOW_USER
from sqlalchemy import insert

from reports import names
from reports.names import Kind, Status

MODELS = {"vit": (21_749_803, 0.53), "vit_sl": (21_778_539, 0.56), "eanet": (361_387, 0.45)}


def _params(model: str, seed: int, epochs: int) -> dict[str, object]:
    params_total = MODELS[model][0]
    return {
        "model.name": model,
        "model.hidden_dim": 64,
        "model.depth": 8,
        "model.num_heads": 4,
        "model.patch_size": 2,
        "model.dim_coefficient": 4,
        "data.dataset": "synthetic",
        "data.image_size": 16,
        "input_size": 16,
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


def _metrics(rng: np.random.Generator, model: str, epochs: int) -> list[tuple[str, float, int]]:
    """(key, value, step): per-epoch metrics at step = epoch, final metrics at step 0."""
    params_total, base = MODELS[model]
    acc = float(np.clip(base + rng.normal(0, 0.02), 0, 1))
    rows: list[tuple[str, float, int]] = []
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
        rows += [(k, float(v), epoch) for k, v in values.items()]
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
    return rows + [(k, float(v), 0) for k, v in final.items()]


def _tags(pid: str, model: str, seed: int, name: str) -> dict[str, str]:
    return {
        names.PARENT_RUN_ID: pid,
        MLFLOW_RUN_NAME: name,
        MLFLOW_USER: "perf",
        names.KIND: Kind.CELL.value,
        names.MODEL: model,
        names.SEED: str(seed),
        names.PRESET: "perf",
        names.DATASET: "synthetic",
        names.DATASET_DIGEST: "0" * 16,
        names.CONFIG_HASH: f"{model}-{seed}",
        "backend": "tensorflow",
        names.HARDWARE: "synthetic",
    }


def _sql_store(client: MlflowClient) -> SqlAlchemyStore:
    store = client._tracking_client.store  # the client's own store: same engine, same schema
    if not isinstance(store, SqlAlchemyStore):
        raise ValueError("populate_store writes to a SQL tracking store (sqlite:///...) only")
    return store


def populate_store(
    tracking_uri: str, n_runs: int, epochs: int = 10, experiment: str = "vitbench"
) -> str:
    """Log one matrix parent with ``n_runs`` FINISHED children; returns the parent run id."""
    client = MlflowClient(tracking_uri=tracking_uri)
    store = _sql_store(client)
    found = client.get_experiment_by_name(experiment)
    exp_id = found.experiment_id if found else client.create_experiment(experiment)
    artifact_root = client.get_experiment(exp_id).artifact_location
    rng = np.random.default_rng(0)
    now_ms = int(time.time() * 1000)
    parent = client.create_run(
        exp_id,
        run_name=f"matrix-perf-{n_runs}",
        tags={names.KIND: Kind.MATRIX, names.MATRIX_PRESET: "perf", names.MATRIX_HASH: "perf"},
        start_time=now_ms,
    )
    pid = parent.info.run_id
    models = list(MODELS)
    runs, tags, params, metrics, latest = [], [], [], [], []
    finished = Status.FINISHED.value  # the SQL row's status column
    for i in range(n_runs):
        model, seed = models[i % len(models)], i // len(models)
        rid, name = uuid.uuid4().hex, f"{model}-s{seed}"
        runs.append(
            {
                "run_uuid": rid, "name": name, "experiment_id": int(exp_id),
                "artifact_uri": f"{artifact_root}/{rid}/artifacts", "source_type": "UNKNOWN",
                "source_name": "", "entry_point_name": "", "user_id": "perf",
                "status": finished, "start_time": now_ms + i, "end_time": now_ms + i + 1,
                "deleted_time": None, "source_version": "", "lifecycle_stage": "active",
            }
        )  # fmt: skip
        tags += [
            {"key": k, "value": v, "run_uuid": rid}
            for k, v in _tags(pid, model, seed, name).items()
        ]
        params += [
            {"key": k, "value": str(v), "run_uuid": rid}
            for k, v in _params(model, seed, epochs).items()
        ]
        last: dict[str, tuple[float, int]] = {}
        for key, value, step in _metrics(rng, model, epochs):
            row = {"key": key, "value": value, "timestamp": now_ms, "step": step, "is_nan": False}
            metrics.append({**row, "run_uuid": rid})
            if key not in last or step >= last[key][1]:
                last[key] = (value, step)
        latest += [
            {"key": k, "value": v, "timestamp": now_ms, "step": s, "is_nan": False, "run_uuid": rid}
            for k, (v, s) in last.items()
        ]
    with store.engine.begin() as conn:
        for model_cls, rows in ((SqlRun, runs), (SqlTag, tags), (SqlParam, params)):
            conn.execute(insert(model_cls), rows)
        conn.execute(insert(SqlMetric), metrics)
        conn.execute(insert(SqlLatestMetric), latest)
    client.set_terminated(pid, Status.FINISHED)
    return pid
