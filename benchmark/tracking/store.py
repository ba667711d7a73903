"""A movable local store: `.vitbench/` copied or moved to another folder (or machine) keeps
working there.

MLflow's SQLite store records absolute artifact URIs: each vitbench experiment's location is
`file://<home>/artifacts/<experiment>`, and every run and logged model below it repeats that
prefix. A copied store would go on reading and writing the artifacts of the OLD folder (or fail
where that folder is gone). So every command that opens the local store first compares the
recorded prefix with the folder the database is in now and, if they differ, rewrites the prefix
of `experiments.artifact_location`, `runs.artifact_uri` and `logged_models.artifact_location` in
one SQLite transaction. If the database was copied without its `artifacts/` folder, that is an
error naming both paths instead.

Plain `sqlite3`, no MLflow import: cheap enough to run on every open.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from benchmark.errors import VitbenchError

log = logging.getLogger(__name__)

# (table, column) holding artifact URIs under an experiment's location
URI_COLUMNS = (
    ("experiments", "artifact_location"),
    ("runs", "artifact_uri"),
    ("logged_models", "artifact_location"),
)


class StoreMovedError(VitbenchError):
    """The store was copied without its artifacts folder; the message names both paths."""


@dataclass(frozen=True)
class Relocation:
    database: Path
    old_prefixes: tuple[str, ...]  # file:///old/.vitbench/artifacts (usually one)
    new_prefix: str  # file:///new/.vitbench/artifacts
    rows: dict[str, int]  # table -> rows rewritten (or to rewrite)

    def describe(self, done: bool = True) -> str:
        counts = ", ".join(f"{n} {table}" for table, n in self.rows.items() if n)
        verb = "rewrote" if done else "would rewrite"
        old = ", ".join(self.old_prefixes)
        return (f"the store {self.database} was copied or moved from {old}; {verb} the "
                f"artifact URIs of {counts or 'nothing'} to {self.new_prefix}")  # fmt: skip


def sqlite_path(uri: str) -> Path | None:
    if not uri.startswith("sqlite:///"):
        return None
    return Path(uri[len("sqlite:///") :].split("?")[0])


def _recorded_prefixes(conn: sqlite3.Connection) -> set[str]:
    """The `.../artifacts` prefix of every experiment laid out by vitbench (location =
    `<prefix>/<experiment name>`, both as file: URIs)."""
    prefixes = set()
    for name, location in conn.execute("SELECT name, artifact_location FROM experiments"):
        if not location or not location.startswith("file://"):
            continue
        suffix = (Path("/x") / name).as_uri()[len(Path("/x").as_uri()) :]  # "/<encoded name>"
        if location.endswith(suffix) and location[: -len(suffix)].endswith("/artifacts"):
            prefixes.add(location[: -len(suffix)])
    return prefixes


def _tables(conn: sqlite3.Connection) -> set[str]:
    return {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}


def _under(column: str) -> str:
    return f"substr({column}, 1, ?) = ?"


def plan_relocation(uri: str) -> Relocation | None:
    """What `relocate` would rewrite (read only); None when the store is where it says it is."""
    database = sqlite_path(uri)
    if database is None or not database.is_file():
        return None
    database = database.resolve()
    new_prefix = (database.parent / "artifacts").as_uri()
    conn = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        tables = _tables(conn)
        if "experiments" not in tables:
            return None
        old = tuple(sorted(p for p in _recorded_prefixes(conn) if p != new_prefix))
        if not old:
            return None
        rows = {}
        for table, column in URI_COLUMNS:
            if table in tables:
                rows[table] = sum(
                    conn.execute(f"SELECT COUNT(*) FROM {table} WHERE {_under(column)}",
                                 (len(prefix) + 1, prefix + "/")).fetchone()[0]
                    for prefix in old
                )  # fmt: skip
    finally:
        conn.close()
    return Relocation(database, old, new_prefix, rows)


def _check_artifacts_came_along(plan: Relocation) -> None:
    new_root = plan.database.parent / "artifacts"
    for prefix in plan.old_prefixes:
        old_root = Path(prefix[len("file://") :])
        if not new_root.exists() and old_root.exists():
            raise StoreMovedError(
                f"the tracking store {plan.database} was copied without its artifacts: they are "
                f"still in {old_root}, and {new_root} does not exist. Copy the whole folder "
                f"(cp -a {old_root} {new_root}), or use the original store "
                f"(VITBENCH_HOME={old_root.parent})."
            )


def relocate(uri: str) -> Relocation | None:
    """Rewrite the artifact URIs of a copied/moved SQLite store to its current folder, in one
    transaction; returns what was rewritten (None: nothing to do)."""
    plan = plan_relocation(uri)
    if plan is None:
        return None
    _check_artifacts_came_along(plan)
    conn = sqlite3.connect(plan.database, timeout=60, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            tables = _tables(conn)
            new = plan.new_prefix + "/"
            for prefix in plan.old_prefixes:
                old = prefix + "/"
                for table, column in URI_COLUMNS:
                    if table in tables:
                        conn.execute(
                            f"UPDATE {table} SET {column} = ? || substr({column}, ?) "
                            f"WHERE {_under(column)}",
                            (new, len(old) + 1, len(old), old),
                        )
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
    finally:
        conn.close()
    return plan


def follow_moved_store(uri: str) -> Relocation | None:
    """`relocate`, saying so (a warning: on stderr) when something was rewritten."""
    plan = relocate(uri)
    if plan is not None:
        log.warning("note: %s", plan.describe())
    return plan
