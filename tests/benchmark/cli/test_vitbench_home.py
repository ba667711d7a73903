"""`VITBENCH_HOME` moves every store: a run and a later report from other folders meet there."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.cli import TINY, run_vitbench


@pytest.mark.slow
def test_run_then_report_latest_share_vitbench_home(tmp_path: Path) -> None:
    home = tmp_path / "home"
    run_dir, report_dir = tmp_path / "a", tmp_path / "b"
    run_dir.mkdir()
    report_dir.mkdir()
    env = {"VITBENCH_HOME": str(home)}
    done = run_vitbench(
        [*TINY, "--models", "vit", "--seeds", "0", "--epochs", "1"], run_dir, env=env
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert (home / "mlflow.db").is_file()

    report = run_vitbench(["--latest", "--no-log"], report_dir, env=env, command="report")
    assert report.returncode == 0, report.stdout + report.stderr
    written = [Path(line) for line in report.stdout.split()]
    assert {p.name for p in written} == {"report.md", "report.html"}
    for path in written:
        assert path.is_absolute() and path.is_file()
        assert path.parent.parent == home / "reports"
    assert "vit" in written[0].with_name("report.md").read_text()
    assert not (run_dir / ".vitbench").exists() and not (report_dir / ".vitbench").exists()
