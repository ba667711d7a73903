"""Decoded own-data arrays on disk, one .npz per content digest under `.vitbench/cache/`.

Decoding thousands of image files costs seconds to minutes; the arrays they decode to depend only
on the files' bytes and the resize settings, which the digest covers. So a digest names its
arrays for good: a changed, added or removed file gives a new digest and a new entry, and an
entry is never rewritten in place. Writes are atomic (temp file + os.replace): a killed run
leaves no half-written entry behind.
"""

from __future__ import annotations

import os
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from benchmark.paths import cache_root


def cache_path(kind: str, digest: str) -> Path:
    return cache_root() / kind / f"{digest}.npz"


def load(kind: str, digest: str) -> dict[str, np.ndarray] | None:
    """The stored arrays, or None when absent or unreadable (then the caller decodes again)."""
    path = cache_path(kind, digest)
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as stored:
            return {key: stored[key] for key in stored.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile):
        return None


def store(kind: str, digest: str, arrays: dict[str, np.ndarray]) -> Path:
    """Write atomically; concurrent writers of one digest write the same bytes, last one wins."""
    path = cache_path(kind, digest)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=f".{digest}-", suffix=".npz", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            np.savez(out, **arrays)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return path
