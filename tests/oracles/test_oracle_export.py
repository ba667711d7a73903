"""`--export-best` exports the study's best trial, recomputed here as the max over COMPLETE
trials' values, when that trial is neither the first nor the last one."""

from __future__ import annotations

import optuna
import yaml
from optuna.distributions import CategoricalDistribution, FloatDistribution
from optuna.trial import TrialState, create_trial

from benchmark.config import resolve_config
from studies.export import best_config, write_preset
from studies.space import load_space

DISTRIBUTIONS = {
    "num_heads": CategoricalDistribution([1, 2, 4]),
    "patch_size": CategoricalDistribution([2, 4]),
    "dim_coefficient": CategoricalDistribution([1, 2, 4]),
    "learning_rate": FloatDistribution(1e-4, 1e-2, log=True),
}
TRIALS = [  # (value, params): the best one sits in the middle; a better one failed
    (0.40, {"num_heads": 1, "patch_size": 2, "dim_coefficient": 1, "learning_rate": 1e-3}),
    (0.71, {"num_heads": 4, "patch_size": 4, "dim_coefficient": 2, "learning_rate": 3e-3}),
    (0.55, {"num_heads": 2, "patch_size": 2, "dim_coefficient": 4, "learning_rate": 2e-4}),
]
WHERE = {"num_heads": "model", "patch_size": "model", "dim_coefficient": "model"}
WHERE["learning_rate"] = "train"


def test_the_exported_preset_is_the_best_trial_not_the_last(tmp_path):
    study = optuna.create_study(direction="maximize")
    for value, params in TRIALS:
        study.add_trial(create_trial(params=params, distributions=DISTRIBUTIONS, value=value))
    study.add_trial(
        create_trial(
            params=TRIALS[0][1], distributions=DISTRIBUTIONS, state=TrialState.FAIL, value=None
        )
    )
    complete = [(v, p) for v, p in TRIALS]
    best_value, best_params = max(complete, key=lambda vp: vp[0])
    assert best_params != TRIALS[-1][1] and best_params != TRIALS[0][1]

    base = resolve_config("smoke", "eanet", 0)
    space = load_space(None, base)
    config = best_config(study, "smoke", "eanet", 0, {}, space)
    path = write_preset("best", config, f"val {best_value}", folder=tmp_path)
    exported = yaml.safe_load(path.read_text())["config"]
    for name, value in best_params.items():
        assert exported[WHERE[name]][name] == value, name
    assert exported["model"]["hidden_dim"] == base.model.hidden_dim  # the rest: the base preset
