"""One timed repeat of each variant; all share config, data, batch size and the harness's clock
(`EpochObserver`: epoch begin, first step, end of the training steps).

- harness: `train_and_evaluate` (what `vitbench run` calls) with a `RunLogger` writing to one
  throwaway MLflow store and a checkpoint folder, reading its own per-epoch `train_images_per_s`;
- bare: the same `build_classifier` + `compile_model`, `model.fit` on in-memory normalised arrays,
  no augmentation, no callbacks but that clock;
- stream (`--stream`): bare, but the same arrays fed as one repeated tf.data stream, which shows
  what Keras' array adapter costs on its own;
- xla: the harness again with `train.jit_compile=true` (op determinism off, which XLA needs): the
  compile mode measured against the default ("auto", which resolves to no XLA under determinism);
- seed: the keras-io formulation: `keras.Sequential([Normalization, (Resizing), RandomFlip,
  RandomRotation, (RandomContrast), RandomZoom])` in front of the same network, `fit` on raw arrays;
  it also times that augmentation block alone (what moving it off the step can win at most).
All skip epoch 1 (tracing/compilation) and time from epoch begin to the end of the training steps.
"""

from __future__ import annotations

import functools
import tempfile
import time
from pathlib import Path
from typing import Any

import keras
import numpy as np
from keras import layers
from mlflow.tracking import MlflowClient

from benchmark.config import RunConfig, input_size, with_changes
from benchmark.data.augment import Normalizer
from benchmark.data.batches import one_hot, steps_per_epoch
from benchmark.data.dataset import ImageDataset
from benchmark.models.classifier import build_classifier
from benchmark.perf.mfu import median
from benchmark.tracking import runs as tracking
from benchmark.tracking.lifecycle import run_tracked
from benchmark.tracking.run_logger import RunLogger, lineage_tags
from benchmark.training import determinism
from benchmark.training.loop import compile_model, train_and_evaluate
from benchmark.training.observer import EpochObserver, RunState
from reports.names import Kind


def random_dataset(
    size: int, num_classes: int, train: int, val: int, test: int, seed: int = 0
) -> ImageDataset:
    """Uniform uint8-range images (CIFAR is not available offline): only shapes matter here."""
    rng = np.random.default_rng(seed)

    def split(n: int) -> tuple[np.ndarray, np.ndarray]:
        x = rng.integers(0, 256, (n, size, size, 3)).astype("float32")
        return x, rng.integers(0, num_classes, n).astype("int32")

    (xt, yt), (xv, yv), (xs, ys) = split(train), split(val), split(test)
    return ImageDataset("random-uint8", xt, yt, xv, yv, xs, ys, num_classes)


class TimedHooks:
    """Wraps the tracker to measure what per-epoch tracking costs (outside the epoch clock)."""

    def __init__(self, inner):
        self.inner, self.epoch_hook_s = inner, []

    def on_start(self, info) -> None:
        self.inner.on_start(info)

    def on_epoch_end(self, epoch: int, metrics: dict[str, float]) -> None:
        start = time.perf_counter()
        self.inner.on_epoch_end(epoch, metrics)
        self.epoch_hook_s.append(time.perf_counter() - start)


@functools.cache
def _throwaway_store() -> str:
    """One SQLite MLflow store per perf process, as `vitbench run` keeps one store: the schema
    is created once, not before every harness sample."""
    return f"sqlite:///{Path(tempfile.mkdtemp(prefix='vitbench-perf-')) / 'mlflow.db'}"


def harness(config: RunConfig, data: ImageDataset) -> dict[str, Any]:
    """`train_and_evaluate` with tracking on, as a matrix cell runs it."""

    uri = _throwaway_store()
    client = MlflowClient(uri)
    experiment_id = tracking.get_experiment_id(client, "perf", uri)
    run_id = tracking.create_run(client, experiment_id, "perf", lineage_tags(config, Kind.PERF))
    logger = RunLogger(client, run_id, config)
    hooks = TimedHooks(logger)
    checkpoint = Path(tempfile.mkdtemp(prefix="vitbench-perf-checkpoint-"))  # fresh: no resume
    outcome = run_tracked(
        logger, lambda: train_and_evaluate(config, hooks, checkpoint, dataset=data)
    )
    keras.backend.clear_session()
    if outcome.result is None:  # the suite records the error in this variant's row
        raise outcome.error
    result = outcome.result
    return {
        **_steady_figures(result.history, len(data.x_train)),
        "tracking_ms_per_epoch": 1000 * median(hooks.epoch_hook_s),
        "inference_images_per_s": result.inference_images_per_s,
        "latency_batch1_p50_ms": result.latency_batch1_ms,
        "latency_batch1_p95_ms": result.latency_batch1_p95_ms,
        "flops_per_image": result.flops_per_image,
        "params_total": result.params["total"],
    }


def stream(config: RunConfig, data: ImageDataset) -> dict[str, Any]:
    """`bare`, but the arrays reach `fit` as one repeated tf.data stream instead of through
    Keras' array adapter: separates what the feed costs from what the harness adds."""
    import tensorflow as tf  # deferred: the one TensorFlow-specific step here

    model, size, steps, y = _setup(config, data)
    x = _normalised_arrays(data, size)
    compile_model(model, config, steps, data.num_classes)
    batches = tf.data.Dataset.from_tensor_slices((x, y)).batch(config.train.batch_size)
    batches = batches.repeat().prefetch(tf.data.AUTOTUNE)
    return _fit(model, config, len(x), x=batches, steps_per_epoch=steps, shuffle=False)


