"""Own data is as fair as the built-ins: every model of a matrix, and every run seed, gets the
same split; for a given run seed every model gets the same training batches (order and
augmented pixels). Each model's data is loaded afresh (memory cleared), as separate workers do.
"""

from __future__ import annotations

import numpy as np
import pytest

from benchmark.config import MODELS, input_size, resolve_config
from benchmark.data.augment import Augmenter, Normalizer
from benchmark.data.loading import clear_memory_cache, load_dataset
from benchmark.data.pipeline import training_stream
from tests.support.image_folders import write_class_folders


@pytest.fixture
def flat_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("VITBENCH_HOME", str(tmp_path / "home"))
    root = tmp_path / "flat"
    write_class_folders(root, layout="flat", classes=("a", "b", "c"), per_class=12)
    yield root
    clear_memory_cache()


def _batches(root, model: str, seed: int, epochs: int = 2):
    overrides = {"data": {"dataset": "folder", "path": str(root)}, "train": {"epochs": epochs}}
    config = resolve_config("smoke", model, seed, overrides)
    clear_memory_cache()  # as a fresh worker process: split recomputed from the cached arrays
    data = load_dataset(config.data)
    augmenter = Augmenter(config.augment, Normalizer(data.x_train), input_size(config, 8))
    stream = training_stream(data, augmenter, 8, config.seed, 0, epochs)
    return data, [(x.numpy(), y.numpy()) for x, y in stream]


def test_every_model_and_seed_gets_the_same_split(flat_folder):
    digests = {
        (model, seed): _batches(flat_folder, model, seed, epochs=1)[0].digest()
        for model in MODELS
        for seed in (0, 1)
    }
    assert len(set(digests.values())) == 1, digests


def test_every_model_sees_the_same_batches_for_a_seed(flat_folder):
    _, reference = _batches(flat_folder, "vit", 0)
    for model in MODELS:
        _, batches = _batches(flat_folder, model, 0)
        assert len(batches) == len(reference)
        for (x, y), (x_ref, y_ref) in zip(batches, reference, strict=True):
            np.testing.assert_array_equal(y, y_ref, err_msg=model)
            np.testing.assert_array_equal(x, x_ref, err_msg=model)
    _, other_seed = _batches(flat_folder, "vit", 1)
    assert not np.array_equal(other_seed[0][1], reference[0][1])  # batches follow the run seed
