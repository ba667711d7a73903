"""Per-epoch resume state: every model and optimizer variable (weights, moments, iteration
counter, dropout seed-generator states), the epoch counter and the history so far.

Data order and augmentation are keyed by (seed, epoch), so this is the whole RNG state: a run
resumed from epoch k continues bit for bit like the uninterrupted run (on CPU, same settings).
Written atomically (temp file + rename) so a kill mid-write leaves the previous checkpoint.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

STATE_FILE = "state.npz"
META_FILE = "meta.json"


@dataclass
class ResumeState:
    epochs_done: int
    history: list[dict[str, Any]]
    config_hash: str


def _all_variables(model) -> list:
    """Model variables (incl. seed-generator states) + optimizer variables, in a stable order."""
    return list(model.variables) + list(model.optimizer.variables)


def save(directory: Path, model, epochs_done: int, history: list[dict], config_hash: str) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    arrays = {f"v{i:05d}": np.asarray(v.numpy()) for i, v in enumerate(_all_variables(model))}
    tmp_state = directory / (STATE_FILE + ".tmp.npz")
    np.savez(tmp_state, **arrays)
    tmp_meta = directory / (META_FILE + ".tmp")
    meta = {"epochs_done": epochs_done, "history": history, "config_hash": config_hash}
    tmp_meta.write_text(json.dumps(meta))
    os.replace(tmp_state, directory / STATE_FILE)
    os.replace(tmp_meta, directory / META_FILE)


def load_meta(directory: Path | None) -> ResumeState | None:
    if directory is None or not (directory / META_FILE).is_file():
        return None
    if not (directory / STATE_FILE).is_file():
        return None
    meta = json.loads((directory / META_FILE).read_text())
    return ResumeState(meta["epochs_done"], meta["history"], meta["config_hash"])


def restore(directory: Path, model) -> None:
    """Assign saved values; the optimizer must already be built for the model."""
    variables = _all_variables(model)
    with np.load(directory / STATE_FILE) as saved:
        if len(saved.files) != len(variables):
            raise ValueError(
                f"checkpoint in {directory} holds {len(saved.files)} variables, "
                f"the model has {len(variables)}"
            )
        for i, variable in enumerate(variables):
            variable.assign(saved[f"v{i:05d}"])


def clear(directory: Path | None) -> None:
    if directory is None:
        return
    for name in (STATE_FILE, META_FILE):
        (directory / name).unlink(missing_ok=True)
    if directory.is_dir() and not any(directory.iterdir()):
        directory.rmdir()
