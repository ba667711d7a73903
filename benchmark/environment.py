"""Every `VITBENCH_*` environment variable vitbench reads: name, type, default and why, declared
once (like `mlflow/environment_variables.py`). Code reads `HOME.get()`, never `os.environ`.

`tests/benchmark/test_environment.py` checks that docs/ names each one.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T", str, int, float, bool)


@dataclass(frozen=True)
class EnvVar(Generic[T]):
    """One environment variable: `get()` parses it or returns the default."""

    name: str
    type: type[T]
    default: T | None
    doc: str

    def is_set(self) -> bool:
        return self.name in os.environ and os.environ[self.name] != ""

    def get(self) -> T | None:
        if not self.is_set():
            return self.default
        raw = os.environ[self.name]
        if self.type is bool:
            return raw.strip().lower() not in ("0", "false", "no", "off")  # type: ignore[return-value]
        try:
            return self.type(raw)
        except ValueError:
            from benchmark.errors import ConfigError

            raise ConfigError(
                f"${self.name}: expected a {self.type.__name__}, got {raw!r}"
            ) from None


HOME = EnvVar(
    "VITBENCH_HOME",
    str,
    None,
    "Root of every file vitbench writes (stores, checkpoints, spool, cache); default ./.vitbench.",
)
PRESET_PATH = EnvVar(
    "VITBENCH_PRESET_PATH",
    str,
    "",
    "Extra preset folders (an os.pathsep list), searched after $VITBENCH_HOME/presets.",
)
DEBUG = EnvVar(
    "VITBENCH_DEBUG",
    bool,
    False,
    "Print the traceback of an internal error.",
)
WORKER_QUIET_SUMMARY = EnvVar(
    "VITBENCH_WORKER_QUIET_SUMMARY",
    bool,
    False,
    "Set in local worker processes: the parent prints the summary and hints.",
)
HEARTBEAT_S = EnvVar(
    "VITBENCH_HEARTBEAT_S",
    int,
    3,
    "Seconds between a matrix queue worker's heartbeats; a cell silent for 3 beats is taken over.",
)
SERVER_WAIT_S = EnvVar(
    "VITBENCH_SERVER_WAIT_S",
    float,
    600.0,
    "How long a queue worker waits for an unreachable tracking server before it stops.",
)
CHECKPOINT_WAIT_S = EnvVar(
    "VITBENCH_CHECKPOINT_WAIT_S",
    float,
    0.0,
    "How long a failed checkpoint upload is retried before training goes on.",
)
STUDY_STORAGE = EnvVar(
    "VITBENCH_STUDY_STORAGE",
    str,
    None,
    "Optuna storage URL of `vitbench study` and `dashboard` [$VITBENCH_HOME/optuna.db].",
)
STUDY_HEARTBEAT_S = EnvVar(
    "VITBENCH_STUDY_HEARTBEAT_S",
    int,
    60,
    "Optuna heartbeat interval of study workers on an RDB storage.",
)
STUDY_GRACE_S = EnvVar(
    "VITBENCH_STUDY_GRACE_S",
    int,
    180,
    "Seconds without a heartbeat before a study trial is failed and retried.",
)
REQUIRE_SERVICES = EnvVar(
    "VITBENCH_REQUIRE_SERVICES",
    bool,
    False,
    "Tests: a missing service (PostgreSQL, the auth extra) fails instead of skipping; CI sets it.",
)

ALL: tuple[EnvVar, ...] = (
    HOME,
    PRESET_PATH,
    DEBUG,
    WORKER_QUIET_SUMMARY,
    HEARTBEAT_S,
    SERVER_WAIT_S,
    CHECKPOINT_WAIT_S,
    STUDY_STORAGE,
    STUDY_HEARTBEAT_S,
    STUDY_GRACE_S,
    REQUIRE_SERVICES,
)