def xla(config: RunConfig, data: ImageDataset) -> dict[str, Any]:
    """The harness with XLA; op determinism is switched back on by the next variant's setup."""
    train = {"jit_compile": "true", "op_determinism": False}
    return harness(with_changes(config, train=train), data)


def _fit(model, config: RunConfig, images: int, **feed: Any) -> dict[str, float]:
    """`model.fit` timed by the harness's own `EpochObserver` (no hooks, no checkpoint) and no
    other callback; `feed` is arrays + batch size, or a stream."""

    run = RunState(hash="perf", history=[])
    observer = EpochObserver(run, hooks=None, train_count=images, checkpoint_dir=None)
    model.fit(**feed, epochs=config.train.epochs, callbacks=[observer], verbose=0)
    keras.backend.clear_session()
    return _steady_figures(run.history, images)


def _steady_figures(history: list[dict[str, float]], images: int) -> dict[str, float]:
    """Medians over the steady epochs (epoch 1 traces the step function) of images/s, the feed's
    setup (epoch begin -> first step) and images/s of the steps alone."""
    steady = history[1:]
    steps_s = [images / h["train_images_per_s"] - h["epoch_setup_s"] for h in steady]
    return {
        "train_images_per_s": median([h["train_images_per_s"] for h in steady]),
        "step_images_per_s": median([images / max(s, 1e-9) for s in steps_s]),
        "epoch_setup_s": median([h["epoch_setup_s"] for h in steady]),
    }


def _setup(config: RunConfig, data: ImageDataset):

    determinism.configure(config.seed, config.train.op_determinism)  # same numerics as harness
    size = input_size(config)
    network = build_classifier(
        config.model, size, data.channels, data.num_classes, config.train.precision
    )
    steps = steps_per_epoch(len(data.x_train), config.train.batch_size)
    return network, size, steps, one_hot(data.y_train, data.num_classes)


def bare(config: RunConfig, data: ImageDataset) -> dict[str, Any]:
    """Same network and compile, `fit` on normalised (resized) in-memory arrays."""

    model, size, steps, y = _setup(config, data)
    x = _normalised_arrays(data, size)
    compile_model(model, config, steps, data.num_classes)
    return _fit(model, config, len(x), x=x, y=y, batch_size=config.train.batch_size)


def _normalised_arrays(data: ImageDataset, size: int) -> np.ndarray:
    """The training images as the harness's model sees them, minus augmentation."""

    x = Normalizer(data.x_train)(data.x_train)
    if size != data.image_size:
        x = keras.ops.convert_to_numpy(keras.ops.image.resize(x, (size, size)))
    return x


def seed_augmentation(config: RunConfig, data: ImageDataset, size: int) -> keras.Sequential:
    """The keras-io `data_augmentation` block for this recipe (layer order as in the seeds)."""

    aug = config.augment
    normalization = layers.Normalization()
    normalization.adapt(data.x_train)
    stack: list[Any] = [normalization]
    if size != data.image_size:
        stack.append(layers.Resizing(size, size))
    if aug.flip != "none":
        stack.append(layers.RandomFlip(aug.flip))
    stack.append(layers.RandomRotation(factor=aug.rotation_factor))
    if aug.contrast_factor > 0:
        stack.append(layers.RandomContrast(factor=aug.contrast_factor))
    stack.append(layers.RandomZoom(height_factor=aug.zoom_factor, width_factor=aug.zoom_factor))
    return keras.Sequential(stack, name="data_augmentation")


def seed(config: RunConfig, data: ImageDataset) -> dict[str, Any]:
    """In-model augmentation in front of the same network, `fit` on raw arrays."""

    network, size, steps, y = _setup(config, data)
    augmentation = seed_augmentation(config, data, size)
    augment_ms = _augmentation_ms(augmentation, data.x_train, config.train.batch_size)
    inputs = keras.Input(data.x_train.shape[1:])
    model = keras.Model(inputs, network(augmentation(inputs)))
    compile_model(model, config, steps, data.num_classes)
    x = data.x_train
    figures = _fit(model, config, len(x), x=x, y=y, batch_size=config.train.batch_size)
    return {**figures, "augment_ms_per_batch": augment_ms}


def _augmentation_ms(augmentation: keras.Sequential, images: np.ndarray, batch: int) -> float:
    """Median ms of the seed's augmentation block alone on one training batch (compiled as a
    tf.function on TensorFlow, the backend's eager ops elsewhere)."""
    step = lambda x: augmentation(x, training=True)  # noqa: E731
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf  # deferred: only the TensorFlow backend compiles this way

        step = tf.function(step)
    x = keras.ops.convert_to_tensor(images[:batch])
    keras.ops.convert_to_numpy(step(x))  # trace / warm-up
    times = []
    for _ in range(5):
        start = time.perf_counter()
        keras.ops.convert_to_numpy(step(x))
        times.append(1000 * (time.perf_counter() - start))
    return median(times)


VARIANTS = {"harness": harness, "bare": bare, "stream": stream, "xla": xla, "seed": seed}
