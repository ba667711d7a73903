"""Each random stream of the input pipeline, tested alone: a pure function of what it is keyed by
(seed, epoch, batch), different when any of those changes, and nothing else.

A whole-run comparison passes as soon as any one stream uses the seed; these do not. Streams are
read from the real `training_stream` (what `fit` consumes), not from a re-implementation.
"""

from __future__ import annotations

import numpy as np
import pytest

from benchmark.config import AugmentConfig
from benchmark.data.augment import Augmenter, Normalizer
from benchmark.data.dataset import ImageDataset
from benchmark.data.pipeline import training_stream
from benchmark.data.streams import epoch_order

COUNT, SIZE, BATCH, EPOCHS = 24, 8, 8, 3
STEPS = COUNT // BATCH
AUGMENT = AugmentConfig(flip="horizontal", rotation_factor=0.1, zoom_factor=0.2)


def _dataset(images: np.ndarray) -> ImageDataset:
    """Label i = example i (one class each), so the labels of a batch spell its order."""
    labels = np.arange(COUNT, dtype="int32")
    empty = images[:1]
    return ImageDataset("t", images, labels, empty, labels[:1], empty, labels[:1], COUNT)


def _varied() -> ImageDataset:
    return _dataset(np.random.default_rng(0).uniform(0, 255, (COUNT, SIZE, SIZE, 3)).astype("f4"))


def _identical() -> ImageDataset:
    """Every example the same image: what differs between outputs is the augmentation draw."""
    image = np.random.default_rng(1).uniform(0, 255, (1, SIZE, SIZE, 3)).astype("float32")
    return _dataset(np.repeat(image, COUNT, axis=0))


def _batches(data: ImageDataset, seed: int, start_epoch: int = 0, augment=AUGMENT):
    """[(images, example ids)] for every batch of epochs [start_epoch, EPOCHS)."""
    augmenter = Augmenter(augment, Normalizer(data.x_train), SIZE)
    stream = training_stream(data, augmenter, BATCH, seed, start_epoch, EPOCHS)
    return [(x.numpy(), np.argmax(y.numpy(), axis=1)) for x, y in stream]


def _order(batches, epoch: int) -> np.ndarray:
    return np.concatenate([ids for _, ids in batches[epoch * STEPS : (epoch + 1) * STEPS]])


def test_epoch_order_is_a_permutation_keyed_by_seed_and_epoch():
    order = epoch_order(7, 2, COUNT)
    assert sorted(order) == list(range(COUNT))
    np.testing.assert_array_equal(order, epoch_order(7, 2, COUNT))
    assert not np.array_equal(order, epoch_order(8, 2, COUNT))  # another seed
    assert not np.array_equal(order, epoch_order(7, 3, COUNT))  # another epoch


def test_batch_order_in_the_stream_follows_the_seed_and_changes_every_epoch():
    data = _varied()
    first, again, other = _batches(data, 0), _batches(data, 0), _batches(data, 1)
    assert len(first) == EPOCHS * STEPS
    for epoch in range(EPOCHS):
        assert sorted(_order(first, epoch)) == list(range(COUNT))  # each example once
        np.testing.assert_array_equal(_order(first, epoch), _order(again, epoch))
        assert not np.array_equal(_order(first, epoch), _order(other, epoch)), epoch
    assert not np.array_equal(_order(first, 0), _order(first, 1))
    assert not np.array_equal(_order(first, 1), _order(first, 2))


def test_a_resumed_stream_is_exactly_the_tail_of_the_uninterrupted_one():
    data = _varied()
    full, resumed = _batches(data, 3), _batches(data, 3, start_epoch=1)
    assert len(resumed) == (EPOCHS - 1) * STEPS
    for (x_full, ids_full), (x_res, ids_res) in zip(full[STEPS:], resumed, strict=True):
        np.testing.assert_array_equal(ids_full, ids_res)
        np.testing.assert_array_equal(x_full, x_res)  # same pixels: same augmentation draws


def test_augmentation_draws_are_keyed_by_seed_epoch_and_batch():
    data = _identical()
    first, again, other = _batches(data, 0), _batches(data, 0), _batches(data, 1)
    for (x1, _), (x2, _) in zip(first, again, strict=True):
        np.testing.assert_array_equal(x1, x2)
    images = [x for x, _ in first]
    assert not np.array_equal(images[0], images[1])  # another batch of the same epoch
    assert not np.array_equal(images[0], images[STEPS])  # the same batch index, next epoch
    for (x1, _), (x2, _) in zip(first, other, strict=True):
        assert not np.array_equal(x1, x2)  # another seed, every batch
    # and within a batch each image has its own draw
    assert not np.array_equal(images[0][0], images[0][1])


@pytest.mark.parametrize("field", ["flip", "rotation_factor", "zoom_factor"])
def test_each_transform_alone_draws_per_image(field):
    """No transform is silently disabled: alone, each one changes identical inputs."""
    alone = {"flip": "none", "rotation_factor": 0.0, "zoom_factor": 0.0}
    alone[field] = {"flip": "horizontal", "rotation_factor": 0.1, "zoom_factor": 0.2}[field]
    x, _ = _batches(_identical(), 0, augment=AugmentConfig(**alone))[0]
    assert len({image.tobytes() for image in x}) > 1
