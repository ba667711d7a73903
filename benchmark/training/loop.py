"""`train_and_evaluate(config)`: the one training code path (matrix cells, study trials, perf).

It knows nothing of MLflow: callers observe it through `TrainingHooks` (start info, one call per
epoch) and get a `TrainResult` back. Resume state is checkpointed after every epoch when a
checkpoint directory is given.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import keras
import numpy as np

from benchmark.config import RunConfig, input_size
from benchmark.data.augment import Augmenter, Normalizer
from benchmark.data.batches import steps_per_epoch
from benchmark.data.feeds import evaluation_feed, training_feed
from benchmark.data.loading import load_dataset
from benchmark.models.classifier import build_classifier
from benchmark.models.cost import model_cost
from benchmark.training import checkpoint, determinism, preemption
from benchmark.training.observer import EpochObserver, RunState


@dataclass
class StartInfo:
    config: RunConfig
    dataset: Any  # ImageDataset
    dataset_digest: str
    params: dict[str, int]
    flops_per_image: int
    model: Any
    resumed_from_epoch: int
    checkpoint_dir: Path | None = None


class TrainingHooks(Protocol):
    def on_start(self, info: StartInfo) -> None: ...

    def on_epoch_end(self, epoch: int, metrics: dict[str, float]) -> None: ...


@dataclass
class TrainResult:
    config: RunConfig
    history: list[dict[str, float]]
    test: dict[str, float]
    train_time_s: float
    inference_images_per_s: float
    latency_batch1_ms: float
    latency_batch1_p95_ms: float
    params: dict[str, int]
    flops_per_image: int
    dataset_digest: str
    model: Any = field(repr=False)
    resumed_from_epoch: int = 0
    keras_history: dict[str, list[float]] = field(default_factory=dict)  # this process's epochs

    @property
    def best_epoch(self) -> int:
        return int(max(self.history, key=lambda h: h["val_accuracy"])["epoch"])

    @property
    def best_val_accuracy(self) -> float:
        return float(max(h["val_accuracy"] for h in self.history))

    def final_metrics(self) -> dict[str, float]:
        return {
            **self.test,
            "best_val_accuracy": self.best_val_accuracy,
            "best_epoch": float(self.best_epoch),
            "train_time_s": self.train_time_s,
            "inference_images_per_s": self.inference_images_per_s,
            "latency_batch1_ms": self.latency_batch1_ms,
            "params_total": float(self.params["total"]),
            "params_trainable": float(self.params["trainable"]),
            "params_non_trainable": float(self.params["non_trainable"]),
            "flops_per_image": float(self.flops_per_image),
        }


def make_optimizer(config: RunConfig, steps: int):
    t = config.train
    learning_rate: Any = t.learning_rate
    if t.schedule == "warmup_cosine":
        total = steps * t.epochs
        warmup = int(total * t.warmup_fraction)
        learning_rate = keras.optimizers.schedules.CosineDecay(
            initial_learning_rate=0.0 if warmup else t.learning_rate,
            decay_steps=max(1, total - warmup),
            warmup_target=t.learning_rate if warmup else None,
            warmup_steps=warmup,
        )
    return keras.optimizers.AdamW(learning_rate=learning_rate, weight_decay=t.weight_decay)


def compile_model(model, config: RunConfig, steps: int, num_classes: int) -> None:
    jit = {"auto": "auto", "true": True, "false": False}[config.train.jit_compile]
    model.compile(
        optimizer=make_optimizer(config, steps),
        loss=keras.losses.CategoricalCrossentropy(
            from_logits=True, label_smoothing=config.train.label_smoothing
        ),
        metrics=[
            keras.metrics.CategoricalAccuracy(name="accuracy"),
            keras.metrics.TopKCategoricalAccuracy(k=min(5, num_classes), name="top5_accuracy"),
        ],
        jit_compile=jit,
    )


def _latency_ms(model, image: np.ndarray, repeats: int = 30) -> tuple[float, float]:
    """Batch-1 latency through the model's compiled predict step (any backend)."""
    batch = image[None]
    for _ in range(3):
        model.predict_on_batch(batch)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        np.asarray(model.predict_on_batch(batch))
        times.append((time.perf_counter() - start) * 1000)
    return float(np.percentile(times, 50)), float(np.percentile(times, 95))


