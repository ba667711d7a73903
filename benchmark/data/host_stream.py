"""The JAX and PyTorch backends' input path: batches assembled on the host, pixels on the device.

The same `streams` order and parameters as the TensorFlow pipeline; `Augmenter` runs in
`keras.ops` on the backend's default device (the GPU when there is one). A background thread
prepares the next batches while the device trains on the current one.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator

import keras
import numpy as np
from keras import ops

from benchmark.data import streams
from benchmark.data.augment import Augmenter
from benchmark.data.batches import one_hot, steps_per_epoch
from benchmark.data.dataset import ImageDataset

PREFETCH = 2
_DONE = object()


def _batches(data, augmenter, batch_size, seed, start_epoch, epochs) -> Iterator[tuple]:
    labels = one_hot(data.y_train, data.num_classes)
    count = len(data.x_train)
    steps = steps_per_epoch(count, batch_size)
    config, size = augmenter.config, augmenter.image_size
    for epoch in range(start_epoch, epochs):
        order = streams.epoch_order(seed, epoch, count)
        for batch_index in range(steps):
            ids = order[batch_index * batch_size : (batch_index + 1) * batch_size]
            params = streams.augmentation_params(config, seed, epoch, batch_index, len(ids), size)
            images = augmenter.training(ops.convert_to_tensor(data.x_train[ids]), params)
            yield images, labels[ids]


def training_batches(
    data: ImageDataset,
    augmenter: Augmenter,
    batch_size: int,
    seed: int,
    start_epoch: int,
    epochs: int,
) -> Iterator[tuple]:
    """Every batch of epochs [start_epoch, epochs), in order, prefetched by one thread."""
    ready: queue.Queue = queue.Queue(maxsize=PREFETCH)

    def produce() -> None:
        try:
            for item in _batches(data, augmenter, batch_size, seed, start_epoch, epochs):
                ready.put(item)
        except BaseException as exc:  # surfaces in the consumer, not lost in the thread
            ready.put(exc)
        ready.put(_DONE)

    threading.Thread(target=produce, daemon=True, name="vitbench-batches").start()
    while (item := ready.get()) is not _DONE:
        if isinstance(item, BaseException):
            raise item
        yield item


class EvaluationBatches(keras.utils.PyDataset):
    """Normalised (never augmented) batches, re-iterable for a validation pass every epoch."""

    def __init__(self, x, y, num_classes: int, augmenter: Augmenter, batch_size: int):
        super().__init__()
        self.x = np.asarray(ops.convert_to_numpy(augmenter.inference(ops.convert_to_tensor(x))))
        self.y = one_hot(y, num_classes)
        self.batch_size = batch_size

    def __len__(self) -> int:
        return steps_per_epoch(len(self.x), self.batch_size)

    def __getitem__(self, index: int):
        part = slice(index * self.batch_size, (index + 1) * self.batch_size)
        return self.x[part], self.y[part]
