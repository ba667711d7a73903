"""What `fit` and `evaluate` are fed, for the running Keras backend.

TensorFlow gets one tf.data graph (`pipeline`); JAX and PyTorch get host-assembled batches
(`host_stream`). Both draw order and augmentation parameters from `streams`, so the choice of
backend changes no random draw.
"""

from __future__ import annotations

import keras

from benchmark.data.augment import Augmenter
from benchmark.data.dataset import ImageDataset
from benchmark.data.host_stream import EvaluationBatches, training_batches


def _tf_pipeline():
    from benchmark.data import pipeline  # deferred: imports TensorFlow, optional elsewhere

    return pipeline


def training_feed(
    data: ImageDataset, augmenter: Augmenter, batch_size: int, seed: int, start: int, epochs: int
):
    if keras.backend.backend() == "tensorflow":
        return _tf_pipeline().training_stream(data, augmenter, batch_size, seed, start, epochs)
    return training_batches(data, augmenter, batch_size, seed, start, epochs)


def evaluation_feed(x, y, num_classes: int, augmenter: Augmenter, batch_size: int):
    if keras.backend.backend() == "tensorflow":
        return _tf_pipeline().evaluation_stream(x, y, num_classes, augmenter, batch_size)
    return EvaluationBatches(x, y, num_classes, augmenter, batch_size)
