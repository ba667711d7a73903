"""The `.vitbench/` layout: every file vitbench writes lives under one home folder.

`VITBENCH_HOME` moves the whole tree (default `./.vitbench`). Each reader and writer asks this
module, so `VITBENCH_HOME=/x vitbench run` and `VITBENCH_HOME=/x vitbench report` meet.
"""

from __future__ import annotations

from pathlib import Path

from benchmark import environment

DEFAULT_EXPERIMENT = "vitbench"


def home() -> Path:
    return Path(environment.HOME.get() or Path.cwd() / ".vitbench").resolve()


def ensure_home() -> Path:
    folder = home()
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def tracking_db() -> Path:
    return home() / "mlflow.db"


def local_tracking_uri() -> str:
    return f"sqlite:///{tracking_db()}"


def local_artifact_root() -> Path:
    return home() / "artifacts"


def study_db() -> Path:
    return home() / "optuna.db"


def default_study_storage() -> str:
    return f"sqlite:///{study_db()}"


def checkpoint_root() -> Path:
    return home() / "checkpoints"


def spool_root() -> Path:
    return home() / "spool"


def cache_root() -> Path:
    return home() / "cache"


def presets_dir() -> Path:
    """User presets (`vitbench study --export-best NAME` writes here)."""
    return home() / "presets"


def reports_root() -> Path:
    return home() / "reports"


def perf_root() -> Path:
    return home() / "perf"


def slurm_root() -> Path:
    """`vitbench slurm` job scripts and task logs (the compute nodes write the logs here)."""
    return home() / "slurm"
