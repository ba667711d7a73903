"""tf.data input pipelines: seeded per-epoch order, batched augmentation, prefetch.

The training stream spans epochs [start_epoch, epochs) so one `model.fit` call consumes it; the
order of epoch e is a stateless permutation keyed by (seed, e) and the augmentation of batch b by
(seed, e, b): independent of the model, of worker count and of where a resumed run restarts.
"""

from __future__ import annotations

import math

import numpy as np
import tensorflow as tf

from benchmark.data.augment import Augmenter
from benchmark.data.dataset import ImageDataset

AUTOTUNE = tf.data.AUTOTUNE
AUGMENT_SEED_OFFSET = 1_000_003


def steps_per_epoch(num_examples: int, batch_size: int) -> int:
    return math.ceil(num_examples / batch_size)


def one_hot(labels: np.ndarray, num_classes: int) -> np.ndarray:
    return np.eye(num_classes, dtype="float32")[labels]


def epoch_order(seed: int, epoch, count: int) -> tf.Tensor:
    """The permutation of the training examples in `epoch`: a pure function of (seed, epoch)."""
    order_seed = tf.stack([tf.cast(seed, tf.int64), tf.cast(epoch, tf.int64)])
    return tf.argsort(tf.random.stateless_uniform([count], seed=order_seed))


def augmentation_seed(seed: int, epoch, batch_index) -> tf.Tensor:
    """The stateless seed of every augmentation draw of one batch: (seed, epoch, batch) only."""
    step = tf.cast(epoch, tf.int64) * 100_000 + tf.cast(batch_index, tf.int64)
    return tf.stack([tf.cast(seed + AUGMENT_SEED_OFFSET, tf.int64), step])


def training_stream(
    data: ImageDataset,
    augmenter: Augmenter,
    batch_size: int,
    seed: int,
    start_epoch: int,
    epochs: int,
) -> tf.data.Dataset:
    images = tf.constant(data.x_train)
    labels = tf.constant(one_hot(data.y_train, data.num_classes))
    count = len(data.x_train)

    def epoch_indices(epoch):
        batches = tf.data.Dataset.from_tensor_slices(epoch_order(seed, epoch, count))
        return batches.batch(batch_size).enumerate().map(lambda b, ids: (epoch, b, ids))

    def load(epoch, batch_index, ids):
        draw_seed = augmentation_seed(seed, epoch, batch_index)
        x = augmenter.training(tf.gather(images, ids), draw_seed)
        return x, tf.gather(labels, ids)

    stream = tf.data.Dataset.range(start_epoch, epochs).flat_map(epoch_indices)
    stream = stream.map(load, num_parallel_calls=AUTOTUNE, deterministic=True)
    return stream.prefetch(AUTOTUNE)


def evaluation_stream(
    x: np.ndarray, y: np.ndarray, num_classes: int, augmenter: Augmenter, batch_size: int
) -> tf.data.Dataset:
    stream = tf.data.Dataset.from_tensor_slices((x, one_hot(y, num_classes))).batch(batch_size)
    stream = stream.map(lambda a, b: (augmenter.inference(a), b), num_parallel_calls=AUTOTUNE)
    return stream.cache().prefetch(AUTOTUNE)
