"""A cell's checkpoint where every worker can reach it: the run's own MLflow artifacts
(`checkpoints/epoch-00005.npz`; works with the compose stack's served artifacts) or, with
`--checkpoint-uri`, `<uri>/<run_id>/` (a shared folder, or any artifact store MLflow knows).

Each epoch the local checkpoint file is uploaded under a new name and only then are older epochs
deleted, so the newest complete checkpoint always exists; a file cut short by a dying worker
fails to load, is named in a warning, and the one before it is used. A worker taking over a
lost cell downloads the newest one and resumes the same run from it.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from mlflow.entities import Run
from mlflow.store.artifact.artifact_repository_registry import get_artifact_repository

from benchmark.training import checkpoint

FOLDER = "checkpoints"
_NAME = re.compile(r"^epoch-(\d{5})\.npz$")


def _name(epoch: int) -> str:
    return f"epoch-{epoch:05d}.npz"


def as_uri(location: str) -> str:
    """A plain path becomes an absolute file URI: workers start in different folders."""
    parsed = urlparse(location)
    if parsed.scheme == "file":
        return Path(parsed.path).resolve().as_uri()
    if parsed.scheme == "":
        return Path(location).expanduser().resolve().as_uri()
    return location.rstrip("/")


@dataclass(frozen=True)
class SharedCheckpoints:
    uri: str  # the artifact location holding this run's epoch-*.npz files
    tracking_uri: str | None = None

    @classmethod
    def for_run(
        cls, run: Run, checkpoint_uri: str | None = None, tracking_uri: str | None = None
    ) -> SharedCheckpoints:
        """The run's `checkpoints/` artifacts, or `<checkpoint_uri>/<run_id>`."""
        if checkpoint_uri:
            return cls(f"{as_uri(checkpoint_uri)}/{run.info.run_id}", tracking_uri)
        return cls(f"{run.info.artifact_uri.rstrip('/')}/{FOLDER}", tracking_uri)

    def _repo(self):
        return get_artifact_repository(self.uri, tracking_uri=self.tracking_uri)

    def epochs(self) -> list[int]:
        """Epochs with a checkpoint file, newest first (empty when none or unreadable)."""
        try:
            files = self._repo().list_artifacts()
        except Exception:
            return []
        found = (_NAME.match(Path(f.path).name) for f in files if not f.is_dir)
        return sorted((int(m.group(1)) for m in found if m), reverse=True)

    def publish(self, directory: Path, epoch: int) -> float:
        """Upload the local checkpoint of `epoch`, then prune older ones; seconds it took."""
        start = time.perf_counter()
        staging = Path(tempfile.mkdtemp(prefix="vitbench-ckpt-"))
        try:
            staged = staging / _name(epoch)
            try:
                os.link(checkpoint.path_of(directory), staged)  # no copy of a large file
            except OSError:
                shutil.copy2(checkpoint.path_of(directory), staged)
            repo = self._repo()
            repo.log_artifact(str(staged))
            for old in self.epochs():
                if old < epoch:
                    repo.delete_artifacts(_name(old))
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return time.perf_counter() - start

    def fetch(self, directory: Path, config_hash: str) -> checkpoint.ResumeState | None:
        """Put the newest complete checkpoint of this config into `directory` (the local
        checkpoint folder); None when there is none."""
        directory.mkdir(parents=True, exist_ok=True)
        for epoch in self.epochs():
            # staged beside the target, so the final rename is atomic (same file system)
            staging = Path(tempfile.mkdtemp(prefix=".fetch-", dir=directory))
            try:
                local = Path(self._repo().download_artifacts(_name(epoch), str(staging)))
                state = checkpoint.read_state(local)
            except Exception as exc:  # cut short by a dying upload: try the one before
                checkpoint.warn_unreadable(f"{self.uri}/{_name(epoch)}", exc)
                shutil.rmtree(staging, ignore_errors=True)
                continue
            try:
                if state.config_hash == config_hash:
                    checkpoint.install(local, directory)  # fsynced; the local one kept as previous
                    return state
            finally:
                shutil.rmtree(staging, ignore_errors=True)
        return None

    def clear(self) -> None:
        """Delete every checkpoint file: the cell has ended."""
        repo = self._repo()
        for epoch in self.epochs():
            # the run's result is logged; a leftover file is harmless
            with contextlib.suppress(Exception):
                repo.delete_artifacts(_name(epoch))
