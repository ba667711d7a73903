"""A real MLflow SQLite store holding schema-true runs, built once per session.

Experiments:
- ``vitbench``: matrix ``matrix-demo-...`` (vit, vit_sl, eanet x seeds 0-4, 3 epochs), plus one
  FAILED and one KILLED cell; study ``tune-eanet`` (8 trials, one PRUNED, two objectives).
- ``small``: an older matrix (vit_sl x seeds 0-2) and a newer one (vit, eanet x seeds 0-2);
  the old matrix also holds a vit seed-0 cell with the same config hash as the new one.
- ``broken``: a matrix whose only cells FAILED.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from mlflow import MlflowClient
from mlflow.entities import Metric, Param

EPOCHS = 3
PARAMS_TOTAL = {"vit": 120_000, "vit_sl": 121_000, "eanet": 40_000}
BASE_ACC = {"vit": 0.60, "vit_sl": 0.66, "eanet": 0.55}
T0 = 1_700_000_000_000


@dataclass(frozen=True)
class Store:
    uri: str
    root: Path
    matrix_id: str
    study_id: str
    small_old_id: str
    small_new_id: str
    broken_id: str
    failed_id: str
    killed_id: str
    pruned_id: str


def _parent(client: MlflowClient, exp: str, name: str, tags: dict, start: int) -> str:
    run = client.create_run(exp, run_name=name, tags=tags, start_time=start)
    client.set_terminated(run.info.run_id, "FINISHED")
    return run.info.run_id


def log_child(
    client: MlflowClient,
    exp: str,
    parent: str,
    *,
    model: str,
    seed: int,
    preset: str,
    acc: float,
    start: int,
    status: str = "FINISHED",
    kind: str = "cell",
    config_hash: str | None = None,
    extra_tags: dict | None = None,
    extra_params: dict | None = None,
    extra_metrics: dict | None = None,
) -> str:
    """One cell/trial run exactly as a vitbench cell run is logged."""
    dataset = "digits"
    tags = {
        "mlflow.parentRunId": parent,
        "vitbench.kind": kind,
        "model": model,
        "seed": str(seed),
        "preset": preset,
        "dataset": dataset,
        "dataset_digest": "ab12cd34ef56ab78",
        "config_hash": config_hash or f"{preset}-{model}-{seed}",
        "git_commit": "0" * 40,
        "version.keras": "3.15.1",
        "version.tensorflow": "2.21.0",
        "version.mlflow": "3.17.2",
        "version.optuna": "5.0.0",
        "version.numpy": "2.3.0",
        "version.python": "3.12.3",
        "backend": "tensorflow",
        "determinism.op_determinism": "true",
        "determinism.onednn": "false",
        "hardware": "cpu:2",
        **(extra_tags or {}),
    }
    run = client.create_run(exp, run_name=f"{model}-seed{seed}", tags=tags, start_time=start)
    rid = run.info.run_id
    params = {
        "model.name": model,
        "model.hidden_dim": 32,
        "model.depth": 2,
        "model.num_heads": 2,
        "model.patch_size": 2,
        "model.dim_coefficient": 4,
        "data.dataset": dataset,
        "data.image_size": 8,
        "train.epochs": EPOCHS,
        "train.batch_size": 64,
        "train.learning_rate": 0.001,
        "seed": seed,
        "preset": preset,
        "params_total": PARAMS_TOTAL[model],
        "params_trainable": PARAMS_TOTAL[model] - 7,
        "params_non_trainable": 7,
        "flops_per_image": PARAMS_TOTAL[model] * 30,
        **(extra_params or {}),
    }
    metrics = []
    for epoch in range(1, EPOCHS + 1):
        frac = epoch / EPOCHS
        per_epoch = {
            "loss": 2.5 - frac,
            "accuracy": acc * frac,
            "top5_accuracy": min(1.0, acc * frac + 0.3),
            "val_loss": 2.6 - frac + seed * 0.01,
            "val_accuracy": acc * frac - 0.01 * seed,
            "val_top5_accuracy": min(1.0, acc * frac + 0.25),
            "learning_rate": 0.001 / epoch,
            "epoch_time_s": 2.0,
            "train_images_per_s": 400.0 + 10 * seed + (50 if model == "eanet" else 0),
        }
        metrics += [Metric(k, float(v), T0, epoch) for k, v in per_epoch.items()]
    if status == "FINISHED":
        final = {
            "test_loss": 1.5,
            "test_accuracy": acc,
            "test_top5_accuracy": min(1.0, acc + 0.3),
            "best_val_accuracy": acc - 0.01 * seed,
            "best_epoch": EPOCHS - (seed % 2),
            "train_time_s": 6.0 + seed,
            "inference_images_per_s": 2000.0 - 100 * seed,
            "latency_batch1_ms": 3.0 + seed / 10,
            "params_total": PARAMS_TOTAL[model],
            "params_trainable": PARAMS_TOTAL[model] - 7,
            "params_non_trainable": 7,
            "flops_per_image": PARAMS_TOTAL[model] * 30,
            **(extra_metrics or {}),
        }
        metrics += [Metric(k, float(v), T0, 0) for k, v in final.items()]
    elif extra_metrics:
        metrics += [Metric(k, float(v), T0, 0) for k, v in extra_metrics.items()]
    client.log_batch(rid, metrics=metrics, params=[Param(k, str(v)) for k, v in params.items()])
    client.set_terminated(rid, status)
    return rid


def _matrix_tags(preset: str) -> dict:
    return {"vitbench.kind": "matrix", "vitbench.preset": preset, "vitbench.matrix_hash": "m1"}


def _build(root: Path) -> Store:
    uri = f"sqlite:///{root / 'mlflow.db'}"
    client = MlflowClient(tracking_uri=uri)
    art = (root / "artifacts").as_uri()
    exp = client.create_experiment("vitbench", artifact_location=art + "/vitbench")
    rng = np.random.default_rng(123)
    matrix = _parent(client, exp, "matrix-demo-20240101T000000Z", _matrix_tags("demo"), T0)
    t = T0 + 1
    for model in ("vit", "vit_sl", "eanet"):
        for seed in range(5):
            acc = float(np.round(BASE_ACC[model] + rng.normal(0, 0.02), 4))
            log_child(client, exp, matrix, model=model, seed=seed, preset="demo", acc=acc, start=t)
            t += 1
    # Unfinished cells carry absurd metrics so any leak into the statistics is visible.
    failed = log_child(
        client, exp, matrix, model="vit", seed=5, preset="demo", acc=0.99, start=t,
        status="FAILED", extra_tags={"failure_reason": "NaN loss at epoch 2"},
        extra_metrics={"test_accuracy": 0.99},
    )  # fmt: skip
    killed = log_child(
        client, exp, matrix, model="eanet", seed=5, preset="demo", acc=0.01, start=t + 1,
        status="KILLED", extra_metrics={"test_accuracy": 0.01},
    )  # fmt: skip

    study_tags = {"vitbench.kind": "study", "vitbench.preset": "demo"}
    study_tags["vitbench.study_name"] = "tune-eanet"
    study = _parent(client, exp, "study-tune-eanet", study_tags, T0 + 100)
    pruned = ""
    for number in range(8):
        dim, heads = (2, 4)[number % 2], (2, 4)[(number // 2) % 2]
        acc = 0.5 + 0.05 * (dim == 4) + 0.01 * (heads == 4) + 0.001 * number
        state = "PRUNED" if number == 7 else "COMPLETE"
        rid = log_child(
            client, exp, study, model="eanet", seed=0, preset="demo", acc=acc, kind="trial",
            start=T0 + 101 + number, config_hash=f"trial-{number}",
            extra_tags={"optuna.study_name": "tune-eanet", "optuna.trial_number": str(number),
                        "optuna.state": state},
            extra_params={"model.dim_coefficient": dim, "model.num_heads": heads},
            extra_metrics={"objective": acc, "objective_1": 0.03 + 0.01 * dim},
        )  # fmt: skip
        pruned = rid if state == "PRUNED" else pruned

    small = client.create_experiment("small", artifact_location=art + "/small")
    old = _parent(client, small, "matrix-smoke-old", _matrix_tags("smoke"), T0 + 200)
    for seed in range(3):
        log_child(client, small, old, model="vit_sl", seed=seed, preset="smoke",
                  acc=0.3 + 0.01 * seed, start=T0 + 201 + seed)  # fmt: skip
    log_child(client, small, old, model="vit", seed=0, preset="smoke", acc=0.9, start=T0 + 205)
    new = _parent(client, small, "matrix-smoke-new", _matrix_tags("smoke"), T0 + 300)
    for i, (model, seed) in enumerate((m, s) for m in ("vit", "eanet") for s in range(3)):
        log_child(client, small, new, model=model, seed=seed, preset="smoke",
                  acc=0.2 + 0.02 * i, start=T0 + 301 + i)  # fmt: skip

    broken_exp = client.create_experiment("broken", artifact_location=art + "/broken")
    broken = _parent(client, broken_exp, "matrix-broken", _matrix_tags("smoke"), T0 + 400)
    for seed in range(2):
        log_child(client, broken_exp, broken, model="vit", seed=seed, preset="smoke", acc=0.1,
                  start=T0 + 401 + seed, status="FAILED",
                  extra_tags={"failure_reason": "OOM"})  # fmt: skip
    return Store(uri, root, matrix, study, old, new, broken, failed, killed, pruned)


@pytest.fixture(scope="session")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """The shared store; tests must not add runs to it (build a private one instead)."""
    return _build(tmp_path_factory.mktemp("store"))


@pytest.fixture(scope="session")
def client(store: Store) -> MlflowClient:
    return MlflowClient(tracking_uri=store.uri)