def train_and_evaluate(
    config: RunConfig,
    hooks: TrainingHooks | None = None,
    checkpoint_dir: Path | None = None,
    dataset: Any = None,
    resume: checkpoint.ResumeState | None = None,
) -> TrainResult:
    """Build, train (resuming from `checkpoint_dir` if it holds this config's state), evaluate.

    `resume`: the checkpoint's state when the caller has read it already (a cell's resume
    plan); otherwise it is read from `checkpoint_dir` here."""
    data = dataset if dataset is not None else load_dataset(config.data)
    determinism.configure(config.seed, config.train.op_determinism)
    size = input_size(config, data.image_size)
    model = build_classifier(
        config.model, size, data.channels, data.num_classes, config.train.precision
    )
    batch = config.train.batch_size
    steps = steps_per_epoch(len(data.x_train), batch)
    compile_model(model, config, steps, data.num_classes)
    model.optimizer.build(model.trainable_variables)

    state = RunState(config.config_hash(), [])
    if resume is None:
        resume = checkpoint.load_meta(checkpoint_dir)
    start_epoch, resumed_rng = 0, None
    if resume is not None and resume.config_hash == state.hash:
        resumed_rng = checkpoint.restore(checkpoint_dir, model)
        start_epoch, state.history = resume.epochs_done, list(resume.history)

    cost = model_cost(config, data.channels, data.num_classes, size)
    info = StartInfo(
        config=config,
        dataset=data,
        dataset_digest=data.digest(),
        params=cost.param_counts(),
        flops_per_image=cost.flops,
        model=model,
        resumed_from_epoch=start_epoch,
        checkpoint_dir=checkpoint_dir,
    )
    if hooks is not None:
        hooks.on_start(info)

    augmenter = Augmenter(config.augment, Normalizer(data.x_train), size)
    val = evaluation_feed(data.x_val, data.y_val, data.num_classes, augmenter, batch)
    test = evaluation_feed(data.x_test, data.y_test, data.num_classes, augmenter, batch)
    if start_epoch < config.train.epochs:
        stream = training_feed(
            data, augmenter, batch, config.seed, start_epoch, config.train.epochs
        )
        observer = EpochObserver(state, hooks, len(data.x_train), checkpoint_dir, resumed_rng)
        with preemption.cooperative():  # SIGTERM stops at a step boundary, not mid-save
            fitted = model.fit(
                stream,
                epochs=config.train.epochs,
                initial_epoch=start_epoch,
                steps_per_epoch=steps,
                validation_data=val,
                callbacks=[observer],
                shuffle=False,  # order comes from the seeded stream
                verbose=0,
            )
        keras_history = {k: [float(v) for v in vs] for k, vs in fitted.history.items()}
    else:
        keras_history = {}
    train_time = sum(h["epoch_time_s"] for h in state.history)

    scores = model.evaluate(test, verbose=0, return_dict=True)
    ready = np.asarray(keras.ops.convert_to_numpy(augmenter.inference(data.x_test)))
    model.predict(ready[:batch], verbose=0)  # warm-up: compile the predict function
    inference_start = time.perf_counter()
    model.predict(ready, batch_size=batch, verbose=0)
    inference_s = time.perf_counter() - inference_start
    p50, p95 = _latency_ms(model, ready[0])
    return TrainResult(
        config=config,
        history=state.history,
        test={
            "test_loss": float(scores["loss"]),
            "test_accuracy": float(scores["accuracy"]),
            "test_top5_accuracy": float(scores["top5_accuracy"]),
        },
        train_time_s=float(train_time),
        inference_images_per_s=len(data.x_test) / max(inference_s, 1e-9),
        latency_batch1_ms=p50,
        latency_batch1_p95_ms=p95,
        params=info.params,
        flops_per_image=info.flops_per_image,
        dataset_digest=info.dataset_digest,
        model=model,
        resumed_from_epoch=start_epoch,
        keras_history=keras_history,
    )
