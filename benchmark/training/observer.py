"""`EpochObserver`: the Keras callback that times each epoch, checks the loss, checkpoints
and hands the epoch's metrics to the caller's hooks (matrix cells, study trials, perf).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path

import keras

from benchmark.errors import NonFiniteLossError
from benchmark.training import checkpoint, preemption


@dataclass
class RunState:
    """What the observer appends to: the run's config hash and its per-epoch history."""

    hash: str
    history: list[dict[str, float]]


class EpochObserver(keras.callbacks.Callback):
    """Per epoch only: timing, NaN check, checkpoint, then the caller's hook."""

    def __init__(
        self,
        run: RunState,
        hooks,
        train_count: int,
        checkpoint_dir: Path | None,
        resumed_rng=None,
    ):
        super().__init__()
        self.run, self.hooks = run, hooks
        self.train_count, self.checkpoint_dir = train_count, checkpoint_dir
        # A checkpoint's backend RNG state, set right before the first resumed step: building the
        # step and opening the feed (PyTorch's DataLoader seeds itself) draw from it first.
        self.resumed_rng = resumed_rng

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch_start = time.perf_counter()
        self.first_step = self.train_end = None

    def on_train_batch_begin(self, batch, logs=None):
        preemption.stop_if_requested()  # a step boundary: the last checkpoint is whole
        if self.resumed_rng is not None:
            checkpoint.set_backend_rng(self.resumed_rng)
            self.resumed_rng = None
        if self.first_step is None:  # once per epoch: the feed's iterator is ready
            self.first_step = time.perf_counter()

    def on_test_batch_begin(self, batch, logs=None):
        preemption.stop_if_requested()  # abandon the validation pass, keep the checkpoint

    def on_test_begin(self, logs=None):
        # JAX dispatches steps asynchronously: wait for the last one (its outputs, the optimizer
        # step counter included, become ready together) before stamping the end of training.
        keras.ops.convert_to_numpy(self.model.optimizer.iterations)
        self.train_end = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        now = time.perf_counter()
        logs = dict(logs or {})
        if not all(math.isfinite(float(v)) for v in logs.values()):
            raise NonFiniteLossError(
                f"loss became non-finite at epoch {epoch + 1} (loss={logs.get('loss')}); "
                "lower train.learning_rate"
            )
        train_end = self.train_end or now  # no validation pass: training ran to the epoch's end
        train_seconds = max(train_end - self.epoch_start, 1e-9)
        metrics = {k: float(v) for k, v in logs.items()}
        metrics["learning_rate"] = float(
            keras.ops.convert_to_numpy(self.model.optimizer.learning_rate)
        )
        metrics["epoch_time_s"] = now - self.epoch_start
        # Epoch begin -> first step: a per-epoch fixed cost of the input feed (Keras rebuilds the
        # iterator of a finite dataset every epoch), part of train_images_per_s.
        metrics["epoch_setup_s"] = (self.first_step or train_end) - self.epoch_start
        metrics["train_images_per_s"] = self.train_count / train_seconds
        self.run.history.append({"epoch": epoch + 1, **metrics})
        if self.checkpoint_dir is not None:
            checkpoint.save(
                self.checkpoint_dir, self.model, epoch + 1, self.run.history, self.run.hash
            )
        if self.hooks is not None:
            self.hooks.on_epoch_end(epoch + 1, metrics)
