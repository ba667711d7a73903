"""Search spaces are checked at load time, so no trial can draw an invalid model."""

from __future__ import annotations

import pytest

from benchmark.config import MODELS, ConfigError, resolve_config, with_changes
from studies.space import load_space


@pytest.mark.parametrize("model", list(MODELS))
@pytest.mark.parametrize("preset", ["smoke", "demo"])
@pytest.mark.parametrize("space", [None, "wide"])
def test_built_in_spaces_load_for_every_model(model: str, preset: str, space) -> None:
    loaded = load_space(space, resolve_config(preset, model))
    names = {p.name for p in loaded.params}
    assert {"num_heads", "patch_size"} <= names
    assert ("dim_coefficient" in names) == (MODELS[model].attention == "external")


def _error(space: dict, model: str = "eanet", preset: str = "smoke") -> str:
    with pytest.raises(ConfigError) as info:
        load_space({model: space}, resolve_config(preset, model))
    return str(info.value)


def test_patch_size_not_dividing_the_image_is_rejected() -> None:
    message = _error({"patch_size": [2, 3, 4, 5], "num_heads": [1]})
    assert "patch_size" in message and "[3, 5]" in message and "16" in message


def test_heads_must_divide_every_listed_width() -> None:
    message = _error({"hidden_dim": [16, 20], "num_heads": [2, 4, 8]})
    assert "num_heads" in message and "[8]" in message  # 8 does not divide 20; 2 and 4 divide both


def test_heads_must_divide_the_preset_width() -> None:
    message = _error({"num_heads": [2, 3]}, model="vit")  # smoke width is 16
    assert "num_heads" in message and "[3]" in message


def test_dim_coefficient_must_divide_the_width_and_needs_external_attention() -> None:
    message = _error({"dim_coefficient": [2, 32]})
    assert "dim_coefficient" in message and "[32]" in message
    message = _error({"dim_coefficient": [2]}, model="vit")
    assert "dim_coefficient" in message and "external" in message


def test_unknown_parameter_names_the_parameter_and_a_close_match() -> None:
    message = _error({"num_head": [2]})
    assert "unknown parameter 'num_head'" in message and "num_heads" in message


@pytest.mark.parametrize(
    "spec, expected",
    [
        ({"num_heads": []}, "empty choices"),
        ({"learning_rate": {"low": 1e-2, "high": 1e-4, "log": True}}, "empty range"),
        ({"depth": {"low": 3, "high": 1}}, "empty range"),
        ({"learning_rate": {"low": 0.0, "high": 1e-2, "log": True}}, "log range needs low > 0"),
        ({"depth": {"low": 1, "high": 2.5}}, "integer bounds"),
        ({"learning_rate": {"low": 1e-4}}, "expected a list of choices"),
    ],
)
def test_bad_ranges_are_clear_errors(spec: dict, expected: str) -> None:
    assert expected in _error(spec)


def test_a_range_end_that_the_config_rejects_is_caught() -> None:
    message = _error({"learning_rate": {"low": 0.0, "high": 1e-2}})
    assert "train.learning_rate" in message


def test_suggested_values_become_config_overrides() -> None:
    import optuna

    base = resolve_config("smoke", "eanet")
    space = load_space(None, base)
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    for _ in range(20):
        trial = study.ask()
        values = space.suggest(trial)
        config = with_changes(base, **space.overrides(values))  # validates: never raises
        assert config.model.num_heads == values["num_heads"]
        assert config.train.learning_rate == values["learning_rate"]
        study.tell(trial, 0.0)


def test_step_and_log_reach_the_distributions_optuna_records() -> None:
    import optuna
    from optuna.distributions import FloatDistribution, IntDistribution

    from studies.space import Param

    heads = Param("num_heads", low=2, high=8, step=2)
    rate = Param("learning_rate", low=1e-4, high=1e-1, log=True)
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    drawn = set()
    for _ in range(20):
        trial = study.ask()
        drawn.add(heads.suggest(trial))
        rate.suggest(trial)
        study.tell(trial, 0.0)
    assert drawn <= {2, 4, 6, 8}
    assert trial.distributions["num_heads"] == IntDistribution(2, 8, step=2)
    assert trial.distributions["learning_rate"] == FloatDistribution(1e-4, 1e-1, log=True)
