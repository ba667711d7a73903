"""`vitbench slurm`: the job script it renders and the errors it refuses with (fast tier).

The script is also executed by bash with a stand-in for the interpreter, so the quoting is
checked by the shell that will run it, not by reading the text back."""

from __future__ import annotations

import json
import os
import shlex
import stat
import subprocess
from pathlib import Path

import pytest

from benchmark.cluster.slurm import ArrayJob, directive_quote, render
from tests.support.cli import run_vitbench

STORAGE = "postgresql+psycopg://vit:s3cret@db-host:5432/optuna"
SERVER = "http://mlflow-host:5000"
WORKER = ["run", "--preset", "smoke", "--storage", STORAGE, "--tracking-uri", SERVER]


def job(**changes) -> ArrayJob:
    values = dict(
        command="run",
        flags={"preset": "smoke", "experiment_name": "my matrix", "settings": ("a=1",)},
        storage=STORAGE,
        tracking_uri=SERVER,
        array=3,
        log_dir=Path("/shared/logs"),
        python="/opt/venv/bin/python",
    )
    return ArrayJob(**{**values, **changes})


def sbatch_lines(script: str) -> list[str]:
    return [line for line in script.splitlines() if line.startswith("#SBATCH")]


def test_directives_of_a_cpu_array():
    lines = sbatch_lines(render(job()))
    assert lines == [
        "#SBATCH --array=0-2",
        "#SBATCH --job-name=vitbench",
        "#SBATCH --output=/shared/logs/task-%A_%a.log",
        "#SBATCH --signal=B:USR1@120",
    ]


def test_gpus_partition_time_and_extra_args():
    script = render(
        job(
            array=1,
            gpus=2,
            partition="gpu",
            time_limit="04:00:00",
            signal_grace_s=300,
            sbatch_args=("--mem=16G", "--comment=a b#1"),
        )
    )
    assert sbatch_lines(script) == [
        "#SBATCH --array=0-0",
        "#SBATCH --job-name=vitbench",
        "#SBATCH --output=/shared/logs/task-%A_%a.log",
        "#SBATCH --signal=B:USR1@300",
        "#SBATCH --gpus=2",
        "#SBATCH --partition=gpu",
        "#SBATCH --time=04:00:00",
        "#SBATCH --mem=16G",
        '#SBATCH "--comment=a b\\#1"',
    ]


def test_directive_quoting_is_sbatch_s_not_the_shell_s():
    assert directive_quote("--job-name=a'b") == "--job-name=a'b"  # a single quote is literal
    assert directive_quote('--comment=say "hi"') == '"--comment=say \\"hi\\""'


def test_exec_line_runs_one_worker_with_the_shared_storage_and_server():
    script = render(job())
    (exec_line,) = [line for line in script.splitlines() if line.startswith("exec ")]
    *argv, request = shlex.split(exec_line)
    assert argv == ["exec", "/opt/venv/bin/python", "-m", "benchmark", "run", "--request"]
    assert json.loads(request) == {
        "preset": "smoke",
        "experiment_name": "my matrix",
        "settings": ["a=1"],
        "workers": 1,
        "storage": STORAGE,
        "tracking_uri": SERVER,
    }


