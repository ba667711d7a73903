"""What the cell's run says about itself, recomputed from its sources: params from config.yaml
by a flatten written here, the config hash by the documented rule, tags from git and
importlib.metadata, digests by hashlib over the loaded splits, final metrics from histories."""

from __future__ import annotations

import hashlib
import json
import subprocess
import tempfile
from importlib import metadata
from pathlib import Path

import yaml

from tests.oracles.conftest import flatten_yaml, sha16

REPO = Path(__file__).resolve().parents[2]


def _config_yaml(cell) -> dict:
    path = cell.client.download_artifacts(cell.run_id, "config.yaml", tempfile.mkdtemp())
    return yaml.safe_load(Path(path).read_text())


def test_params_are_the_flattened_config_yaml(logged_cell):
    flat = flatten_yaml(_config_yaml(logged_cell))
    params = logged_cell.client.get_run(logged_cell.run_id).data.params
    assert flat["train.label_smoothing"] == 0.1 and flat["data.dataset"] == "digits"
    for key, value in flat.items():
        if key in ("model.tokenizer", "model.attention") and value is None:
            continue  # logged resolved (the architecture as built)
        assert params[key] == str(value), key
    assert params["model.tokenizer"] == "patch" and params["model.attention"] == "mhsa"


def test_config_hash_tag_is_sha256_of_the_sorted_flat_config(logged_cell):
    flat = flatten_yaml(_config_yaml(logged_cell))
    canonical = json.dumps(flat, sort_keys=True, default=str)
    expected = hashlib.sha256(canonical.encode()).hexdigest()[:16]
    tags = logged_cell.client.get_run(logged_cell.run_id).data.tags
    assert tags["config_hash"] == expected


def test_lineage_tags_come_from_the_config_git_and_installed_packages(logged_cell):
    tags = logged_cell.client.get_run(logged_cell.run_id).data.tags
    doc = _config_yaml(logged_cell)
    assert (tags["model"], tags["seed"], tags["preset"]) == ("vit", str(doc["seed"]), "smoke")
    assert tags["dataset"] == doc["data"]["dataset"]
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True)
    assert tags["git_commit"] == head.stdout.strip()
    for name in ("keras", "mlflow", "numpy"):
        assert tags[f"version.{name}"] == metadata.version(name), name
    data = logged_cell.data
    assert tags["data.train_examples"] == str(len(data.x_train))
    assert tags["data.test_examples"] == str(len(data.x_test))


def test_dataset_digests_are_hashlib_over_the_loaded_splits(logged_cell):
    d = logged_cell.data
    splits = {
        "training": (d.x_train, d.y_train),
        "validation": (d.x_val, d.y_val),
        "test": (d.x_test, d.y_test),
    }
    run = logged_cell.client.get_run(logged_cell.run_id)
    every = [a for pair in splits.values() for a in pair]
    assert run.data.tags["dataset_digest"] == sha16(*every)
    logged = {}
    for entry in run.inputs.dataset_inputs:
        context = {t.key: t.value for t in entry.tags}["mlflow.data.context"]
        logged[context] = entry.dataset.digest
    assert logged == {name: sha16(x, y) for name, (x, y) in splits.items()}


def test_final_metrics_follow_the_logged_histories(logged_cell):
    client, run_id = logged_cell.client, logged_cell.run_id
    val = {m.step: m.value for m in client.get_metric_history(run_id, "val_accuracy")}
    metrics = client.get_run(run_id).data.metrics
    best = max(val.values())
    assert metrics["best_val_accuracy"] == best
    assert metrics["best_epoch"] == min(s for s, v in val.items() if v == best)
    times = client.get_metric_history(run_id, "epoch_time_s")
    assert abs(metrics["train_time_s"] - sum(m.value for m in times)) < 1e-6
