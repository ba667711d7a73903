"""`vitbench report` through click's CliRunner against the fixture store."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from benchmark.cli.report import command


def test_latest_in_experiment_picks_newest_matrix(store, tmp_path):
    out = tmp_path / "r"
    args = ["--experiment", "small", "--latest", "--tracking-uri", store.uri, "--out", str(out)]
    args += ["--format", "md", "--no-log"]
    result = CliRunner().invoke(command, args)
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines() == [str(out / "report.md")]
    assert not (out / "report.html").exists()
    md = (out / "report.md").read_text()
    assert "matrix-smoke-new" in md and "vit_sl" not in md.split("## Paired")[0]


def test_default_is_latest_matrix_and_default_out_dir(store, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("VITBENCH_HOME", raising=False)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", store.uri)
    result = CliRunner().invoke(command, ["--no-log"])
    assert result.exit_code == 0, result.output
    folder = tmp_path / ".vitbench" / "reports" / "matrix-demo-20240101T000000Z"
    assert sorted(result.output.split()) == [str(folder / "report.html"), str(folder / "report.md")]
    assert (tmp_path / folder / "figures" / "learning_curves.png").exists()


def test_experiment_alone_merges_matrices_newest_cell_wins(store, tmp_path):
    from reports.build import build_report

    result = build_report(
        tracking_uri=store.uri, experiment="small", out_dir=tmp_path, log_artifacts=False
    )
    assert result.source.kind == "experiment"
    assert set(result.source.parent_run_ids) == {store.small_old_id, store.small_new_id}
    assert result.stats["n"].to_dict() == {"eanet": 3, "vit": 3, "vit_sl": 3}
    # vit seed 0 ran in both matrices (same config hash): the newer value 0.20 is used, not 0.90
    assert result.stats.loc["vit", "test_accuracy_mean"] == pytest.approx(0.22)
    md = (tmp_path / "report.md").read_text()
    assert md.count("weak evidence (only n=3 paired seeds") == 3
