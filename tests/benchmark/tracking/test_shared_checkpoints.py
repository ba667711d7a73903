"""Shared checkpoints on a real MLflow server's served artifacts and on a shared folder: the
newest epoch is kept, older ones pruned, a file cut short is skipped (with a warning naming
it), another config's is never taken, and an ended cell leaves nothing behind."""

from __future__ import annotations

import uuid
from pathlib import Path

import keras
import numpy as np
import pytest
from mlflow.tracking import MlflowClient

from benchmark.tracking.shared_checkpoints import SharedCheckpoints, as_uri
from benchmark.training import checkpoint
from benchmark.training.checkpoint import UnreadableCheckpointWarning


def _model():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    model.compile(optimizer="adam", loss="mse")
    model.optimizer.build(model.trainable_variables)
    return model


def _save(directory: Path, model, epoch: int, config_hash: str = "abc") -> bytes:
    model.layers[0].kernel.assign(np.full((3, 2), float(epoch), dtype="float32"))
    checkpoint.save(directory, model, epoch, [{"epoch": epoch}], config_hash)
    return checkpoint.path_of(directory).read_bytes()


@pytest.fixture(params=["run-artifacts", "folder"])
def shared(request, mlflow_server, tmp_path) -> SharedCheckpoints:
    client = MlflowClient(mlflow_server.url)
    experiment = client.create_experiment(f"ckpt-{uuid.uuid4().hex[:8]}")
    run_id = client.create_run(experiment).info.run_id
    folder = str(tmp_path / "shared") if request.param == "folder" else None
    store = SharedCheckpoints.for_run(client.get_run(run_id), folder, client.tracking_uri)
    if request.param == "run-artifacts":
        assert store.uri.startswith("mlflow-artifacts:") and store.uri.endswith("/checkpoints")
    else:
        assert store.uri == f"{(tmp_path / 'shared').as_uri()}/{run_id}"
    return store


def test_publish_keeps_only_the_newest_epoch_and_fetch_returns_it(shared, tmp_path):
    model, local = _model(), tmp_path / "worker-a"
    for epoch in (1, 2, 3):
        content = _save(local, model, epoch)
        assert shared.publish(local, epoch) >= 0
    assert shared.epochs() == [3]  # 1 and 2 pruned after 3 was complete

    other = tmp_path / "worker-b"
    state = shared.fetch(other, "abc")
    assert state is not None and state.epochs_done == 3
    assert checkpoint.path_of(other).read_bytes() == content  # the very file, byte for byte
    assert [p.name for p in other.iterdir()] == ["checkpoint.npz"]  # no staging left behind


def test_a_file_cut_short_falls_back_to_the_previous_epoch(shared, tmp_path):
    model, local = _model(), tmp_path / "worker-a"
    _save(local, model, 1)
    shared.publish(local, 1)
    # A worker dying mid-upload of epoch 2: a truncated file, published but never pruned from.
    content = _save(local, model, 2)
    cut = tmp_path / "cut" / "epoch-00002.npz"
    cut.parent.mkdir()
    cut.write_bytes(content[: len(content) // 2])
    shared._repo().log_artifact(str(cut))
    assert shared.epochs() == [2, 1]

    with pytest.warns(UnreadableCheckpointWarning, match="epoch-00002.npz"):
        state = shared.fetch(tmp_path / "worker-b", "abc")
    assert state is not None and state.epochs_done == 1


def test_another_configs_checkpoint_is_never_taken(shared, tmp_path):
    local = tmp_path / "worker-a"
    _save(local, _model(), 4, config_hash="other")
    shared.publish(local, 4)
    assert shared.fetch(tmp_path / "worker-b", "abc") is None


def test_clear_removes_every_file(shared, tmp_path):
    local = tmp_path / "worker-a"
    _save(local, _model(), 1)
    shared.publish(local, 1)
    shared.clear()
    assert shared.epochs() == []
    assert shared.fetch(tmp_path / "worker-b", "abc") is None


def test_plain_paths_become_absolute_file_uris(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert as_uri("ckpt") == (tmp_path / "ckpt").as_uri()
    assert as_uri("file:///data/ckpt") == "file:///data/ckpt"
    assert as_uri("s3://bucket/ckpt/") == "s3://bucket/ckpt"