def test_bash_runs_the_script_with_the_arguments_intact(tmp_path):
    """The real shell: argv as given, MLflow URI exported, VITBENCH_HOME per array task."""
    stand_in = tmp_path / "python"
    stand_in.write_text(
        '#!/bin/sh\nprintf "%s\\n" "$@" > "$OUT"\n'
        'printf "%s\\n" "$VITBENCH_HOME" "$MLFLOW_TRACKING_URI" >> "$OUT"\n'
    )
    stand_in.chmod(0o755)
    script = tmp_path / "job.sbatch"
    flags = {"settings": ["a b=c d", "$HOME", 'it\'s "quoted" `x`']}
    script.write_text(render(job(python=str(stand_in), flags=flags)))
    env = {
        "PATH": os.environ["PATH"],
        "OUT": str(tmp_path / "argv.txt"),
        "TMPDIR": str(tmp_path / "scratch"),
        "SLURM_ARRAY_JOB_ID": "41",
        "SLURM_ARRAY_TASK_ID": "2",
    }
    subprocess.run(["bash", str(script)], env=env, check=True, timeout=30)
    lines = (tmp_path / "argv.txt").read_text().splitlines()
    assert lines[:4] == ["-m", "benchmark", "run", "--request"]
    assert json.loads(lines[4]) == {
        **flags,
        "workers": 1,
        "storage": STORAGE,
        "tracking_uri": SERVER,
    }
    assert lines[5:] == [str(tmp_path / "scratch" / "vitbench-41-2"), SERVER]
    assert (tmp_path / "scratch" / "vitbench-41-2").is_dir()


ERRORS = [
    (["--array", "0", *WORKER], ["'--array'", "0 is not in the range x>=1"]),
    (["--array", "2"], ["worker command: missing", "'run' or 'study'"]),
    (["--array", "2", "train", "--storage", STORAGE], ["expected 'run' or 'study', got 'train'"]),
    (["--array", "2", "run", "--tracking-uri", SERVER], ["--storage: required", "postgresql"]),
    (
        ["--array", "2", "run", "--storage", "sqlite:///q.db", "--tracking-uri", SERVER],
        ["--storage: expected a postgresql:// or postgresql+DRIVER://", "got a sqlite:// URL"],
    ),
    (["--array", "2", "run", "--storage", STORAGE], ["--tracking-uri: required", "http"]),
    (
        ["--array", "2", "run", "--storage", STORAGE, "--tracking-uri", "file:///tmp/mlruns"],
        ["--tracking-uri: expected an http:// or https://", "file:///tmp/mlruns"],
    ),
    (["--array", "2", *WORKER, "--workers", "4"], ["--workers: each array task runs exactly 1"]),
    (["--array", "2", "--sbatch-arg", "--a\nb", *WORKER], ["--sbatch-arg: one line per option"]),
]


@pytest.mark.parametrize(("args", "expected"), ERRORS, ids=[" ".join(a[:4]) for a, _ in ERRORS])
def test_bad_input_exits_2_and_names_the_field(args, expected, tmp_path):
    done = run_vitbench(args, tmp_path, timeout=60, command="slurm")
    assert done.returncode == 2, done.stdout + done.stderr
    for fragment in expected:
        assert fragment in done.stderr, (fragment, done.stderr)
    assert "Traceback" not in done.stderr
    assert not (tmp_path / ".vitbench").exists()


def test_print_hides_the_password_and_submits_nothing(tmp_path):
    done = run_vitbench(
        ["--array", "2", "--print", "run", "--preset", "smoke", "--storage", STORAGE],
        tmp_path,
        env={"MLFLOW_TRACKING_URI": SERVER},
        command="slurm",
    )
    assert done.returncode == 0, done.stderr
    assert "s3cret" not in done.stdout
    assert "vit:***@db-host:5432/optuna" in done.stdout
    assert f"export MLFLOW_TRACKING_URI={SERVER}" in done.stdout  # from the environment
    assert "#SBATCH --array=0-1" in done.stdout
    assert not (tmp_path / ".vitbench").exists()


def test_missing_sbatch_is_a_config_error_and_the_script_is_private(tmp_path):
    done = run_vitbench(
        ["--array", "2", *WORKER], tmp_path, env={"PATH": str(tmp_path)}, command="slurm"
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert "error: sbatch: not found on PATH" in done.stderr
    (script,) = (tmp_path / ".vitbench" / "slurm").glob("*/job.sbatch")
    assert stat.S_IMODE(script.stat().st_mode) == 0o600
    assert STORAGE in script.read_text()  # the submitted script needs the real password
