"""Reports that cannot be built say why, exit non-zero and write nothing."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from benchmark.cli.report import command
from reports.build import build_report
from reports.errors import (
    ExperimentNotFoundError,
    NoFinishedRunsError,
    ReportError,
    RunNotFoundError,
    StoreNotFoundError,
)


def test_unknown_experiment(store, tmp_path):
    with pytest.raises(ExperimentNotFoundError, match="'nope' does not exist.*vitbench"):
        build_report(tracking_uri=store.uri, experiment="nope", out_dir=tmp_path / "o")
    assert not (tmp_path / "o").exists()


def test_parent_without_finished_runs(store, tmp_path):
    with pytest.raises(NoFinishedRunsError, match="none FINISHED"):
        build_report(tracking_uri=store.uri, run_id=store.broken_id, out_dir=tmp_path / "o")
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"run_id": "0" * 32}, "No run with id"),
        ({"study": "missing-study"}, "No study parent run"),
    ],
)
def test_unknown_selectors(store, tmp_path, kwargs, message):
    with pytest.raises(RunNotFoundError, match=message):
        build_report(tracking_uri=store.uri, out_dir=tmp_path / "o", **kwargs)


def test_cell_run_is_not_a_parent(store, tmp_path):
    with pytest.raises(RunNotFoundError, match="is a 'cell' run"):
        build_report(tracking_uri=store.uri, run_id=store.failed_id, out_dir=tmp_path / "o")


def test_missing_local_store_is_not_created(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.delenv("VITBENCH_HOME", raising=False)
    result = CliRunner().invoke(command, ["--latest", "--no-log"])
    assert result.exit_code != 0 and "No tracking store" in result.output, result.output
    assert not (tmp_path / ".vitbench").exists()


def test_missing_store_is_an_error_not_an_empty_store(tmp_path):
    uri = f"sqlite:///{tmp_path / 'none' / 'mlflow.db'}"
    with pytest.raises(StoreNotFoundError, match="No tracking store"):
        build_report(tracking_uri=uri, out_dir=tmp_path / "o")
    assert not (tmp_path / "none").exists()


def test_unknown_format(store, tmp_path):
    with pytest.raises(ReportError, match="Unknown format"):
        build_report(tracking_uri=store.uri, formats=("pdf",), out_dir=tmp_path / "o")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--experiment", "nope"], "'nope' does not exist"),
        (["--run", "BROKEN"], "none FINISHED"),
    ],
)
def test_cli_exits_non_zero_with_a_message(store, tmp_path, args, message):
    args = [store.broken_id if a == "BROKEN" else a for a in args]
    out = tmp_path / "o"
    result = CliRunner().invoke(command, [*args, "--tracking-uri", store.uri, "--out", str(out)])
    assert result.exit_code == 2  # a user error, like every other (`error: ...`, exit 2)
    assert message in result.output and "error: " in result.output
    assert not out.exists()


def test_cli_rejects_conflicting_selectors(store):
    result = CliRunner().invoke(command, ["--run", "x", "--study", "y"])
    assert result.exit_code == 2 and "--run names one parent" in result.output
