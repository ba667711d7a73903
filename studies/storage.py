"""Optuna storage of a study: the local SQLite default or any SQLAlchemy URL, with heartbeats.

The storage itself is the matrix queue's (`benchmark.matrix.work_queue.heartbeat_storage`): a
trial whose worker died (SIGKILL, lost machine) is marked FAIL after `grace_period` and re-queued
with the same parameters. Only `study.optimize` heartbeats, so trials always run through it.
Studies beat less often than cells (60 s / 180 s by default): a trial is minutes long.
"""

from __future__ import annotations

import re
from pathlib import Path

from optuna.storages import RDBStorage
from sqlalchemy.engine import make_url

from benchmark import environment, paths
from benchmark.errors import ConfigError, StorageUnavailableError
from benchmark.matrix.work_queue import heartbeat_storage
from benchmark.tracking.server import redact
from reports.names import KIND, Kind

DEFAULT_MAX_RETRY = 3

__all__ = ["is_sqlite", "open_storage", "read_only_storage", "redact", "storage_url"]


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite:")


def storage_url(flag: str | None) -> str:
    """`--storage` > `$VITBENCH_STUDY_STORAGE` > `$VITBENCH_HOME/optuna.db` (created on open)."""
    return flag or environment.STUDY_STORAGE.get() or paths.default_study_storage()


def read_only_storage(url: str) -> RDBStorage | None:
    """The storage opened for reading only (a dry run), or None when there is nothing to read.

    A SQLite file is opened with `mode=ro`, so a write would fail instead of happening; no
    storage gets Optuna's tables created."""
    if is_sqlite(url):
        database = make_url(url).database
        if not database or not Path(database).is_file():
            return None
        url = f"sqlite:///file:{Path(database).resolve()}?mode=ro&uri=true"
    try:
        return RDBStorage(url, skip_table_creation=True)
    except Exception as exc:
        raise StorageUnavailableError(f"study storage {redact(url)}: {exc}") from None


def heartbeat_settings(
    heartbeat_interval: int | None = None, grace_period: int | None = None
) -> tuple[int, int]:
    """Flags > `$VITBENCH_STUDY_HEARTBEAT_S` / `$VITBENCH_STUDY_GRACE_S` > 60 s / 180 s."""
    interval = heartbeat_interval or environment.STUDY_HEARTBEAT_S.get()
    grace = grace_period or environment.STUDY_GRACE_S.get()
    if interval <= 0 or grace <= interval:
        raise ConfigError(
            f"heartbeat: need 0 < heartbeat_interval ({interval}) < grace_period ({grace})"
        )
    return interval, grace


def open_storage(
    url: str,
    heartbeat_interval: int | None = None,
    grace_period: int | None = None,
    max_retry: int = DEFAULT_MAX_RETRY,
) -> RDBStorage:
    """An RDBStorage that heartbeats; an unreachable database is a ConfigError naming the URL."""
    interval, grace = heartbeat_settings(heartbeat_interval, grace_period)
    if url == paths.default_study_storage():
        paths.ensure_home()
    return heartbeat_storage(url, interval, grace, max_retry, label="study storage")


QUEUE_NAME = re.compile(r"^matrix-[0-9a-f]{16}$")  # benchmark.matrix.work_queue.open_queue


def is_cell_queue(study) -> bool:
    """A matrix's cell queue (`matrix-<hash>`), not a study: vitbench's internal bookkeeping."""
    return study.user_attrs.get(KIND) == Kind.CELL_QUEUE or bool(QUEUE_NAME.match(study.study_name))


class StudiesOnlyStorage(RDBStorage):
    """The storage as optuna-dashboard should list it: studies only, cell queues hidden (they
    stay reachable by URL; `vitbench runs --matrix` shows what they hold)."""

    def get_all_studies(self):
        return [s for s in super().get_all_studies() if not is_cell_queue(s)]


def dashboard_storage(url: str) -> tuple[StudiesOnlyStorage, int]:
    """(the filtered storage, the number of cell queues it hides)."""
    try:
        storage = StudiesOnlyStorage(url, skip_table_creation=False)
        hidden = len(RDBStorage.get_all_studies(storage)) - len(storage.get_all_studies())
    except Exception as exc:
        raise StorageUnavailableError(f"study storage {redact(url)}: {exc}") from None
    return storage, hidden
