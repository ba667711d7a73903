"""One matrix cell (or study trial) as an MLflow child run: the TrainingHooks that log it.

Per cell: the flattened config as params, parameter counts and FLOPs, tags for lineage and
determinism, one `log_batch` per epoch (step = epoch), final metrics and artifacts. With shared
checkpoints, each epoch's checkpoint is published BEFORE its metrics are logged: a logged epoch
always has a checkpoint another worker can resume from, so a takeover never logs an epoch twice.
"""

from __future__ import annotations

import csv
import logging
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

import mlflow.data
import numpy as np
from mlflow.entities import DatasetInput, InputTag
from mlflow.tracking import MlflowClient

from benchmark import environment
from benchmark.config import (
    RunConfig,
    dataset_label,
    input_size,
    key_dim,
    num_tokens,
    resolved_attention,
    resolved_tokenizer,
)
from benchmark.tracking import runs as tracking
from benchmark.tracking.shared_checkpoints import SharedCheckpoints
from benchmark.training import checkpoint, determinism, preemption
from benchmark.training.loop import StartInfo, TrainResult
from reports import names
from reports.names import Kind, Status

log = logging.getLogger(__name__)


def lineage_tags(config: RunConfig, kind: Kind) -> dict[str, str]:
    """Tags known before training: enough to find, group and rerun the cell."""
    tags = {
        names.KIND: str(kind),
        names.MODEL: config.model.name,
        names.SEED: str(config.seed),
        names.PRESET: config.preset,
        names.DATASET: dataset_label(config),
        names.CONFIG_HASH: config.config_hash(),
        names.LOGGED_MODEL: model_name(config),
        names.GIT_COMMIT: tracking.git_commit(),
        names.HARDWARE: tracking.hardware(),
    }
    tags.update({names.VERSION_PREFIX + k: v for k, v in tracking.package_versions().items()})
    return tags


def folder_source(path: str):
    """mlflow.data's local-file source for the folder or .npz the data came from."""
    from mlflow.data.dataset_source_registry import resolve_dataset_source

    with warnings.catch_warnings():  # the local scheme is registered twice, to the same class
        warnings.simplefilter("ignore")
        return resolve_dataset_source(Path(path).as_uri())


def data_tags(data: Any) -> dict[str, str]:
    """Per-split counts and classes for every dataset; source and content digest for own data."""
    tags = {
        names.DATA_NUM_CLASSES: str(data.num_classes),
        names.DATA_TRAIN_EXAMPLES: str(len(data.x_train)),
        names.DATA_VAL_EXAMPLES: str(len(data.x_val)),
        names.DATA_TEST_EXAMPLES: str(len(data.x_test)),
    }
    if data.class_names:
        classes = ",".join(data.class_names)
        tags[names.DATA_CLASS_NAMES] = classes if len(classes) <= 4000 else classes[:3990] + ",..."
    if data.source:
        tags[names.DATA_SOURCE] = data.source
        tags[names.DATA_SOURCE_DIGEST] = data.source_digest or ""
    return tags


def model_name(config: RunConfig) -> str:
    """The logged model's name, distinct per cell: e.g. `vit_sl-s0-demo`."""
    return f"{config.model.name}-s{config.seed}-{config.preset}"


