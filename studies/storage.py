"""Optuna storage: the local SQLite default or any SQLAlchemy URL, with heartbeats and retries.

Every RDB storage gets a heartbeat, so a trial whose worker died (SIGKILL, lost machine) is
marked FAIL after `grace_period` and re-queued with the same parameters by
`RetryHeartbeatStaleTrialCallback` (Optuna 5's name; `RetryFailedTrialCallback` is deprecated).
Only `study.optimize` heartbeats, so trials always run through it.
"""

from __future__ import annotations

import os

from benchmark.errors import ConfigError
from benchmark.store import default_study_storage, home

DEFAULT_HEARTBEAT_S = 60
DEFAULT_GRACE_S = 180
DEFAULT_MAX_RETRY = 3


def redact(url: str) -> str:
    """The URL with its password hidden, for messages, tags and logs."""
    try:
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite:")


def storage_url(flag: str | None) -> str:
    """`--storage` > `$VITBENCH_STUDY_STORAGE` > `.vitbench/optuna.db`."""
    url = flag or os.environ.get("VITBENCH_STUDY_STORAGE")
    if url:
        return url
    home().mkdir(parents=True, exist_ok=True)
    return default_study_storage()


def heartbeat_settings(
    heartbeat_interval: int | None = None, grace_period: int | None = None
) -> tuple[int, int]:
    """Flags > `$VITBENCH_STUDY_HEARTBEAT_S` / `$VITBENCH_STUDY_GRACE_S` > 60 s / 180 s."""
    interval = heartbeat_interval or int(
        os.environ.get("VITBENCH_STUDY_HEARTBEAT_S", DEFAULT_HEARTBEAT_S)
    )
    grace = grace_period or int(os.environ.get("VITBENCH_STUDY_GRACE_S", DEFAULT_GRACE_S))
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
):
    """An RDBStorage that heartbeats; an unreachable database is a ConfigError naming the URL."""
    import warnings

    import optuna
    from optuna.exceptions import ExperimentalWarning
    from optuna.storages import RDBStorage, RetryHeartbeatStaleTrialCallback

    interval, grace = heartbeat_settings(heartbeat_interval, grace_period)
    warnings.filterwarnings("ignore", category=ExperimentalWarning)  # heartbeat API is stable
    engine_kwargs: dict = {"pool_pre_ping": True}
    if url.startswith("postgresql"):
        engine_kwargs["connect_args"] = {"connect_timeout": 10}
    try:
        return RDBStorage(
            url,
            engine_kwargs=engine_kwargs,
            heartbeat_interval=interval,
            grace_period=grace,
            heartbeat_stale_trial_callback=RetryHeartbeatStaleTrialCallback(max_retry=max_retry),
        )
    except (ImportError, ModuleNotFoundError) as exc:
        raise ConfigError(
            f"study storage {redact(url)}: missing database driver ({exc}); for PostgreSQL "
            "install vitbench[postgres] (psycopg 3)"
        ) from None
    except (optuna.exceptions.StorageInternalError, Exception) as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ConfigError(
            f"study storage {redact(url)} is unreachable or invalid: {first_line[:300]}. "
            "Check --storage (an SQLAlchemy URL, e.g. postgresql+psycopg://user@host/db)."
        ) from None
