"""`--set` order and the fraction bounds, recomputed by hand (mutants config-set-first-wins,
config-fraction-allows-one)."""

from __future__ import annotations

import pytest

from benchmark.config import resolve_config
from benchmark.config.loading import overrides_from
from benchmark.errors import ConfigError


def test_a_later_set_of_the_same_key_wins_and_siblings_stay():
    merged = overrides_from(["train.epochs=2", "model.depth=1", "train.epochs=3"])
    assert merged == {"train": {"epochs": 3}, "model": {"depth": 1}}
    config = resolve_config("smoke", "vit", 0, merged)
    assert (config.train.epochs, config.model.depth) == (3, 1)


@pytest.mark.parametrize(
    "path", ["data.validation_fraction", "data.test_fraction", "train.label_smoothing"]
)
def test_a_fraction_of_one_is_refused_naming_the_field(path):
    section, field = path.split(".")
    with pytest.raises(ConfigError, match=path.replace(".", r"\.")):
        resolve_config("smoke", "vit", 0, {section: {field: 1.0}})
    resolve_config("smoke", "vit", 0, {section: {field: 0.5}})  # inside (0, 1): accepted
