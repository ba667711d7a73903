"""A run interrupted between epochs, or in the middle of writing a checkpoint, resumes to the very
bits of the uninterrupted run: weights, optimizer, dropout RNG and epoch travel together."""

from __future__ import annotations

import os

import numpy as np
import pytest

from benchmark.training import checkpoint
from benchmark.training.loop import train_and_evaluate
from tests.support.tiny import tiny_config

EPOCHS = 3
OVERRIDES = {
    "train": {"epochs": EPOCHS},
    "model": {"attention_dropout_rate": 0.2, "mlp_dropout_rate": 0.2},  # dropout RNG in play
}


class Killed(Exception):
    """Stands in for SIGKILL: raised where a kill could land."""


class StopAfterEpoch:
    """TrainingHooks: the process dies right after epoch `epoch` was checkpointed."""

    def __init__(self, epoch: int):
        self.epoch = epoch

    def on_start(self, info) -> None:
        pass

    def on_epoch_end(self, epoch: int, metrics) -> None:
        if epoch == self.epoch:
            raise Killed(f"after epoch {epoch}")


@pytest.fixture(scope="module")
def config():
    return tiny_config("vit_sl", 0, OVERRIDES)


@pytest.fixture(scope="module")
def uninterrupted(config):
    return train_and_evaluate(config)


def _assert_same_run(resumed, reference) -> None:
    assert resumed.test == reference.test
    for a, b in zip(resumed.model.get_weights(), reference.model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert [h["val_loss"] for h in resumed.history] == [h["val_loss"] for h in reference.history]


def test_resume_after_a_kill_between_epochs_is_bitwise_equal(config, uninterrupted, tmp_path):
    with pytest.raises(Killed):
        train_and_evaluate(config, StopAfterEpoch(2), tmp_path)
    assert checkpoint.load_meta(tmp_path).epochs_done == 2
    resumed = train_and_evaluate(config, None, tmp_path)
    assert resumed.resumed_from_epoch == 2
    _assert_same_run(resumed, uninterrupted)


def test_a_save_killed_half_way_never_mislabels_an_epoch(
    config, uninterrupted, tmp_path, monkeypatch
):
    """The kill lands right after the first file operation that completes a write during the
    last epoch's save. Whatever the checkpoint then holds must be one consistent epoch."""
    real_save, real_replace = checkpoint.save, os.replace
    armed = {"on": False}

    def save(directory, model, epochs_done, history, config_hash):
        armed["on"] = epochs_done == EPOCHS
        real_save(directory, model, epochs_done, history, config_hash)

    def replace(src, dst):
        real_replace(src, dst)
        if armed["on"]:
            raise Killed(f"after writing {dst}")

    monkeypatch.setattr(checkpoint, "save", save)
    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(Killed):
        train_and_evaluate(config, None, tmp_path)
    monkeypatch.undo()

    state = checkpoint.load_meta(tmp_path)
    assert state is not None and state.epochs_done in (EPOCHS - 1, EPOCHS)
    resumed = train_and_evaluate(config, None, tmp_path)
    _assert_same_run(resumed, uninterrupted)
