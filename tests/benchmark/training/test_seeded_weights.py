"""Initial weights and dropout masks follow the run seed, and nothing else."""

from __future__ import annotations

import re

import numpy as np
import pytest

from benchmark.config import resolve_config
from benchmark.models.classifier import build_classifier
from benchmark.training import determinism
from benchmark.training.loop import train_and_evaluate


class InitialWeights:
    """TrainingHooks that keep the weights the model starts training from."""

    def __init__(self):
        self.weights: dict[str, np.ndarray] = {}

    def on_start(self, info) -> None:
        # keyed by path without Keras' per-process name counters (`..._attention_1/`)
        self.weights = {
            re.sub(r"_\d+(?=/)", "", w.path): np.array(w.numpy()) for w in info.model.weights
        }

    def on_epoch_end(self, epoch, metrics) -> None:
        pass


def _initial(seed: int, examples: int) -> dict[str, np.ndarray]:
    """One real (tiny) run; `examples` changes the dataset and with it the batch order."""
    overrides = {"data": {"synthetic_examples": examples}, "train": {"epochs": 1}}
    hooks = InitialWeights()
    train_and_evaluate(resolve_config("smoke", "vit_sl", seed, overrides), hooks)
    return hooks.weights


def test_initial_weights_follow_the_seed_not_the_data_or_its_order():
    first = _initial(0, 64)
    same_seed = _initial(0, 96)  # other images, other batch order: the same weights
    assert first.keys() == same_seed.keys()
    assert all(np.array_equal(first[k], same_seed[k]) for k in first)
    other = _initial(1, 64)
    # every randomly initialised weight differs (biases, norms, temperatures start constant)
    random = [k for k in first if k.endswith(("kernel", "embeddings"))]
    assert len(random) >= 8
    assert [k for k in random if np.array_equal(first[k], other[k])] == []


@pytest.mark.parametrize("model", ["vit", "eanet"])
def test_dropout_masks_follow_the_seed(model):
    """Same weights, same input: training-mode outputs differ only through dropout draws."""
    dropout = {"attention_dropout_rate": 0.3, "mlp_dropout_rate": 0.3}
    config = resolve_config("smoke", model, 0, {"model": dropout})
    x = np.random.default_rng(0).uniform(-1, 1, (4, 16, 16, 3)).astype("float32")
    weights = None

    def outputs(seed: int, training: bool = True) -> np.ndarray:
        nonlocal weights
        determinism.configure(seed, op_determinism=True)
        net = build_classifier(config.model, 16, 3, 4)
        if weights is None:
            weights = net.get_weights()
        net.set_weights(weights)
        return np.asarray(net(x, training=training))

    first = outputs(0)
    np.testing.assert_array_equal(first, outputs(0))
    assert not np.array_equal(first, outputs(1))
    np.testing.assert_array_equal(outputs(0, training=False), outputs(1, training=False))
