"""Several models trained and logged in ONE process: each run's parameter counts and FLOPs equal
a model built fresh for that run's own config (Keras' own count) and the Keras-free formula
(`models.cost`), so a count cached from the first model cannot pass. The EANet cell runs the
constant schedule: its logged rate is the configured one every epoch."""

from __future__ import annotations

import numpy as np
import pytest

from benchmark.config import resolve_config
from tests.oracles.conftest import train_logged

TINY = {"data": {"synthetic_examples": 64}, "train": {"epochs": 2, "batch_size": 16}}
CELLS = [
    ("vit", {"model": {"hidden_dim": 16}}),
    ("vit_sl", {"model": {"hidden_dim": 24, "mlp_dim": 40}}),
    ("eanet", {"model": {"hidden_dim": 32, "depth": 2}, "train": {"schedule": "constant"}}),
]


@pytest.fixture(scope="module")
def runs(sqlite_store):
    from benchmark.config import deep_merge

    client, uri = sqlite_store
    out = []
    for name, overrides in CELLS:
        config = resolve_config("smoke", name, 0, deep_merge(TINY, overrides))
        run_id, _ = train_logged(client, uri, config, experiment="oracle-counts")
        out.append((config, client.get_run(run_id)))
    return client, out


def _fresh_counts(config) -> dict[str, int]:
    import keras

    from benchmark.models.classifier import build_classifier

    keras.backend.clear_session(free_memory=False)
    size = config.data.synthetic_size
    model = build_classifier(config.model, size, 3, config.data.synthetic_classes, "float32")
    trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    return {"total": model.count_params(), "trainable": trainable}


def test_each_runs_counts_equal_a_model_built_for_its_own_config(runs):
    from benchmark.models.cost import model_cost

    _, cells = runs
    totals = set()
    for config, run in cells:
        fresh = _fresh_counts(config)
        cost = model_cost(config, 3, config.data.synthetic_classes)
        params, metrics = run.data.params, run.data.metrics
        for logged in (int(params["params_total"]), int(metrics["params_total"])):
            assert logged == fresh["total"], config.model.name
        assert int(params["params_trainable"]) == fresh["trainable"] == cost.params
        assert int(params["flops_per_image"]) == int(metrics["flops_per_image"]) == cost.flops
        totals.add(fresh["total"])
    assert len(totals) == len(cells), "precondition: every model has its own count"


def test_constant_schedule_logs_the_configured_rate_every_epoch(runs):
    client, cells = runs
    config, run = cells[-1]
    assert config.train.schedule == "constant"
    history = client.get_metric_history(run.info.run_id, "learning_rate")
    assert sorted(m.step for m in history) == [1, 2]
    for m in history:
        assert m.value == pytest.approx(config.train.learning_rate, rel=1e-6)
