"""A matrix report checked against numbers computed independently from MlflowClient."""

from __future__ import annotations

import math
import re

import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests

from reports.build import ReportResult, build_report
from tests.reports.expected import bca_interval, finished_by_model, t_summary

MODELS = ("eanet", "vit", "vit_sl")


@pytest.fixture(scope="module")
def report(store, tmp_path_factory) -> ReportResult:
    out = tmp_path_factory.mktemp("out") / "matrix"
    return build_report(tracking_uri=store.uri, run_id=store.matrix_id, out_dir=out)


@pytest.mark.parametrize("metric", ["test_accuracy", "test_top5_accuracy", "train_time_s"])
def test_main_stats_match_mlflow(report, client, store, metric):
    expected = finished_by_model(client, store.matrix_id, metric)
    assert sorted(report.stats.index) == sorted(expected)
    for model, per_seed in expected.items():
        n, mean, std, _, _ = t_summary(list(per_seed.values()))
        row = report.stats.loc[model]
        assert row[f"{metric}_n"] == n == 5
        assert row[f"{metric}_mean"] == pytest.approx(mean, rel=1e-12)
        assert row[f"{metric}_std"] == pytest.approx(std, rel=1e-12)
        if metric == "train_time_s":  # intervals only where the table shows them (accuracies)
            assert math.isnan(row[f"{metric}_ci_low"])
            continue
        lo, hi = bca_interval(list(per_seed.values()))
        assert row[f"{metric}_ci_low"] == pytest.approx(lo, rel=1e-12)
        assert row[f"{metric}_ci_high"] == pytest.approx(hi, rel=1e-12)
        assert min(per_seed.values()) <= lo < mean < hi <= max(per_seed.values())


def test_markdown_shows_the_numbers_and_bolds_the_best(report, client, store):
    md = report.paths["md"].read_text()
    expected = finished_by_model(client, store.matrix_id, "test_accuracy")
    summaries = {m: t_summary(list(v.values())) for m, v in expected.items()}
    best = max(summaries, key=lambda m: summaries[m][1])
    for model, (n, mean, std, _, _) in summaries.items():
        row = next(line for line in md.splitlines() if line.startswith(f"| {model} | {n} |"))
        cell = f"{100 * mean:.2f} ± {100 * std:.2f}"
        assert (f"**{cell}**" in row) == (model == best), row
        lo, hi = bca_interval(list(expected[model].values()))
        assert f"[{100 * lo:.2f}, {100 * hi:.2f}]" in row
    assert "BCa bootstrap of the mean" in md
    # lower is better for parameters: eanet has the fewest
    eanet_row = next(line for line in md.splitlines() if line.startswith("| eanet | 5 |"))
    assert "**40,000**" in eanet_row


def test_paired_comparison_matches_scipy(report, client, store):
    acc = finished_by_model(client, store.matrix_id, "test_accuracy")
    assert len(report.paired) == 3
    holm = multipletests([r.p_value for r in report.paired], method="holm")[1]
    for result, p_holm in zip(report.paired, holm, strict=True):
        seeds = sorted(set(acc[result.a]) & set(acc[result.b]))
        a = [acc[result.a][s] for s in seeds]
        b = [acc[result.b][s] for s in seeds]
        t_stat, p_value = stats.ttest_rel(a, b)
        n, mean, _, lo, hi = t_summary([x - y for x, y in zip(a, b, strict=True)])
        assert result.seeds == tuple(range(5)) and result.diff.n == n == 5
        assert result.diff.mean == pytest.approx(mean)
        assert (result.diff.ci_low, result.diff.ci_high) == pytest.approx((lo, hi))
        assert result.t_stat == pytest.approx(t_stat)
        assert result.p_value == pytest.approx(p_value)
        assert result.p_holm == pytest.approx(p_holm) and result.p_holm >= result.p_value
        assert result.wilcoxon_p == pytest.approx(stats.wilcoxon(a, b, method="exact").pvalue)
        winner = result.a if mean > 0 else result.b
        expected_verdict = f"{winner} better" if p_holm < 0.05 else "no significant difference"
        assert result.verdict.startswith(expected_verdict)
    md = report.paths["md"].read_text()
    assert "paired t-test (scipy.stats.ttest_rel)" in md and "Holm-Bonferroni" in md


