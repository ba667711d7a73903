"""The cell's test metrics, one batch's loss and the per-epoch learning rate, recomputed by
another path: NumPy on the trained model's logits over the TEST split (normalised with
training-split statistics computed here) and the closed-form warm-up cosine schedule."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tests.oracles.conftest import (
    BATCH,
    EPOCHS,
    TRAIN_EXAMPLES,
    smoothed_cross_entropy,
    train_stats,
)


def _logits(cell, x: np.ndarray) -> np.ndarray:
    mean, std = train_stats(cell.data.x_train)
    ready = ((x.astype("float64") - mean) / std).astype("float32")
    return np.asarray(cell.result.model.predict(ready, batch_size=64, verbose=0), dtype="float64")


def test_test_top1_top5_and_loss_equal_numpy_on_the_test_split(logged_cell):
    cell = logged_cell
    x, y = cell.data.x_test, cell.data.y_test
    logits = _logits(cell, x)
    ranked = np.argsort(-logits, axis=1)
    top1 = float(np.mean(ranked[:, 0] == y))
    top5 = float(np.mean([label in row[:5] for label, row in zip(y, ranked, strict=True)]))
    loss = smoothed_cross_entropy(logits, y, cell.config.train.label_smoothing)
    assert top5 > top1 + 0.02, "precondition: top-5 and top-1 differ on this model"
    assert len(x) != len(cell.data.x_val)  # a split mix-up changes the denominator too

    logged = cell.client.get_run(cell.run_id).data.metrics
    assert logged["test_accuracy"] == pytest.approx(top1, abs=0.5 / len(y))
    assert logged["test_top5_accuracy"] == pytest.approx(top5, abs=0.5 / len(y))
    assert logged["test_loss"] == pytest.approx(loss, rel=1e-4)
    # and not the validation split's numbers
    val_logits = _logits(cell, cell.data.x_val)
    assert logged["test_accuracy"] != pytest.approx(
        float(np.mean(val_logits.argmax(1) == cell.data.y_val)), abs=1e-9
    )


def test_the_normaliser_holds_training_split_statistics_only(logged_cell):
    mean, std = train_stats(logged_cell.data.x_train)
    (normalizer,) = logged_cell.normalizers
    np.testing.assert_allclose(normalizer.mean, mean, rtol=1e-5)
    np.testing.assert_allclose(normalizer.std, std, rtol=2e-4)  # float32 variance: ~1e-4
    test_mean, test_std = train_stats(logged_cell.data.x_test)
    assert not np.allclose(test_mean, mean, rtol=1e-3), "precondition: the splits differ"
    assert not np.allclose(test_std, std, rtol=1e-3), "precondition: the splits differ"


def test_one_batch_loss_is_cross_entropy_with_the_configured_label_smoothing(logged_cell):
    cell = logged_cell
    smoothing = cell.config.train.label_smoothing
    assert smoothing > 0
    x, y = cell.data.x_test[:BATCH], cell.data.y_test[:BATCH]
    mean, std = train_stats(cell.data.x_train)
    ready = ((x.astype("float64") - mean) / std).astype("float32")
    onehot = np.eye(cell.data.num_classes, dtype="float32")[y]
    keras_loss = cell.result.model.evaluate(ready, onehot, batch_size=BATCH, verbose=0)[0]
    logits = _logits(cell, x)
    assert keras_loss == pytest.approx(smoothed_cross_entropy(logits, y, smoothing), rel=1e-4)
    assert keras_loss != pytest.approx(smoothed_cross_entropy(logits, y, 0.0), rel=1e-3)


def warmup_cosine(step: int, peak: float, total: int, warmup: int) -> float:
    """Linear 0 -> peak over `warmup` steps, then a cosine from peak to 0 at `total`."""
    if warmup and step < warmup:
        return peak * step / warmup
    progress = min(step - warmup, total - warmup) / max(1, total - warmup)
    return peak * 0.5 * (1 + math.cos(math.pi * progress))


def test_logged_learning_rate_follows_the_closed_form_warmup_cosine(logged_cell):
    t = logged_cell.config.train
    steps = math.ceil(TRAIN_EXAMPLES / t.batch_size)
    total, warmup = steps * EPOCHS, int(steps * EPOCHS * t.warmup_fraction)
    expected = {e: warmup_cosine(e * steps, t.learning_rate, total, warmup) for e in (1, 2, 3)}
    assert warmup > steps, "precondition: epoch 1 ends inside the warm-up"
    history = logged_cell.client.get_metric_history(logged_cell.run_id, "learning_rate")
    got = {m.step: m.value for m in history}
    assert sorted(got) == [1, 2, 3]
    for epoch, value in expected.items():
        assert got[epoch] == pytest.approx(value, rel=1e-5, abs=1e-9), epoch
