"""The TensorFlow backend's input pipeline: one tf.data stream over every epoch, prefetched.

The order of each epoch and the augmentation parameters of each batch come from `streams`
(host NumPy, through `tf.numpy_function`), the pixel work is `Augmenter` (keras.ops, here TF
ops in the tf.data graph). One stream for all epochs, so Keras never rebuilds an iterator
between epochs.
"""

from __future__ import annotations

import tensorflow as tf

from benchmark.data import streams
from benchmark.data.augment import Augmenter
from benchmark.data.batches import one_hot
from benchmark.data.dataset import ImageDataset

AUTOTUNE = tf.data.AUTOTUNE


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
    config, size = augmenter.config, augmenter.image_size

    def epoch_indices(epoch):
        order = tf.numpy_function(
            lambda e: streams.epoch_order(seed, int(e), count), [epoch], tf.int64
        )
        order = tf.ensure_shape(order, [count])
        batches = tf.data.Dataset.from_tensor_slices(order).batch(batch_size)
        return batches.enumerate().map(lambda b, ids: (epoch, b, ids))

    def params(epoch, batch_index, n):
        return streams.augmentation_params(config, seed, int(epoch), int(batch_index), int(n), size)

    def load(epoch, batch_index, ids):
        p = tf.numpy_function(params, [epoch, batch_index, tf.size(ids)], tf.float32)
        p = tf.ensure_shape(p, [None, streams.PARAMS])
        x = augmenter.training(tf.gather(images, ids), p)
        return x, tf.gather(labels, ids)

    stream = tf.data.Dataset.range(start_epoch, epochs).flat_map(epoch_indices)
    stream = stream.map(load, num_parallel_calls=AUTOTUNE, deterministic=True)
    return stream.prefetch(AUTOTUNE)


def evaluation_stream(x, y, num_classes: int, augmenter: Augmenter, batch_size: int):
    stream = tf.data.Dataset.from_tensor_slices((x, one_hot(y, num_classes))).batch(batch_size)
    stream = stream.map(lambda a, b: (augmenter.inference(a), b), num_parallel_calls=AUTOTUNE)
    return stream.cache().prefetch(AUTOTUNE)
