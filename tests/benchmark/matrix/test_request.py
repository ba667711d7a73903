"""Requests as data: every `vitbench run` flag reaches local workers and Slurm tasks through one
JSON request, with no flag list kept by hand."""

from __future__ import annotations

import json
import shlex

from benchmark.cli.run import command as run_command
from benchmark.cli.study import command as study_command
from benchmark.matrix.request import MatrixRequest
from tests.support.cli import run_vitbench

EVERY_RUN_FLAG = [
    "exp.yaml", "--models", "vit,eanet", "--seeds", "3,4", "--preset", "smoke",
    "--dataset", "digits", "--epochs", "2", "--backend", "tensorflow",
    "--set", "train.batch_size=16", "--set", "model.num_heads=2",
    "--tracking-uri", "http://h:5000", "--experiment", "e x", "--workers", "3",
    "--storage", "postgresql+psycopg://u@h/db", "--checkpoint-uri", "/shared/ckpt",
    "--dry-run", "--quiet",
]  # fmt: skip


def _flags(command, args):
    with command.make_context("vitbench", list(args)) as ctx:
        flags = dict(ctx.params)
    flags.pop("request_json")
    return flags


def test_the_request_has_one_field_per_run_flag():
    flags = _flags(run_command, EVERY_RUN_FLAG)
    assert set(flags) == set(MatrixRequest.__dataclass_fields__)
    assert all(value not in (None, False, ()) for value in flags.values()), flags


def test_a_request_survives_json_and_a_worker_changes_only_its_queue():
    request = MatrixRequest.from_flags(_flags(run_command, EVERY_RUN_FLAG))
    assert MatrixRequest.from_json(request.to_json()) == request
    worker = MatrixRequest.from_json(request.for_worker("sqlite:///q.db").to_json())
    changed = {
        k for k in MatrixRequest.__dataclass_fields__ if getattr(worker, k) != getattr(request, k)
    }  # noqa: E501
    assert changed == {"workers", "storage", "dry_run"}
    assert (worker.workers, worker.storage, worker.dry_run) == (1, "sqlite:///q.db", False)


def test_slurm_tasks_get_every_flag_of_the_worker_command(tmp_path):
    storage = "postgresql+psycopg://vit:pw@db:5432/q"
    args = ["--array", "2", "--print", "run", "--preset", "smoke", "--checkpoint-uri",
            "/shared/ckpt", "--set", "train.epochs=2", "--seeds", "0,1", "--storage", storage,
            "--tracking-uri", "http://mlflow:5000", "--experiment", "e x"]  # fmt: skip
    done = run_vitbench(args, tmp_path, timeout=60, command="slurm")
    assert done.returncode == 0, done.stderr
    (line,) = [x for x in done.stdout.splitlines() if x.startswith("exec ")]
    *argv, request = shlex.split(line)
    assert argv[-2:] == ["run", "--request"]
    sent = MatrixRequest.from_json(request)
    assert sent == MatrixRequest(
        preset="smoke",
        checkpoint_uri="/shared/ckpt",
        settings=("train.epochs=2",),
        seeds="0,1",
        storage="postgresql+psycopg://vit:***@db:5432/q",
        tracking_uri="http://mlflow:5000",
        experiment_name="e x",
        workers=1,
    )  # fmt: skip  (the printed script hides the password)


def test_study_workers_get_every_study_flag():
    """The study command's flags travel the same way (`cli.options.request_json`)."""
    flags = _flags(study_command, ["--model", "vit", "--trials", "3", "--set", "a.b=1"])
    from benchmark.cli.options import flags_with_request, request_json

    carried = flags_with_request({**dict.fromkeys(flags), "request_json": request_json(flags)})
    assert {k: tuple(v) if isinstance(v, list) else v for k, v in carried.items()} == flags
    assert json.loads(request_json(flags))["settings"] == ["a.b=1"]


def test_resolve_applies_epochs_seeds_models_and_settings_to_every_cell():
    request = MatrixRequest.from_flags(
        _flags(run_command, ["--preset", "smoke", "--models", "vit,eanet", "--seeds", "3,4",
                             "--epochs", "3", "--set", "train.batch_size=16"])
    )  # fmt: skip
    cells = request.resolve().cells  # smoke alone: 2 epochs, batch 32, seed 0
    got = sorted((c.config.model.name, c.config.seed) for c in cells)
    assert got == [("eanet", 3), ("eanet", 4), ("vit", 3), ("vit", 4)]
    assert {(c.config.train.epochs, c.config.train.batch_size) for c in cells} == {(3, 16)}
