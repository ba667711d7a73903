"""A local, ordered record of tracking writes that could not reach the server.

When the server goes away mid-run, training goes on; every write for that run is appended here
(one JSON line each) and replayed, in order, when the server answers again (at the end of the
cell or at the start of the next `vitbench run`). Nothing is lost and nothing is written twice.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from mlflow.entities import Metric, Param, RunTag
from mlflow.tracking import MlflowClient

from benchmark.paths import spool_root

OPS_FILE = "ops.jsonl"


def run_dir(run_id: str) -> Path:
    return spool_root() / run_id


def has_pending(run_id: str) -> bool:
    return (run_dir(run_id) / OPS_FILE).is_file()


def append(run_id: str, op: dict[str, Any]) -> None:
    directory = run_dir(run_id)
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / OPS_FILE, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(op) + "\n")


def apply(client: MlflowClient, run_id: str, op: dict[str, Any]) -> None:
    """Perform one recorded write against the server."""
    kind = op["op"]
    if kind == "batch":
        client.log_batch(
            run_id,
            metrics=[Metric(k, v, op["ts"], op["step"]) for k, v in op.get("metrics", {}).items()],
            params=[Param(k, str(v)) for k, v in op.get("params", {}).items()],
            tags=[RunTag(k, str(v)) for k, v in op.get("tags", {}).items()],
        )
    elif kind == "artifacts":
        client.log_artifacts(run_id, op["path"], op.get("artifact_path"))
    elif kind == "terminate":
        client.set_terminated(run_id, op["status"], end_time=op.get("ts"))
    else:
        raise ValueError(f"unknown spooled operation {kind!r}")


def replay(client: MlflowClient, run_id: str) -> bool:
    """Replay pending writes; True when none is left. Stops at the first failure, keeping the
    rest (ops already applied are dropped from the file so they are never applied twice)."""
    path = run_dir(run_id) / OPS_FILE
    if not path.is_file():
        return True
    ops = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    for index, op in enumerate(ops):
        try:
            apply(client, run_id, op)
        except Exception:
            remaining = ops[index:]
            path.write_text("".join(json.dumps(o) + "\n" for o in remaining))
            return False
    shutil.rmtree(run_dir(run_id), ignore_errors=True)
    return True


def pending_runs() -> list[str]:
    root = spool_root()
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if (p / OPS_FILE).is_file())


def replay_all(client: MlflowClient) -> tuple[int, int]:
    """(flushed, still pending) over every spooled run."""
    flushed = pending = 0
    for run_id in pending_runs():
        if replay(client, run_id):
            flushed += 1
        else:
            pending += 1
    return flushed, pending
