"""A matrix's identity is sha256 over the sorted keys of all its cells (hashlib, recomputed)."""

from __future__ import annotations

import hashlib
from types import SimpleNamespace

from benchmark.matrix.plan import matrix_hash


def test_the_matrix_hash_covers_every_cell():
    cells = [SimpleNamespace(key=k) for k in ("c3", "a1", "b2")]
    expected = hashlib.sha256(b"a1,b2,c3").hexdigest()[:16]
    assert matrix_hash(cells) == matrix_hash(cells[::-1]) == expected
    assert matrix_hash([*cells[:2], SimpleNamespace(key="d4")]) != expected  # not the first only
