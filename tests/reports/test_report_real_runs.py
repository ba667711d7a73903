"""The report over runs made by the real `vitbench run` and `vitbench study` (not a fixture):
table numbers equal those computed from MlflowClient, and every figure is embedded."""

from __future__ import annotations

import math
import re
import subprocess
import sys

import pytest
from mlflow import MlflowClient

from reports.build import build_report
from tests.reports.expected import finished_by_model, t_summary
from tests.support.cli import vitbench_env


def _cli(args, cwd):
    done = subprocess.run(
        [sys.executable, "-m", "benchmark", *args],
        cwd=cwd,
        env=vitbench_env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done


@pytest.fixture(scope="module")
def real_store(tmp_path_factory):
    cwd = tmp_path_factory.mktemp("real-store")
    common = ["--preset", "smoke", "--set", "data.synthetic_examples=160"]
    _cli(["run", *common, "--models", "vit,eanet", "--seeds", "0,1", "--epochs", "2"], cwd)
    _cli(
        [
            "study",
            "--model",
            "eanet",
            "--trials",
            "2",
            *common,
            "--set",
            "train.epochs=2",
            "--study-name",
            "tiny",
        ],
        cwd,
    )
    return cwd, f"sqlite:///{(cwd / '.vitbench' / 'mlflow.db').resolve()}"


@pytest.mark.slow
def test_matrix_report_numbers_match_mlflow(real_store, tmp_path):
    _, uri = real_store
    client = MlflowClient(uri)
    report = build_report(
        tracking_uri=uri, latest=True, out_dir=tmp_path / "m", log_artifacts=False
    )
    (parent,) = client.search_runs(
        [client.get_experiment_by_name("vitbench").experiment_id],
        "tags.`vitbench.kind` = 'matrix'",
    )
    expected = finished_by_model(client, parent.info.run_id, "test_accuracy")
    assert sorted(report.stats.index) == ["eanet", "vit"]
    for model, per_seed in expected.items():
        n, mean, std, _, _ = t_summary(list(per_seed.values()))
        row = report.stats.loc[model]
        assert row["test_accuracy_n"] == n == 2
        assert row["test_accuracy_mean"] == pytest.approx(mean, rel=1e-12)
        assert row["test_accuracy_std"] == pytest.approx(std, rel=1e-12)
        assert math.isnan(row["test_accuracy_ci_low"])  # n = 2: no interval at all
    html = report.paths["html"].read_text()
    assert len(re.findall(r'<img[^>]+src="data:image/png;base64,', html)) >= 3
    md = report.paths["md"].read_text()
    assert "weak evidence" in md  # n=2 seeds: no winner declared
    assert md.count("n too small (n=2)") == 4  # top-1 and top-5 of both models


@pytest.mark.slow
def test_study_report_from_a_real_study(real_store, tmp_path):
    _, uri = real_store
    report = build_report(
        tracking_uri=uri, study="tiny", out_dir=tmp_path / "s", log_artifacts=False
    )
    md = report.paths["md"].read_text()
    assert "tiny" in md
    assert len(re.findall(r"!\[[^\]]*\]\(figures/", md)) >= 2
    # each tuned knob once (not as optuna.X and as its config key), and no CI over trials
    tuned = ["dim_coefficient", "learning_rate", "num_heads", "patch_size"]  # default space
    assert f"Tuned parameters: {', '.join(tuned)}." in md
    best = next(s for s in report.document.sections if s.title == "Best trials").items[0]
    assert best.columns[-4:] == tuned and len(best.columns) == len(set(best.columns))
    assert not any(c.startswith(("optuna.", "model.")) for c in best.columns)
    assert report.stats.empty and "95% CI" not in md and "paired" not in md.lower()
    assert "need at least 10 complete trials" in md  # 2 trials: no importances
