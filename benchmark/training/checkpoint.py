"""Per-epoch resume state in ONE file: every model and optimizer variable (weights, moments,
iteration counter, dropout seed-generator states), PyTorch's global RNG state on that backend,
the epoch counter, the history so far and the config hash.

Data order and augmentation are keyed by (seed, epoch), so this is the whole RNG state: a run
resumed from epoch k continues bit for bit like the uninterrupted run (on CPU, same settings).
The file is written to a temporary name, fsynced (file, then folder) and swapped in by rename,
so a kill at any point leaves either the previous checkpoint or the new one, never weights of one
epoch labelled as another, and a power loss cannot leave a renamed but empty file. The previous
epoch's file is kept beside it (`checkpoint.prev.npz`): a newest file that fails to load anyway
(a disk that lied, a copy cut short) is reported with a warning and the previous one is used.
"""

from __future__ import annotations

import json
import os
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import keras
import numpy as np

CHECKPOINT_FILE = "checkpoint.npz"
PREVIOUS_FILE = "checkpoint.prev.npz"  # the epoch before: the fallback when the newest is bad
META_KEY = "meta"
TORCH_RNG_KEY = "rng_torch"  # PyTorch's global generator: Keras' unseeded torch dropout uses it


class UnreadableCheckpointWarning(UserWarning):
    """A checkpoint file that exists but does not load (truncated, empty, not an archive)."""


@dataclass
class ResumeState:
    epochs_done: int
    history: list[dict[str, Any]]
    config_hash: str


def _all_variables(model) -> list:
    """Model variables (incl. seed-generator states) + optimizer variables, in a stable order."""
    return list(model.variables) + list(model.optimizer.variables)


def path_of(directory: Path) -> Path:
    return directory / CHECKPOINT_FILE


def save(directory: Path, model, epochs_done: int, history: list[dict], config_hash: str) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    arrays = {
        f"v{i:05d}": np.asarray(keras.ops.convert_to_numpy(v))
        for i, v in enumerate(_all_variables(model))
    }
    meta = {"epochs_done": epochs_done, "history": history, "config_hash": config_hash}
    arrays[META_KEY] = np.array(json.dumps(meta))
    if keras.backend.backend() == "torch":
        import torch  # deferred: only the PyTorch backend has this state

        arrays[TORCH_RNG_KEY] = torch.get_rng_state().numpy()
    tmp = directory / (CHECKPOINT_FILE + ".tmp.npz")
    np.savez(tmp, **arrays)
    install(tmp, directory)


def fsync_path(path: Path) -> None:
    """Flush a file's bytes, or a folder's entries, to the disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def install(new_file: Path, directory: Path) -> None:
    """Make `new_file` (in `directory`) the checkpoint, durably: its bytes and its name reach
    the disk before the rename, the current checkpoint becomes the previous one."""
    fsync_path(new_file)
    fsync_path(directory)
    current = path_of(directory)
    if current.is_file():
        os.replace(current, directory / PREVIOUS_FILE)
    os.replace(new_file, current)
    fsync_path(directory)


def _candidates(directory: Path) -> list[Path]:
    return [p for p in (path_of(directory), directory / PREVIOUS_FILE) if p.is_file()]


def read_state(path: Path) -> ResumeState:
    """One checkpoint file's metadata; raises when the file does not load."""
    with np.load(path) as saved:
        meta = json.loads(str(saved[META_KEY]))
    return ResumeState(meta["epochs_done"], meta["history"], meta["config_hash"])


def warn_unreadable(name: str, exc: Exception) -> None:
    warnings.warn(
        f"checkpoint {name} could not be loaded ({type(exc).__name__}: {exc}); "
        "using the previous one",
        UnreadableCheckpointWarning,
        stacklevel=3,
    )


def _readable(directory: Path | None) -> tuple[Path, ResumeState] | None:
    """The newest checkpoint file that loads, with its state; a bad one is warned about."""
    if directory is None:
        return None
    for path in _candidates(directory):
        try:
            return path, read_state(path)
        except Exception as exc:  # empty, truncated, not a zip, no meta
            warn_unreadable(str(path), exc)
    return None


def load_meta(directory: Path | None) -> ResumeState | None:
    found = _readable(directory)
    return None if found is None else found[1]


def restore(directory: Path, model) -> np.ndarray | None:
    """Assign saved values; the optimizer must already be built for the model. Returns the saved
    PyTorch RNG state (or None) for `set_backend_rng` once `fit` has built its step: that build
    runs a forward pass that draws from the generator."""
    variables = _all_variables(model)
    found = _readable(directory)
    if found is None:
        raise FileNotFoundError(f"no loadable checkpoint in {directory}")
    with np.load(found[0]) as saved:
        names = [name for name in saved.files if name not in (META_KEY, TORCH_RNG_KEY)]
        if len(names) != len(variables):
            raise ValueError(
                f"checkpoint in {directory} holds {len(names)} variables, "
                f"the model has {len(variables)}"
            )
        for i, variable in enumerate(variables):
            variable.assign(saved[f"v{i:05d}"])
        return saved[TORCH_RNG_KEY] if TORCH_RNG_KEY in saved.files else None


def set_backend_rng(state: np.ndarray | None) -> None:
    """Put PyTorch's global generator back where the checkpointed run had it."""
    if state is not None:
        import torch  # deferred: only the PyTorch backend has this state

        torch.set_rng_state(torch.from_numpy(state))


def clear(directory: Path | None) -> None:
    if directory is None:
        return
    for path in (
        path_of(directory),
        directory / PREVIOUS_FILE,
        directory / (CHECKPOINT_FILE + ".tmp.npz"),
    ):
        path.unlink(missing_ok=True)
    if directory.is_dir() and not any(directory.iterdir()):
        directory.rmdir()
