"""One trained, logged cell shared by the oracle tests, and the independent recomputations they
compare against. Nothing here calls the code under test to compute an expected value: NumPy,
hashlib, PyYAML and a freshly built model are the oracles."""

from __future__ import annotations

import hashlib
import os
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # before anything imports TensorFlow

import numpy as np  # noqa: E402
import pytest  # noqa: E402

EPOCHS = 3
BATCH = 32
TRAIN_EXAMPLES = 192  # 6 steps per epoch; warm-up 9 steps: epoch 1 ends inside it
# digits: 10 classes, so top-5 differs from top-1; label smoothing and warm-up cosine on
CELL_OVERRIDES = {
    "data": {"dataset": "digits", "max_train_examples": TRAIN_EXAMPLES, "split_seed": 1},
    "train": {
        "epochs": EPOCHS, "batch_size": BATCH, "learning_rate": 0.004, "schedule": "warmup_cosine",
        "warmup_fraction": 0.5, "label_smoothing": 0.1,
    },
}  # fmt: skip


@dataclass
class LoggedCell:
    client: Any
    run_id: str
    config: Any
    result: Any
    data: Any
    normalizers: list


def flatten_yaml(nested: dict, prefix: str = "") -> dict[str, Any]:
    """Dotted keys from config.yaml, written here (not `benchmark.config.flatten`)."""
    out: dict[str, Any] = {}
    for key, value in nested.items():
        if isinstance(value, dict):
            out.update(flatten_yaml(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = ",".join(map(str, value)) if isinstance(value, list) else value
    return out


def sha16(*arrays: np.ndarray) -> str:
    """The documented digest: sha256 over each array's shape and bytes, first 16 hex digits."""
    h = hashlib.sha256()
    for a in arrays:
        h.update(str(a.shape).encode())
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()[:16]


def log_softmax(logits: np.ndarray) -> np.ndarray:
    z = logits.astype("float64") - logits.max(axis=1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))


def smoothed_cross_entropy(logits: np.ndarray, labels: np.ndarray, smoothing: float) -> float:
    k = logits.shape[1]
    target = np.eye(k)[labels] * (1 - smoothing) + smoothing / k
    return float(-(target * log_softmax(logits)).sum(axis=1).mean())


def train_stats(x_train: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-channel mean and std of the TRAINING split, in float64."""
    x = x_train.astype("float64")
    return x.mean(axis=(0, 1, 2)), x.std(axis=(0, 1, 2))


@pytest.fixture(scope="session")
def oracle_home(tmp_path_factory) -> Path:
    """The oracles' VITBENCH_HOME (artifacts, spool), set only while they train or test: the
    session's other tests (and their subprocesses) keep their own."""
    return tmp_path_factory.mktemp("vitbench-home")


@contextmanager
def in_home(home: Path, uri: str | None = None):
    """VITBENCH_HOME (and MLflow's tracking URI, through its variable) for a block only."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("VITBENCH_HOME", str(home))
        if uri:
            mp.setenv("MLFLOW_TRACKING_URI", uri)
        yield


@pytest.fixture(autouse=True)
def _oracle_home_env(oracle_home, monkeypatch):
    monkeypatch.setenv("VITBENCH_HOME", str(oracle_home))


def train_logged(client, uri: str, config, experiment: str = "oracles"):
    """Train `config` as a matrix cell does (RunLogger hooks, finish) into `client`'s store,
    with VITBENCH_HOME beside the store (set for this call only)."""
    with in_home(Path(uri.removeprefix("sqlite:///")).parent, uri):
        return _train_logged(client, uri, config, experiment)


def _train_logged(client, uri: str, config, experiment: str):
    from benchmark.tracking import runs as tracking
    from benchmark.tracking.run_logger import RunLogger, lineage_tags
    from benchmark.training.loop import train_and_evaluate

    experiment_id = tracking.get_experiment_id(client, experiment, uri)
    run_id = tracking.create_run(client, experiment_id, "cell", lineage_tags(config, "cell"))
    logger = RunLogger(client, run_id, config)
    result = train_and_evaluate(config, logger)
    logger.finish(result)
    return run_id, result


@pytest.fixture(scope="session")
def sqlite_store(oracle_home):
    from mlflow.tracking import MlflowClient

    uri = f"sqlite:///{oracle_home / 'mlflow.db'}"
    return MlflowClient(uri), uri


@pytest.fixture(scope="session")
def logged_cell(sqlite_store) -> LoggedCell:
    """The digits cell, trained once; the normaliser(s) the loop built are recorded."""
    from benchmark.config import resolve_config
    from benchmark.data.augment import Normalizer
    from benchmark.data.loading import load_dataset
    from benchmark.training import loop

    seen: list = []

    class Recording(Normalizer):
        def __init__(self, x_train):
            super().__init__(x_train)
            seen.append(self)

    client, uri = sqlite_store
    config = resolve_config("smoke", "vit", 0, CELL_OVERRIDES)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(loop, "Normalizer", Recording)
        run_id, result = train_logged(client, uri, config)
    return LoggedCell(client, run_id, config, result, load_dataset(config.data), seen)
