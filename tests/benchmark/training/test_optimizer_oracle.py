"""make_optimizer against closed forms: AdamW's decoupled weight decay on one step with a zero
gradient (w * (1 - lr * wd): the Adam term is 0/(0 + eps) = 0), and the warm-up length of the
cosine schedule (linear from 0 to the peak over warmup_fraction of all steps)."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from benchmark.config import resolve_config, with_changes
from benchmark.training.loop import make_optimizer


def _config(**train):
    return with_changes(resolve_config("smoke", "vit", 0, {}), train=train)


def test_one_zero_gradient_step_decays_the_weights_by_lr_times_weight_decay():
    config = _config(schedule="constant", learning_rate=0.01, weight_decay=0.3)
    optimizer = make_optimizer(config, steps=10)
    w0 = np.array([1.0, -2.0, 4.0], dtype="float32")
    variable = keras.Variable(w0)
    optimizer.apply_gradients([(keras.ops.zeros_like(variable), variable)])
    np.testing.assert_allclose(np.asarray(variable), w0 * (1 - 0.01 * 0.3), rtol=1e-6)


@pytest.mark.parametrize("fraction", [0.2, 0.5])
def test_the_warmup_lasts_warmup_fraction_of_all_steps(fraction):
    config = _config(schedule="warmup_cosine", learning_rate=0.01, warmup_fraction=fraction,
                     epochs=2)  # fmt: skip
    schedule = make_optimizer(config, steps=10)._learning_rate  # the schedule; 20 steps in all
    warmup = int(20 * fraction)
    for step in range(warmup + 1):
        assert float(schedule(step)) == pytest.approx(0.01 * step / warmup, rel=1e-5)