class RunLogger:
    """TrainingHooks that write one child run; `progress(epoch, metrics)` is optional;
    `shared` publishes each epoch's checkpoint for other workers; `resume` and `logged` (the
    checkpoint's state and the epochs MLflow holds) come from the cell's resume plan."""

    def __init__(
        self,
        client: MlflowClient,
        run_id: str,
        config: RunConfig,
        progress=None,
        shared: SharedCheckpoints | None = None,
        resume: checkpoint.ResumeState | None = None,
        logged: frozenset[int] = frozenset(),
    ):
        self.client = client
        self.run_id = run_id
        self.config = config
        self.writer = tracking.RunWriter(client, run_id)
        self.progress = progress
        self.shared = shared
        self.resume, self.logged = resume, logged  # the resume plan's state, read once
        self.checkpoint_dir: Path | None = None
        self.extra_params: dict[str, Any] = {}

    def on_start(self, info: StartInfo) -> None:
        self.checkpoint_dir = info.checkpoint_dir
        size = input_size(self.config, info.dataset.image_size)
        params = {
            **self.config.flatten(),
            # the architecture as built, not the config's "None = the registry's choice"
            "model.tokenizer": resolved_tokenizer(self.config),
            "model.attention": resolved_attention(self.config),
            "derived.num_tokens": num_tokens(self.config, size),
            "derived.key_dim": key_dim(self.config),
            **self.extra_params,
            "params_total": info.params["total"],
            "params_trainable": info.params["trainable"],
            "params_non_trainable": info.params["non_trainable"],
            "flops_per_image": info.flops_per_image,
            "input_size": size,
        }
        tags = {
            **determinism.settings(),
            names.JIT_COMPILE: str(info.model.jit_compile).lower(),  # "auto" resolved
            names.COMPUTE_DTYPE: info.model.dtype_policy.compute_dtype,
            names.DATASET_DIGEST: info.dataset_digest,
            names.RESUMED_FROM_EPOCH: str(info.resumed_from_epoch),
            **data_tags(info.dataset),
        }
        self.writer.log(params=params, tags=tags)
        self._log_dataset(info)
        if info.resumed_from_epoch:
            self._relog_missing_epochs(info)

    def _log_dataset(self, info: StartInfo) -> None:
        """Dataset lineage through mlflow.data: one input per split (training, validation, test),
        each profiling the whole split, with the per-split digest of `ImageDataset`."""
        if self.writer.offline:
            return
        data = info.dataset
        digests = data.split_digests()
        source = folder_source(data.source) if data.source else None
        entities = []
        for context, (x, y) in data.splits().items():
            dataset = mlflow.data.from_numpy(
                x, source=source, targets=y, name=f"{data.name}-{context}", digest=digests[context]
            )
            entities.append(
                DatasetInput(
                    dataset._to_mlflow_entity(), tags=[InputTag("mlflow.data.context", context)]
                )
            )
        try:
            self.client.log_inputs(self.run_id, datasets=entities)
        except Exception:
            self.writer.offline = True

    def _relog_missing_epochs(self, info: StartInfo) -> None:
        """The checkpoint may hold an epoch whose metrics never reached MLflow (killed between
        the two writes): log exactly those, so every epoch appears once."""

        if self.resume is None:
            return
        for row in self.resume.history:
            if row["epoch"] not in self.logged:
                metrics = {k: v for k, v in row.items() if k != "epoch"}
                self.writer.log(metrics=metrics, step=int(row["epoch"]))

    def on_epoch_end(self, epoch: int, metrics: dict[str, float]) -> None:
        if self.shared is not None and self.checkpoint_dir is not None:
            metrics = {**metrics, **self._publish(epoch)}
        self.writer.log(metrics=metrics, step=epoch)
        if self.progress is not None:
            self.progress(epoch, metrics)

    def _publish(self, epoch: int) -> dict[str, float]:
        """Upload this epoch's checkpoint; its cost as metrics. A failed upload (server away:
        MLflow's own HTTP retries came first) is retried for VITBENCH_CHECKPOINT_WAIT_S (default
        0), then left to the next epoch: training goes on, its records go to the spool."""
        wait_s = environment.CHECKPOINT_WAIT_S.get()
        deadline, pause = time.monotonic() + wait_s, 1.0
        while True:
            try:
                seconds = self.shared.publish(self.checkpoint_dir, epoch)
                size = checkpoint.path_of(self.checkpoint_dir).stat().st_size
                return {"checkpoint_upload_s": seconds, "checkpoint_mb": size / 1e6}
            except Exception as exc:
                if time.monotonic() >= deadline or preemption.requested():
                    log.warning("warning: epoch %s's checkpoint not published (%s); the next epoch "
                                "retries", epoch, exc)  # fmt: skip
                    return {}
                time.sleep(pause)
                pause = min(pause * 2, 10.0)

    def finish(self, result: TrainResult, extra_metrics: dict[str, float] | None = None) -> None:
        self.writer.log(metrics={**result.final_metrics(), **(extra_metrics or {})}, step=0)
        with tempfile.TemporaryDirectory(prefix="vitbench-artifacts-") as folder:
            write_artifacts(Path(folder), result)
            self.writer.artifacts(Path(folder))  # offline: the spool keeps its own copy
        sample = result_sample(result)
        tracking.log_keras_model(
            self.run_id, model_name(result.config), result.model, sample, self.writer
        )
        self.writer.terminate(Status.FINISHED)
        self.writer.flush()

    def fail(self, reason: str, status: Status = Status.FAILED) -> None:
        self.writer.log(tags={names.FAILURE_REASON: reason[:4000]})
        self.writer.terminate(status)
        self.writer.flush()


def result_sample(result: TrainResult):

    size = result.model.input_shape[1]
    channels = result.model.input_shape[-1]
    return np.zeros((2, size, size, channels), dtype="float32")


def write_artifacts(folder: Path, result: TrainResult) -> None:
    """config.yaml, model summary, history CSV, learning curves, environment."""
    (folder / "config.yaml").write_text(result.config.to_yaml())
    lines: list[str] = []
    result.model.summary(print_fn=lambda line, *a, **k: lines.append(line), line_length=110)
    (folder / "model_summary.txt").write_text("\n".join(lines) + "\n")
    with open(folder / "history.csv", "w", newline="") as handle:
        columns = list(result.history[0]) if result.history else ["epoch"]
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(result.history)
    plot_learning_curves(result.history, folder / "learning_curves.png", result.config)
    environment = {
        "versions": tracking.package_versions(),
        "determinism": determinism.settings(),
        "hardware": tracking.hardware(),
        "git_commit": tracking.git_commit(),
    }
    tracking.write_json(folder / "environment.json", environment)


def plot_learning_curves(history: list[dict], path: Path, config: RunConfig) -> None:
    import matplotlib  # deferred: headless backend chosen before pyplot loads

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    epochs = [h["epoch"] for h in history]
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    for key, label in (("loss", "train"), ("val_loss", "validation")):
        left.plot(epochs, [h.get(key) for h in history], marker="o", label=label)
    for key, label in (("accuracy", "train"), ("val_accuracy", "validation")):
        right.plot(epochs, [h.get(key) for h in history], marker="o", label=label)
    left.set(xlabel="epoch", ylabel="loss", title="Loss")
    right.set(xlabel="epoch", ylabel="top-1 accuracy", title="Accuracy")
    for axis in (left, right):
        axis.grid(alpha=0.3)
        axis.legend()
    fig.suptitle(f"{config.model.name} seed={config.seed} preset={config.preset}")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
