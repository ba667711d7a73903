"""Own image folders through `vitbench run` against a real `mlflow server`: lineage in MLflow and
the report header, the decoded-array cache used by a later process, the content digest as part of
a cell's identity, and a matrix that mixes a built-in dataset with a flat folder."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import yaml
from mlflow.tracking import MlflowClient

from benchmark.config import resolve_config
from benchmark.data import cache
from benchmark.data.loading import clear_memory_cache, load_dataset
from tests.support.cli import run_vitbench
from tests.support.image_folders import class_image, save, write_class_folders

CLASSES = ("owl", "cat", "dog")  # written unsorted: ids follow the sorted names


def _cells(client: MlflowClient, experiment: str) -> list:
    exp = client.get_experiment_by_name(experiment)
    return client.search_runs([exp.experiment_id], "tags.`vitbench.kind` = 'cell'")


def _inputs(run) -> dict:
    return {
        next(t.value for t in i.tags if t.key == "mlflow.data.context"): i.dataset
        for i in run.inputs.dataset_inputs
    }


def _run(args: list[str], workdir: Path, home: Path):
    done = run_vitbench(args, workdir, env={"VITBENCH_HOME": str(home)})
    assert done.returncode == 0, done.stdout + done.stderr
    return done


@pytest.mark.slow
def test_folder_matrix_lineage_cache_and_identity(mlflow_server, tmp_path, monkeypatch):
    root = tmp_path / "images"
    written = write_class_folders(root, classes=CLASSES, per_class=10, test_per_class=3)
    home = tmp_path / "home"
    monkeypatch.setenv("VITBENCH_HOME", str(home))  # this process reads the same cache
    experiment = "own-folder"
    common = ["--preset", "smoke", "--epochs", "1", "--dataset", "folder"]
    common += ["--set", f"data.path={root}", "--tracking-uri", mlflow_server.url]
    common += ["--experiment", experiment]
    _run([*common, "--models", "vit,eanet", "--seeds", "0"], tmp_path, home)

    # What this process loads from the same folder (a different process, a fresh hash seed).
    overrides = {"data": {"dataset": "folder", "path": str(root)}, "train": {"epochs": 1}}
    config = resolve_config("smoke", "vit", 0, overrides)
    clear_memory_cache()
    data = load_dataset(config.data)
    assert data.class_names == ("cat", "dog", "owl")
    client = MlflowClient(mlflow_server.url)
    first = _cells(client, experiment)
    assert sorted(r.data.tags["model"] for r in first) == ["eanet", "vit"]
    for run in first:
        tags, params = run.data.tags, run.data.params
        assert run.info.status == "FINISHED"
        assert tags["data.source"] == str(root.resolve())
        assert tags["data.source_digest"] == data.source_digest == params["data.source_digest"]
        assert tags["data.class_names"] == "cat,dog,owl"
        # 30 training files, validation_fraction 0.2 of the smoke preset: 6 carved, 2 per class
        assert (tags["data.train_examples"], tags["data.val_examples"]) == ("24", "6")
        assert tags["data.test_examples"] == "9"
        assert tags["dataset_digest"] == data.digest()  # same split in every model and process
        inputs = _inputs(run)
        for context, digest in data.split_digests().items():
            assert inputs[context].digest == digest, context
            assert json.loads(inputs[context].source) == {"uri": root.resolve().as_uri()}
        assert params["input_size"] == "8"
    entry = cache.cache_path("folder", data.source_digest)
    assert entry.is_file()

    from reports.build import build_report

    report = build_report(
        tracking_uri=mlflow_server.url, experiment=experiment, latest=True,
        out_dir=tmp_path / "report", log_artifacts=False,
    )  # fmt: skip
    header = " ".join(report.document.intro)
    label = f"folder:images@{data.source_digest[:8]}"  # the dataset tag reports group by
    assert all(r.data.tags["dataset"] == label for r in first)
    assert f"Data: {label} from {root.resolve()} (content digest {data.source_digest})" in header
    assert "3 classes: cat, dog, owl" in header and "train/val/test 24/6/9 images" in header

    # A later process takes the decoded arrays from the cache: plant a marker in the entry and
    # the new cell's test split is the marked one (decoding the files would not give it).
    with np.load(entry) as stored:
        arrays = {k: stored[k] for k in stored.files}
    arrays["x_test"] = np.full_like(arrays["x_test"], 9)
    cache.store("folder", data.source_digest, arrays)
    second = _run([*common, "--models", "vit", "--seeds", "0,1"], tmp_path, home)
    assert "skipped: already FINISHED" in second.stdout  # vit seed 0: same files, same cell
    clear_memory_cache()
    marked = load_dataset(config.data).split_digests()["test"]
    assert marked != data.split_digests()["test"]
    new = [
        r for r in _cells(client, experiment) if r.info.run_id not in {f.info.run_id for f in first}
    ]
    assert [(r.data.tags["model"], r.data.tags["seed"]) for r in new] == [("vit", "1")]
    assert _inputs(new[0])["test"].digest == marked

    # One changed file: new content digest, so a new cell (not a skip to the old result).
    image = np.asarray(class_image(0, 8, np.random.default_rng(42)))
    save(written["train"][3], image)
    third = _run([*common, "--models", "vit", "--seeds", "0"], tmp_path, home)
    assert "skipped" not in third.stdout
    runs = _cells(client, experiment)
    vit0 = [r for r in runs if r.data.tags["model"] == "vit" and r.data.tags["seed"] == "0"]
    assert len(vit0) == 2
    digests = {r.data.tags["data.source_digest"] for r in vit0}
    hashes = {r.data.tags["config_hash"] for r in vit0}
    assert len(digests) == 2 and data.source_digest in digests and len(hashes) == 2
    assert len(list(entry.parent.glob("*.npz"))) == 2  # a new cache entry for the new content


@pytest.mark.slow
def test_experiment_file_mixes_a_builtin_and_a_flat_folder(mlflow_server, tmp_path):
    root = tmp_path / "flat"
    write_class_folders(root, layout="flat", classes=("b", "a"), per_class=20, size=16)
    experiment = tmp_path / "experiment.yaml"
    experiment.write_text(
        yaml.safe_dump(
            {
                "preset": "smoke",
                "models": ["vit"],
                "seeds": [0],
                "datasets": ["synthetic", {"dataset": "folder", "path": str(root)}],
                "overrides": {"train": {"epochs": 1}},
            }
        )
    )
    home = tmp_path / "home"
    args = [str(experiment), "--tracking-uri", mlflow_server.url, "--experiment", "own-mixed"]
    _run(args, tmp_path, home)
    cells = _cells(MlflowClient(mlflow_server.url), "own-mixed")
    runs = {r.data.params["data.dataset"]: r for r in cells}
    assert set(runs) == {"synthetic", "folder"}
    assert all(r.info.status == "FINISHED" for r in runs.values())
    tags = runs["folder"].data.tags
    assert tags["data.class_names"] == "a,b" and tags["data.source"] == str(root.resolve())
    # 40 images: a stratified test hold-out of 0.2 (4 per class), then validation 0.2 of 32
    assert (tags["data.train_examples"], tags["data.val_examples"]) == ("26", "6")
    assert tags["data.test_examples"] == "8"
    assert "data.source" not in runs["synthetic"].data.tags


@pytest.mark.slow
def test_digits_as_png_folders_three_models_learn_above_chance(mlflow_server, tmp_path):
    """The issue's public-dataset check: scikit-learn's real digits as train/ and test/ PNG
    class folders, the 3-model demo recipe for 3 epochs (docs/data.md has the numbers)."""
    from tests.support.image_folders import write_digits_folders

    root = write_digits_folders(tmp_path / "digits")
    args = ["--preset", "demo", "--dataset", "folder", "--set", f"data.path={root}"]
    args += ["--set", "data.image_size=16", "--seeds", "0", "--epochs", "3"]
    args += ["--tracking-uri", mlflow_server.url, "--experiment", "own-digits"]
    _run(args, tmp_path, tmp_path / "home")
    runs = _cells(MlflowClient(mlflow_server.url), "own-digits")
    assert sorted(r.data.tags["model"] for r in runs) == ["eanet", "vit", "vit_sl"]
    for run in runs:
        assert run.data.tags["data.test_examples"] == "359"  # test/ as given
        assert run.data.metrics["test_accuracy"] > 0.3, run.data.tags["model"]  # chance: 0.1
