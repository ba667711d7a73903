"""The names every writer and reader of vitbench's MLflow runs agrees on: tag keys, run kinds and
statuses (like `mlflow/utils/mlflow_tags.py`).

It lives in `reports` because a report must build without `benchmark` (no TensorFlow, no Keras);
`benchmark`, `studies` and `reports` all import it from here. Standard library only.
"""

from __future__ import annotations

from enum import Enum


class Status(str, Enum):
    """MLflow run statuses (FINISHED ... SCHEDULED) and the lifecycle's outcomes that are not
    MLflow statuses (SKIPPED: already FINISHED; ELSEWHERE: another live worker holds the run).

    A `str` subclass: compares equal to MLflow's strings and serialises to them."""

    FINISHED = "FINISHED"
    FAILED = "FAILED"
    KILLED = "KILLED"
    RUNNING = "RUNNING"
    SCHEDULED = "SCHEDULED"
    SKIPPED = "SKIPPED"
    ELSEWHERE = "ELSEWHERE"

    def __str__(self) -> str:
        return self.value


class Kind(str, Enum):
    """`vitbench.kind`: what a run is."""

    MATRIX = "matrix"  # a matrix's parent run
    CELL = "cell"  # one matrix cell
    STUDY = "study"  # a study's parent run
    TRIAL = "trial"  # one study trial
    PERF = "perf"  # a `vitbench perf` measurement
    CELL_QUEUE = "cell_queue"  # the Optuna study a matrix's work queue lives in (not MLflow)

    def __str__(self) -> str:
        return self.value


# identity and grouping of every child run
KIND = "vitbench.kind"
MODEL = "model"
SEED = "seed"
PRESET = "preset"
DATASET = "dataset"
CONFIG_HASH = "config_hash"
LOGGED_MODEL = "vitbench.logged_model"
GIT_COMMIT = "git_commit"
HARDWARE = "hardware"
VERSION_PREFIX = "version."
DATASET_DIGEST = "dataset_digest"
RESUMED_FROM_EPOCH = "resumed_from_epoch"
FAILURE_REASON = "failure_reason"
WORKER = "vitbench.worker"
SLURM_JOB = "vitbench.slurm_job"
JIT_COMPILE = "numerics.jit_compile"
COMPUTE_DTYPE = "numerics.compute_dtype"

# per-split data facts
DATA_NUM_CLASSES = "data.num_classes"
DATA_TRAIN_EXAMPLES = "data.train_examples"
DATA_VAL_EXAMPLES = "data.val_examples"
DATA_TEST_EXAMPLES = "data.test_examples"
DATA_CLASS_NAMES = "data.class_names"
DATA_SOURCE = "data.source"
DATA_SOURCE_DIGEST = "data.source_digest"

# a matrix's parent run
MATRIX_HASH = "vitbench.matrix_hash"
MATRIX_PRESET = "vitbench.preset"
MATRIX_CELLS = "vitbench.cells"
MATRIX_MODELS = "vitbench.models"
MATRIX_SEEDS = "vitbench.seeds"

# a study's parent run and its trials
STUDY_NAME = "vitbench.study_name"
STUDY_MODEL = "vitbench.model"
STUDY_PRESET = "vitbench.preset"
STUDY_BASE_CONFIG_HASH = "vitbench.base_config_hash"
STUDY_SPACE = "vitbench.space"
STUDY_DIRECTIONS = "vitbench.directions"
STUDY_DIRECTION_OLD = "vitbench.direction"  # written by early versions; still read
STUDY_STORAGE = "vitbench.storage"
STUDY_BEST_TRIAL = "vitbench.best_trial"
STUDY_PARETO_TRIALS = "vitbench.pareto_trials"
OPTUNA_STUDY_NAME = "optuna.study_name"
OPTUNA_TRIAL_NUMBER = "optuna.trial_number"
OPTUNA_STATE = "optuna.state"
OPTUNA_DIRECTIONS = "optuna.directions"

# MLflow's own
PARENT_RUN_ID = "mlflow.parentRunId"


def search_key(tag: str) -> str:
    """The tag as MLflow's search filter spells it (backquoted: keys hold dots)."""
    return f"tags.`{tag}`"