def test_unfinished_runs_are_excluded_and_listed(report, store):
    used = set(report.runs.loc[report.runs["status"] == "FINISHED", "run_id"])
    assert store.failed_id not in used and store.killed_id not in used
    assert report.stats["n"].sum() == 15  # 3 models x 5 seeds, the FAILED/KILLED cells left out
    assert report.stats.loc["vit", "test_accuracy_mean"] < 0.9  # the FAILED run logged 0.99
    md = report.paths["md"].read_text()
    section = md.split("## Runs excluded from statistics", 1)[1]
    assert "NaN loss at epoch 2" in section and store.failed_id in section
    assert "status KILLED" in section and store.killed_id in section


def test_fidelity_states_recipe_differences(report):
    fid = report.fidelity.set_index("reference")
    eanet = fid.loc["keras-io EANet, as printed (Keras 3 example output)"]
    assert eanet["ref_top1"] == pytest.approx(0.1726) and eanet["ref_top5"] == pytest.approx(0.3894)
    assert "matched on model 'eanet' only" in eanet["match"]
    assert "dataset: ours digits vs cifar100" in eanet["differences"]
    assert "epochs: ours 3 vs 50" in eanet["differences"]
    assert "image size: ours 8 vs 32" in eanet["differences"]
    vit_sl = fid.loc["keras-io small-dataset ViT-SL (SPT + LSA)"]
    assert vit_sl["ref_top1"] == pytest.approx(0.5611) and "vs 72" in vit_sl["differences"]
    assert math.isclose(fid.loc["keras-io small-dataset ViT", "ref_top5"], 0.8053)
    assert "claimed in its text" in " ".join(fid.index)
    assert not report.fidelity["matches"].any()
    md = report.paths["md"].read_text()
    section = md.split("## Fidelity to published results", 1)[1].split("\n## ", 1)[0]
    lines = [line for line in section.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("No published result for this recipe (nearest:")
    assert "17.26" not in section  # no row compares digits with CIFAR-100


def test_every_figure_is_present(report):
    keys = {f.key for f in report.figures}
    assert keys == {"learning_curves", "acc_vs_params", "acc_vs_throughput"}
    for fig in report.figures:
        assert fig.png.startswith(b"\x89PNG")
        assert (report.out_dir / "figures" / f"{fig.key}.png").read_bytes() == fig.png
        assert f"](figures/{fig.key}.png)" in report.paths["md"].read_text()


def test_html_is_self_contained(report):
    html = report.paths["html"].read_text()
    images = re.findall(r'<img [^>]*src="([^"]*)"', html)
    assert len(images) == len(report.figures) == 3
    assert all(src.startswith("data:image/png;base64,") for src in images)
    assert not re.search(r"(src|href)=[\"'](?!data:)", html)
    assert "http://" not in html and "https://" not in html and "<link" not in html
    assert html.count("<table>") == 4  # main, paired, runs, excluded (fidelity is one line)


def test_report_logged_as_parent_artifacts(report, client, store):
    logged = {a.path for a in client.list_artifacts(store.matrix_id, "report")}
    assert {"report/report.md", "report/report.html", "report/figures"} <= logged


def test_study_report(store, tmp_path):
    result = build_report(
        tracking_uri=store.uri, study="tune-eanet", out_dir=tmp_path, log_artifacts=False
    )
    assert result.source.parent_run_ids == (store.study_id,)
    keys = {f.key for f in result.figures}
    assert {"optimisation_history", "pareto_front"} <= keys
    assert {"vs_param_model_dim_coefficient", "vs_param_model_num_heads"} <= keys
    assert "vs_param_model_patch_size" not in keys  # constant across trials: not tuned
    # 7 complete trials (the PRUNED one is excluded) are too few for importances
    assert "param_importances" not in keys and result.importances is None
    md = (tmp_path / "report.md").read_text()
    assert "need at least 10 complete trials" in md and "this study has 7 complete trials" in md
    assert "Top 7 of 7 complete trials" in md
    assert result.stats.empty and "95% CI" not in md and "mean over seeds" not in md.lower()
    assert "paired" not in md.lower()  # trials differ in hyperparameters: nothing to pair
    assert "optuna PRUNED" in md and store.pruned_id in md
    assert "assumed maximize, minimize" in md


def test_learning_curves_fetch_at_most_n_runs_per_model(store, tmp_path):
    result = build_report(
        tracking_uri=store.uri,
        run_id=store.matrix_id,
        out_dir=tmp_path,
        max_curves_per_group=2,
        log_artifacts=False,
    )
    curves = next(f for f in result.figures if f.key == "learning_curves")
    assert "(6 runs drawn)" in curves.caption  # 3 models x 2, not all 15 finished runs
