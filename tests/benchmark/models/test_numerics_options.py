"""`train.precision` (mixed precision) and `train.jit_compile` (XLA) as config options.

Mixed precision and XLA are meant for GPU runs; here they are checked for what can be wrong on any
device: the layers compute in the asked dtype with float32 variables and float32 logits, the
policy does not leak into the next model, a mixed-float16 run trains with loss scaling, and XLA
is refused up front where TensorFlow would silently drop it (op determinism).
"""

from __future__ import annotations

import math

import keras
import numpy as np
import pytest

from benchmark.config import deep_merge, parse_override, resolve_config
from benchmark.errors import ConfigError
from benchmark.models.classifier import build_classifier
from benchmark.training.loop import train_and_evaluate

SIZE, CHANNELS, CLASSES = 16, 3, 4  # the tiny_model_config shapes


@pytest.mark.parametrize("name", ["vit", "vit_sl", "eanet"])
@pytest.mark.parametrize("precision,compute", [("mixed_bfloat16", "bfloat16"),
                                               ("mixed_float16", "float16")])  # fmt: skip
def test_mixed_policy_computes_low_keeps_float32_variables_and_logits(
    tiny_model_config, name, precision, compute
):
    model = build_classifier(tiny_model_config(name), SIZE, CHANNELS, CLASSES, precision)
    blocks = [layer for layer in model.layers if layer.name.startswith("block_")]
    assert blocks and all(block.compute_dtype == compute for block in blocks)
    assert {str(v.dtype) for v in model.weights} == {"float32"}
    images = np.zeros((2, SIZE, SIZE, CHANNELS), "float32")
    assert keras.backend.standardize_dtype(model(images).dtype) == "float32"
    assert keras.config.dtype_policy().name == "float32"  # restored for the next model


def test_default_precision_is_float32(tiny_model_config):
    model = build_classifier(tiny_model_config("vit"), SIZE, CHANNELS, CLASSES)
    assert {layer.compute_dtype for layer in model.layers} == {"float32"}


def _smoke(*sets: str):
    overrides: dict = {}
    for text in ("train.epochs=2", "data.synthetic_examples=96", *sets):
        overrides = deep_merge(overrides, parse_override(text))
    return resolve_config("smoke", "vit_sl", 0, overrides)


def test_mixed_float16_run_trains_with_loss_scaling():
    result = train_and_evaluate(_smoke("train.precision=mixed_float16"))
    assert type(result.model.optimizer).__name__ == "LossScaleOptimizer"
    losses = [epoch["loss"] for epoch in result.history]
    assert all(math.isfinite(loss) for loss in losses)
    assert losses[-1] < losses[0]
    assert result.test["test_accuracy"] > 0.5  # 4 classes (chance 0.25), separable synthetic data


def test_xla_with_op_determinism_is_refused_naming_both_fields():
    with pytest.raises(ConfigError) as info:
        _smoke("train.jit_compile=true")
    assert "train.jit_compile" in str(info.value) and "train.op_determinism" in str(info.value)


def test_op_determinism_is_switched_off_again_for_the_next_run():
    from benchmark.training.loop import determinism

    determinism.configure(0, op_determinism=True)
    assert determinism.settings()["determinism.op_determinism"] == "true"
    determinism.configure(0, op_determinism=False)
    assert determinism.settings()["determinism.op_determinism"] == "false"
    determinism.configure(0, op_determinism=True)


def test_unknown_precision_names_the_allowed_values():
    with pytest.raises(ConfigError, match="train.precision.*mixed_bfloat16"):
        _smoke("train.precision=fp8")
