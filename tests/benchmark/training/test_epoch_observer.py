"""EpochObserver splits each epoch's training time into the feed's setup and the steps."""

from __future__ import annotations

import time

import keras
import numpy as np
import pytest
import tensorflow as tf

from benchmark.training.observer import EpochObserver, RunState

PAUSE_S = 0.3


class Pauses(keras.callbacks.Callback):
    """Runs after the observer: a pause at epoch begin (before the first step) and one before
    every later step; only the first belongs to the epoch's setup."""

    def on_epoch_begin(self, epoch, logs=None):
        time.sleep(PAUSE_S)

    def on_train_batch_begin(self, batch, logs=None):
        if batch > 0:
            time.sleep(PAUSE_S)


def test_epoch_setup_is_epoch_begin_to_first_step_of_every_epoch():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    model.compile(optimizer="sgd", loss="mse")
    x, y = np.zeros((12, 4), "float32"), np.zeros((12, 2), "float32")
    # One stream for both epochs, as the harness feeds: Keras' array adapter would add its own
    # per-epoch iterator setup (seconds on a loaded machine) to the pause being measured.
    stream = tf.data.Dataset.from_tensor_slices((x, y)).batch(4).repeat()
    run = RunState(hash="h", history=[])
    observer = EpochObserver(run, hooks=None, train_count=12, checkpoint_dir=None)
    model.fit(stream, steps_per_epoch=3, epochs=2, callbacks=[observer, Pauses()], verbose=0)

    assert [h["epoch"] for h in run.history] == [1, 2]
    for epoch in run.history:
        # one epoch-begin pause, not the two pauses before steps 2 and 3
        assert PAUSE_S <= epoch["epoch_setup_s"] < 2 * PAUSE_S, epoch
        assert epoch["epoch_time_s"] >= 3 * PAUSE_S
        train_s = 12 / epoch["train_images_per_s"]  # no validation: the whole epoch, up to rounding
        assert epoch["epoch_setup_s"] < train_s == pytest.approx(epoch["epoch_time_s"], rel=1e-3)


class SlowValidation(keras.callbacks.Callback):
    """Runs after the observer: a pause inside the validation pass of every epoch."""

    def on_test_begin(self, logs=None):
        time.sleep(PAUSE_S)


def test_train_images_per_s_excludes_the_validation_pass():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    model.compile(optimizer="sgd", loss="mse")
    x, y = np.zeros((12, 4), "float32"), np.zeros((12, 2), "float32")
    stream = tf.data.Dataset.from_tensor_slices((x, y)).batch(4).repeat()
    val = tf.data.Dataset.from_tensor_slices((x, y)).batch(4)
    run = RunState(hash="h", history=[])
    observer = EpochObserver(run, hooks=None, train_count=12, checkpoint_dir=None)
    model.fit(stream, steps_per_epoch=3, epochs=2, validation_data=val,
              callbacks=[observer, SlowValidation()], verbose=0)  # fmt: skip

    for epoch in run.history:
        train_s = 12 / epoch["train_images_per_s"]
        assert epoch["epoch_time_s"] >= PAUSE_S
        assert train_s <= epoch["epoch_time_s"] - PAUSE_S, epoch  # the pause is not training
