"""A study report over a private store: tuned parameters once, Optuna's importances, seed
repeats only when configurations were re-run with other seeds."""

from __future__ import annotations

import optuna
import pytest
from mlflow import MlflowClient

from reports.build import build_report
from tests.reports.conftest import T0, _parent, log_child

N_TRIALS = 12


def _study_store(tmp_path, seeds):
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    client = MlflowClient(tracking_uri=uri)
    exp = client.create_experiment("vitbench", artifact_location=(tmp_path / "a").as_uri())
    tags = {"vitbench.kind": "study", "vitbench.study_name": "s", "vitbench.directions": "maximize"}
    parent = _parent(client, exp, "study-s", tags, T0)
    trials = []
    for number in range(N_TRIALS):
        dim, heads, lr = (1, 2, 4)[number % 3], (2, 4)[(number // 3) % 2], 10 ** -(2 + number % 2)
        acc = 0.40 + 0.05 * dim + 0.002 * heads
        values = {"dim_coefficient": dim, "num_heads": heads, "learning_rate": lr}
        log_child(
            client, exp, parent, model="eanet", seed=seeds(number), preset="demo", acc=acc,
            kind="trial", start=T0 + 1 + number, config_hash=f"t{number}",
            extra_tags={"optuna.trial_number": str(number), "optuna.state": "COMPLETE"},
            extra_params={
                **{f"optuna.{k}": v for k, v in values.items()},  # as studies/objective logs
                "model.dim_coefficient": dim, "model.num_heads": heads, "train.learning_rate": lr,
            },
            extra_metrics={"objective": acc},
        )  # fmt: skip
        trials.append((values, acc))
    return uri, trials


@pytest.fixture(scope="module")
def study_report(tmp_path_factory):
    uri, trials = _study_store(tmp_path_factory.mktemp("study"), seeds=lambda n: 0)
    out = tmp_path_factory.mktemp("study-out")
    return build_report(tracking_uri=uri, study="s", out_dir=out, log_artifacts=False), trials


def test_each_tuned_parameter_once(study_report):
    report, _ = study_report
    md = report.paths["md"].read_text()
    assert "Tuned parameters: dim_coefficient, learning_rate, num_heads." in md
    best = next(s for s in report.document.sections if s.title == "Best trials").items[0]
    assert best.columns[-3:] == ["dim_coefficient", "learning_rate", "num_heads"]
    assert not any(c.startswith(("model.", "train.")) for c in best.columns)
    keys = sorted(f.key for f in report.figures if f.key.startswith("vs_param_"))
    assert keys == ["vs_param_dim_coefficient", "vs_param_learning_rate", "vs_param_num_heads"]


def test_importances_are_optunas_fanova(study_report):
    report, trials = study_report
    imp = report.importances.set_index("param")["importance"]
    assert imp.idxmax() == "dim_coefficient" and imp.sum() == pytest.approx(1.0)
    study = optuna.create_study(direction="maximize")
    dists = {  # the order matters to fANOVA's seeded forest: the report sorts parameter names
        "dim_coefficient": optuna.distributions.IntDistribution(1, 4),
        "learning_rate": optuna.distributions.FloatDistribution(0.001, 0.01),
        "num_heads": optuna.distributions.IntDistribution(2, 4),
    }
    for values, acc in trials:
        params = {k: values[k] for k in dists}
        study.add_trial(optuna.trial.create_trial(params=params, distributions=dists, value=acc))
    ref = optuna.importance.get_param_importances(
        study, evaluator=optuna.importance.FanovaImportanceEvaluator(seed=0)
    )
    assert imp.to_dict() == pytest.approx(ref)
    assert f"over {N_TRIALS} complete trials" in report.paths["md"].read_text()


def test_no_seed_statistics_unless_configurations_repeat(study_report, tmp_path):
    report, _ = study_report
    md = report.paths["md"].read_text()
    assert "repeated over seeds" not in md and "95% CI" not in md and "paired" not in md.lower()
    uri, _ = _study_store(tmp_path, seeds=lambda n: n // 6)  # trials 6-11 repeat 0-5, seed 1
    repeated = build_report(
        tracking_uri=uri, study="s", out_dir=tmp_path / "o", log_artifacts=False
    )
    section = next(s for s in repeated.document.sections if "repeated" in s.title)
    (table,) = section.items
    assert len(table.rows) == 6 and all(row[1] == "2" for row in table.rows)  # 6 configs x 2 seeds
