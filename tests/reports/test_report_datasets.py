"""Reports over private stores: several datasets (ranks), a keras-io recipe (fidelity row),
and two seeds (no interval)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scikit_posthocs as sp
from mlflow import MlflowClient
from scipy import stats

from reports.build import build_report
from tests.reports.conftest import T0, _matrix_tags, _parent, log_child

MODELS = ("eanet", "vit", "vit_sl")
BASE = {
    ("digits", "eanet"): 0.55, ("digits", "vit"): 0.60, ("digits", "vit_sl"): 0.66,
    ("synthetic", "eanet"): 0.42, ("synthetic", "vit"): 0.40, ("synthetic", "vit_sl"): 0.47,
}  # fmt: skip


def _store(tmp_path, cells):
    """One matrix parent; cells = [(model, seed, dataset, preset, acc, extra_params)]."""
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    client = MlflowClient(tracking_uri=uri)
    exp = client.create_experiment("vitbench", artifact_location=(tmp_path / "a").as_uri())
    parent = _parent(client, exp, "matrix-private", _matrix_tags("mixed"), T0)
    for i, (model, seed, dataset, preset, acc, extra) in enumerate(cells):
        log_child(
            client, exp, parent, model=model, seed=seed, preset=preset, acc=acc, start=T0 + 1 + i,
            config_hash=f"{preset}-{dataset}-{model}-{seed}", extra_tags={"dataset": dataset},
            extra_params={"data.dataset": dataset, **extra},
        )  # fmt: skip
    return uri, parent


@pytest.fixture(scope="module")
def two_datasets(tmp_path_factory):
    rng = np.random.default_rng(4)
    cells = [
        (m, s, d, "demo", float(np.round(BASE[(d, m)] + rng.normal(0, 0.01), 4)), {})
        for d in ("digits", "synthetic")
        for m in MODELS
        for s in range(3)
    ]
    uri, parent = _store(tmp_path_factory.mktemp("datasets"), cells)
    out = tmp_path_factory.mktemp("datasets-out")
    return build_report(tracking_uri=uri, run_id=parent, out_dir=out, log_artifacts=False), cells


def test_ranks_across_datasets_match_the_libraries(two_datasets):
    report, cells = two_datasets
    frame = pd.DataFrame(cells, columns=["model", "seed", "dataset", "preset", "acc", "x"])
    means = frame.pivot_table(index="dataset", columns="model", values="acc", aggfunc="mean")
    ranks = report.ranks
    assert ranks is not None and list(ranks.scores.index) == ["demo / digits", "demo / synthetic"]
    assert ranks.scores.to_numpy() == pytest.approx(means.to_numpy())
    expected_ranks = means.rank(axis=1, ascending=False).mean()
    assert ranks.mean_ranks.sort_index().to_numpy() == pytest.approx(expected_ranks.to_numpy())
    ref = stats.friedmanchisquare(*(means[m] for m in MODELS))
    assert ranks.friedman_stat == pytest.approx(ref.statistic)
    nemenyi = sp.posthoc_nemenyi_friedman(means.to_numpy())
    assert ranks.nemenyi.to_numpy() == pytest.approx(nemenyi.to_numpy())
    md = report.paths["md"].read_text()
    assert "## Ranks across datasets and presets" in md and "Friedman test" in md
    assert "critical_difference" in {f.key for f in report.figures}


def test_pairs_stay_within_a_dataset(two_datasets):
    report, _ = two_datasets
    assert len(report.paired) == 6  # 3 pairs per dataset, never digits vs synthetic
    for r in report.paired:
        assert r.a.split(" / ")[-1] == r.b.split(" / ")[-1]
    assert all(r.verdict.startswith("weak evidence (only n=3") for r in report.paired)


def test_keras_io_recipe_keeps_its_fidelity_row_and_two_seeds_get_no_interval(tmp_path):
    recipe = {"train.epochs": 50, "input_size": 32}
    cells = [("eanet", s, "cifar100", "keras-io-eanet", 0.17 + s / 100, recipe) for s in range(2)]
    uri, parent = _store(tmp_path, cells)
    report = build_report(
        tracking_uri=uri, run_id=parent, out_dir=tmp_path / "o", log_artifacts=False
    )
    fid = report.fidelity
    assert fid["matches"].all() and set(fid["reference"]) == {
        "keras-io EANet, as printed (Keras 3 example output)",
        "keras-io EANet, claimed in its text (~)",
    }
    md = report.paths["md"].read_text()
    section = md.split("## Fidelity to published results", 1)[1].split("\n## ", 1)[0]
    assert "| eanet | 2 | 17.50 |" in section and "17.26" in section and "43.00" in section
    assert "No published result" not in section
    assert report.stats.loc["eanet", "test_accuracy_n"] == 2
    assert np.isnan(report.stats.loc["eanet", "test_accuracy_ci_low"])
    main = md.split("## Results per model", 1)[1].split("\n## ", 1)[0]
    assert main.count("n too small (n=2)") == 2 and "[" not in main.split("\n_")[0]
