"""`perf --backends`: per-backend rows reduce alternated repeats to medians and PAIRED ratios."""

from __future__ import annotations

import pytest

from benchmark.perf.backends import backend_rows, render_rows


def _round(rate: float) -> dict:
    return {"jobs": [{"job": "vit", "median": {"harness": {"train_images_per_s": rate}}}]}


def test_ratios_are_medians_of_per_repeat_pairs_not_ratios_of_medians():
    # a machine that slows down over the run: repeat 3 is slow for both backends alike
    rounds = {
        "tensorflow": [_round(100.0), _round(110.0), _round(40.0)],
        "jax": [_round(120.0), _round(121.0), _round(60.0)],
    }
    rows = {r["backend"]: r for r in backend_rows(rounds)}
    assert rows["tensorflow"]["ratio_to_tensorflow"] == 1.0
    assert rows["jax"]["images_per_s"] == 120.0  # median of 120, 121, 60
    assert rows["jax"]["ratio_to_tensorflow"] == pytest.approx(1.2)  # median of 1.2, 1.1, 1.5
    assert rows["jax"]["samples"] == [120.0, 121.0, 60.0]
    assert pytest.approx(121.0 / 110.0) != 120.0 / 100.0  # the two reductions differ here
    table = render_rows(list(rows.values()))
    assert "jax" in table and "1.200" in table
