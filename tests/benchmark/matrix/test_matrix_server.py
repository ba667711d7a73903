"""The matrix against a real `mlflow server` over HTTP: one parent, a child per cell, every
param, one metric point per epoch, artifacts, and a logged model that predicts like the run."""

from __future__ import annotations

import mlflow
import mlflow.models
import numpy as np
import pytest
from mlflow.tracking import MlflowClient

from benchmark.config import resolve_config
from tests.support.cli import TINY, run_vitbench

EPOCH_METRICS = (
    "loss",
    "accuracy",
    "top5_accuracy",
    "val_loss",
    "val_accuracy",
    "val_top5_accuracy",
    "learning_rate",
    "epoch_time_s",
    "epoch_setup_s",
    "train_images_per_s",
)
FINAL_METRICS = (
    "test_loss",
    "test_accuracy",
    "test_top5_accuracy",
    "best_val_accuracy",
    "best_epoch",
    "train_time_s",
    "inference_images_per_s",
    "latency_batch1_ms",
    "params_total",
    "params_trainable",
    "params_non_trainable",
    "flops_per_image",
)
ARTIFACTS = (
    "config.yaml",
    "model_summary.txt",
    "history.csv",
    "learning_curves.png",
    "environment.json",
)
OVERRIDES = {"data": {"synthetic_examples": 160}, "train": {"batch_size": 32, "epochs": 2}}


def _check_matrix(server_url: str, workdir, experiment: str) -> None:
    args = [
        *TINY,
        "--models",
        "vit_sl,eanet",
        "--seeds",
        "0,1",
        "--epochs",
        "2",
        "--tracking-uri",
        server_url,
        "--experiment",
        experiment,
    ]
    done = run_vitbench(args, workdir)
    assert done.returncode == 0, done.stdout + done.stderr
    mlflow.set_tracking_uri(server_url)
    client = MlflowClient(server_url)
    exp = client.get_experiment_by_name(experiment)
    parents = client.search_runs([exp.experiment_id], "tags.`vitbench.kind` = 'matrix'")
    children = client.search_runs([exp.experiment_id], "tags.`vitbench.kind` = 'cell'")
    assert len(parents) == 1 and parents[0].info.status == "FINISHED"
    assert len(children) == 4
    assert {(r.data.tags["model"], r.data.tags["seed"]) for r in children} == {
        ("vit_sl", "0"),
        ("vit_sl", "1"),
        ("eanet", "0"),
        ("eanet", "1"),
    }
    for run in children:
        run_id, tags = run.info.run_id, run.data.tags
        assert run.info.status == "FINISHED"
        assert tags["mlflow.parentRunId"] == parents[0].info.run_id
        for key in (
            "preset",
            "dataset",
            "dataset_digest",
            "config_hash",
            "git_commit",
            "version.keras",
            "determinism.op_determinism",
            "backend",
        ):
            assert tags.get(key), key
        assert tags["determinism.op_determinism"] == "true"  # the smoke preset's default
        assert tags["numerics.jit_compile"] == "false"  # what "auto"/"false" resolved to
        assert tags["numerics.compute_dtype"] == "float32"
        expected = resolve_config("smoke", tags["model"], int(tags["seed"]), OVERRIDES)
        assert tags["config_hash"] == expected.config_hash()
        built = {"model.tokenizer", "model.attention"}  # logged as built, not as "None"
        for key, value in expected.flatten().items():
            if key not in built:
                assert run.data.params[key] == str(value), key
        _check_metadata(run, expected)
        assert int(run.data.params["params_total"]) == int(run.data.metrics["params_total"]) > 0
        for key in EPOCH_METRICS:
            history = client.get_metric_history(run_id, key)
            assert sorted(m.step for m in history) == [1, 2], key
        setup = {m.step: m.value for m in client.get_metric_history(run_id, "epoch_setup_s")}
        epoch = {m.step: m.value for m in client.get_metric_history(run_id, "epoch_time_s")}
        assert all(0.0 <= setup[step] < epoch[step] for step in (1, 2)), (setup, epoch)
        for key in FINAL_METRICS:
            assert key in run.data.metrics, key
        assert 0.0 <= run.data.metrics["test_accuracy"] <= 1.0
        listed = {a.path for a in client.list_artifacts(run_id)}
        assert set(ARTIFACTS) <= listed, listed
        _check_history_csv(client, run_id)
        assert run.inputs.dataset_inputs, "dataset lineage missing"
        models = client.search_logged_models(
            [exp.experiment_id], filter_string=f"source_run_id = '{run_id}'"
        )
        assert [m.name for m in models] == [f"{tags['model']}-s{tags['seed']}-smoke"]
        info = mlflow.models.get_model_info(f"models:/{models[0].model_id}")
        assert info.signature is not None and info.signature.inputs is not None
    _check_logged_model(children[0])


