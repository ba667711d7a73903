"""Two `vitbench run` processes on the same local store at once: the cells are shared out
through the queue, none runs twice, and neither crashes on a locked or half-created database."""

from __future__ import annotations

import pytest

from tests.support.cli import cell_runs, local_client, start_vitbench

ARGS = [
    "--preset",
    "smoke",
    "--models",
    "vit,eanet",
    "--seeds",
    "0,1",
    "--epochs",
    "2",
    "--set",
    "data.synthetic_examples=160",
    "--experiment",
    "both",
]


@pytest.mark.slow
def test_two_processes_share_the_cells_without_duplicates(tmp_path):
    first = start_vitbench(ARGS, tmp_path)
    second = start_vitbench(ARGS, tmp_path)
    outputs = [p.communicate(timeout=600)[0] for p in (first, second)]
    for process, output in zip((first, second), outputs, strict=True):
        assert process.returncode == 0, output
        assert "database is locked" not in output and "Traceback" not in output
    runs = cell_runs(local_client(tmp_path), "both")
    hashes = [r.data.tags["config_hash"] for r in runs]
    assert len(runs) == 4 and len(set(hashes)) == 4  # every cell exactly once
    assert all(r.info.status == "FINISHED" for r in runs)
