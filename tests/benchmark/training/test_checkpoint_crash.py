"""Crash-consistent checkpoints: a newest checkpoint that does not load (a power loss after the
rename, a disk that lied) is named in a warning and training resumes from the previous one; the
bytes and the name reach the disk (fsync of file, then folder) before the rename."""

from __future__ import annotations

import os
from pathlib import Path

import keras
import numpy as np
import pytest

from benchmark.training import checkpoint
from benchmark.training.checkpoint import UnreadableCheckpointWarning
from benchmark.training.loop import train_and_evaluate
from tests.support.tiny import tiny_config

EPOCHS = 3
OVERRIDES = {"train": {"epochs": EPOCHS}}


class Killed(Exception):
    """Stands in for a power loss right after an epoch's checkpoint."""


class StopAfterEpoch:
    def __init__(self, epoch: int):
        self.epoch = epoch

    def on_start(self, info) -> None:
        pass

    def on_epoch_end(self, epoch: int, metrics) -> None:
        if epoch == self.epoch:
            raise Killed(f"after epoch {epoch}")


def _small_model():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    model.compile(optimizer="adam", loss="mse")
    model.optimizer.build(model.trainable_variables)
    return model


def test_an_empty_newest_checkpoint_falls_back_to_the_previous_epoch(tmp_path):
    config = tiny_config("vit", 0, OVERRIDES)
    with pytest.raises(Killed):
        train_and_evaluate(config, StopAfterEpoch(2), tmp_path)
    newest = checkpoint.path_of(tmp_path)
    newest.write_bytes(b"")  # renamed, but its bytes never reached the disk

    with pytest.warns(UnreadableCheckpointWarning, match=str(newest)):
        resumed = train_and_evaluate(config, None, tmp_path)
    assert resumed.resumed_from_epoch == 1  # epoch 2 was lost with its file, epoch 1 was not
    assert [h["epoch"] for h in resumed.history] == [1, 2, 3]


@pytest.mark.parametrize("damage", ["truncated", "garbage"])
def test_load_meta_and_restore_take_the_previous_file_and_say_which_failed(tmp_path, damage):
    model = _small_model()
    for epoch in (1, 2):
        model.layers[0].kernel.assign(np.full((3, 2), float(epoch), dtype="float32"))
        checkpoint.save(tmp_path, model, epoch, [{"epoch": epoch}], "abc")
    newest = checkpoint.path_of(tmp_path)
    content = newest.read_bytes()
    newest.write_bytes(content[: len(content) // 2] if damage == "truncated" else b"x" * 100)

    with pytest.warns(UnreadableCheckpointWarning, match=str(newest)):
        state = checkpoint.load_meta(tmp_path)
    assert state.epochs_done == 1
    with pytest.warns(UnreadableCheckpointWarning):
        checkpoint.restore(tmp_path, model)
    np.testing.assert_array_equal(model.layers[0].kernel.numpy(), np.full((3, 2), 1.0))


def test_the_file_and_its_folder_are_fsynced_before_the_rename(tmp_path, monkeypatch):
    events: list[tuple[str, str]] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd):
        events.append(("fsync", os.readlink(f"/proc/self/fd/{fd}")))
        real_fsync(fd)

    def replace(src, dst):
        events.append(("replace", str(dst)))
        real_replace(src, dst)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    checkpoint.save(tmp_path, _small_model(), 1, [{"epoch": 1}], "abc")
    target = str(checkpoint.path_of(tmp_path))
    renamed = events.index(("replace", target))
    synced = [path for kind, path in events[:renamed] if kind == "fsync"]
    assert any(Path(p).name.startswith("checkpoint.npz.tmp") for p in synced)  # the bytes
    assert str(tmp_path) in synced  # the temporary name in the folder
    assert ("fsync", str(tmp_path)) in events[renamed:]  # and the rename itself