def _check_logged_model(run) -> None:
    """The logged model reproduces the run's own test accuracy on the test split."""
    import mlflow.keras

    import benchmark.layers  # noqa: F401  registers the custom layers, as a user must
    from benchmark.data.augment import Augmenter, Normalizer
    from benchmark.data.loading import load_dataset

    name = run.data.tags["vitbench.logged_model"]
    model = mlflow.keras.load_model(f"runs:/{run.info.run_id}/{name}")
    config = resolve_config("smoke", run.data.tags["model"], int(run.data.tags["seed"]), OVERRIDES)
    data = load_dataset(config.data)
    augmenter = Augmenter(config.augment, Normalizer(data.x_train), data.image_size)
    logits = model.predict(np.asarray(augmenter.inference(data.x_test)), verbose=0)
    accuracy = float(np.mean(np.argmax(logits, axis=1) == data.y_test))
    assert accuracy == pytest.approx(run.data.metrics["test_accuracy"], abs=1e-6)


@pytest.mark.slow
def test_matrix_on_sqlite_server(mlflow_server, tmp_path):
    _check_matrix(mlflow_server.url, tmp_path, "matrix-sqlite")


@pytest.mark.slow
@pytest.mark.postgres
def test_matrix_on_postgres_server(postgres_mlflow_server, tmp_path):
    _check_matrix(postgres_mlflow_server.url, tmp_path, "matrix-postgres")


@pytest.mark.slow
def test_rerun_creates_no_new_child_runs(mlflow_server, tmp_path):
    args = [
        *TINY,
        "--models",
        "vit",
        "--seeds",
        "0",
        "--epochs",
        "1",
        "--tracking-uri",
        mlflow_server.url,
        "--experiment",
        "rerun",
    ]
    first = run_vitbench(args, tmp_path)
    assert first.returncode == 0, first.stdout + first.stderr
    second = run_vitbench(args, tmp_path)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "skipped: already FINISHED" in second.stdout
    client = MlflowClient(mlflow_server.url)
    exp = client.get_experiment_by_name("rerun")
    assert len(client.search_runs([exp.experiment_id], "tags.`vitbench.kind` = 'cell'")) == 1


def test_unreachable_server_fails_fast_naming_the_uri(tmp_path, monkeypatch, capsys):
    """In-process: the preflight refuses at once (no 7 MLflow retries with backoff)."""
    import time

    from benchmark.cli.main import main
    from tests.support.mlflow_server import free_port

    monkeypatch.chdir(tmp_path)
    uri = f"http://127.0.0.1:{free_port()}"
    start = time.monotonic()
    with pytest.raises(SystemExit) as exit_info:
        main(["run", *TINY, "--tracking-uri", uri])
    assert time.monotonic() - start < 20
    assert exit_info.value.code not in (0, None)
    stderr = capsys.readouterr().err
    assert uri in stderr and "unreachable" in stderr


def _check_metadata(run, config) -> None:
    """Resolved architecture and derived values in params; three whole-split dataset inputs;
    who ran it from where."""
    import json

    from benchmark.config import MODELS
    from benchmark.data.loading import load_dataset

    params, tags = run.data.params, run.data.tags
    spec = MODELS[tags["model"]]
    assert (params["model.tokenizer"], params["model.attention"]) == (
        spec.tokenizer,
        spec.attention,
    )
    assert params["input_size"] == "16" and params["derived.num_tokens"] == str((16 // 4) ** 2)
    assert params["derived.key_dim"] == str(config.model.hidden_dim // config.model.num_heads)
    data = load_dataset(config.data)
    inputs = {
        next(t.value for t in i.tags if t.key == "mlflow.data.context"): i.dataset
        for i in run.inputs.dataset_inputs
    }
    assert set(inputs) == {"training", "validation", "test"}
    for context, (x, y) in data.splits().items():
        profile = json.loads(inputs[context].profile)
        assert profile["features_shape"] == list(x.shape), context
        assert profile["targets_shape"] == list(y.shape), context
        assert inputs[context].digest == data.split_digests()[context]
    assert tags["mlflow.source.name"].startswith("vitbench")
    assert tags["mlflow.source.type"] == "LOCAL" and tags["mlflow.user"]


def _check_history_csv(client, run_id: str) -> None:
    """history.csv (the artifact) and MLflow's per-epoch points are the same numbers."""
    import csv
    import tempfile

    folder = client.download_artifacts(run_id, "history.csv", tempfile.mkdtemp())
    with open(folder) as handle:
        rows = list(csv.DictReader(handle))
    for key in EPOCH_METRICS:
        logged = {m.step: m.value for m in client.get_metric_history(run_id, key)}
        assert logged == {int(r["epoch"]): float(r[key]) for r in rows}, key
