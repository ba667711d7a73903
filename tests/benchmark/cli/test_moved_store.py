"""A `.vitbench/` copied to another folder works there: `runs`, `report` and a further `run`
read and write the copy's own artifacts (MLflow recorded absolute URIs of the original folder),
and the original is left byte-identical. A store copied without its artifacts fails clearly."""

from __future__ import annotations

import json
import shutil
import sqlite3

import pytest

from tests.benchmark.cli.conftest import copy_store, snapshot
from tests.benchmark.cli.test_runs import vitbench
from tests.support.cli import TINY, cell_runs, local_client, run_vitbench


def artifact_uris(store) -> list[str]:
    with sqlite3.connect(store / "mlflow.db") as conn:
        rows = conn.execute(
            "SELECT artifact_location FROM experiments WHERE name = 'vitbench' "
            "UNION ALL SELECT artifact_uri FROM runs "
            "UNION ALL SELECT artifact_location FROM logged_models"
        ).fetchall()
    return [uri for (uri,) in rows]


@pytest.mark.slow
def test_a_copied_store_reads_and_writes_its_own_artifacts(
    tiny_matrix, tmp_path, monkeypatch, capsys
):
    original = snapshot(tiny_matrix.root / ".vitbench")
    work = copy_store(tiny_matrix, tmp_path / "elsewhere")
    store = work / ".vitbench"
    new_prefix = (store / "artifacts").as_uri() + "/"

    code, out, err = vitbench(["runs", "--format", "json"], work, monkeypatch, capsys)
    assert code == 0, err
    assert {r["run_id"] for r in json.loads(out)} == set(tiny_matrix.cell_run_ids)
    assert "was copied or moved from" in err and str(tiny_matrix.root) in err
    uris = artifact_uris(store)
    assert len(uris) >= 1 + 3 + 2  # the experiment, parent + 2 cells, 2 logged models
    assert all(uri.startswith(new_prefix) for uri in uris), uris

    code, out, err = vitbench(["report", "--latest", "--format", "md"], work, monkeypatch, capsys)
    assert code == 0, err
    client = local_client(work)
    parent = client.get_run(tiny_matrix.parent_run_id)
    assert parent.info.artifact_uri.startswith(new_prefix)
    logged = store / "artifacts" / "vitbench" / tiny_matrix.parent_run_id / "artifacts"
    assert any(logged.rglob("report.md")), "the report was not logged into the copy"

    done = run_vitbench([*TINY, "--models", "vit", "--seeds", "1", "--epochs", "1", "--quiet"],
                        work)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip().endswith(": 1 FINISHED"), done.stdout  # --quiet: one line
    assert "next:" not in done.stdout
    (new_cell,) = [r for r in cell_runs(client, "vitbench") if r.data.tags["seed"] == "1"]
    assert new_cell.info.artifact_uri.startswith(new_prefix)
    assert (store / "artifacts" / "vitbench" / new_cell.info.run_id / "artifacts").is_dir()

    assert snapshot(tiny_matrix.root / ".vitbench") == original  # nothing written to the original


def test_a_store_copied_without_artifacts_fails_naming_both_paths(
    tiny_matrix, tmp_path, monkeypatch, capsys
):
    work = tmp_path / "db-only"
    (work / ".vitbench").mkdir(parents=True)
    shutil.copy2(tiny_matrix.root / ".vitbench" / "mlflow.db", work / ".vitbench" / "mlflow.db")
    code, _, err = vitbench(["runs"], work, monkeypatch, capsys)
    assert code == 2
    assert "copied without its artifacts" in err
    assert str(tiny_matrix.root / ".vitbench" / "artifacts") in err
    assert str(work / ".vitbench" / "artifacts") in err
