"""One real tiny matrix (vit + eanet, seed 0, 1 epoch, smoke preset) trained once per session,
for the tests of the commands that read a store: `runs`, `--dry-run`, `ui`, a copied store.
Tests that write copy it first (`copy_store`)."""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.cli import TINY, cell_runs, local_client, run_vitbench

MATRIX_ARGS = [*TINY, "--models", "vit,eanet", "--seeds", "0", "--epochs", "1"]


@dataclass(frozen=True)
class TinyMatrix:
    root: Path  # the working directory; the store is root / ".vitbench"
    output: str  # what `vitbench run` printed
    parent_run_id: str
    cell_run_ids: tuple[str, ...]


@pytest.fixture(scope="session")
def tiny_matrix(tmp_path_factory: pytest.TempPathFactory) -> TinyMatrix:
    root = tmp_path_factory.mktemp("tiny-matrix")
    done = run_vitbench(MATRIX_ARGS, root)
    assert done.returncode == 0, done.stdout + done.stderr
    runs = cell_runs(local_client(root), "vitbench")
    parents = {r.data.tags["mlflow.parentRunId"] for r in runs}
    assert len(runs) == 2 and len(parents) == 1
    return TinyMatrix(root, done.stdout, parents.pop(), tuple(r.info.run_id for r in runs))


def copy_store(matrix: TinyMatrix, folder: Path) -> Path:
    """A copy of the matrix's whole `.vitbench/` in `folder` (the working directory to use)."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copytree(matrix.root / ".vitbench", folder / ".vitbench")
    return folder


def snapshot(folder: Path) -> dict[str, str]:
    """Relative path -> sha256 of every file below `folder` (the file set and the bytes)."""
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }
