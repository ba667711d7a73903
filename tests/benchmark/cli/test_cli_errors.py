"""Bad input through the real CLI: a message naming the problem, a non-zero exit, and no
tracking store or run created (validation happens before anything is written)."""

from __future__ import annotations

import hashlib
import subprocess
import sys

import pytest

from tests.support.cli import vitbench_env

CASES = [
    (["--models", "vit,vitt"], ["unknown model 'vitt'", "vit_sl", "Did you mean 'vit'"]),
    (["--preset", "dmo"], ["unknown preset 'dmo'", "keras-io-eanet", "Did you mean 'demo'"]),
    (
        ["--dataset", "cifar1000"],
        ["data.dataset", "cifar1000", "digits", "Did you mean 'cifar100'"],
    ),
    (["--set", "model.num_head=2"], ["model.num_head", "Did you mean 'num_heads'"]),
    (["--set", "train.epochs=abc"], ["train.epochs", "expected int", "abc"]),
    (["--set", "model.patch_size=3"], ["model.patch_size", "does not divide the image size 16"]),
    (["--set", "model.num_heads=3"], ["model.num_heads", "do not divide model.hidden_dim"]),
    (["--epochs", "0"], ["epochs", "must be > 0"]),
    (["--set", "train.batch_size=0"], ["train.batch_size", "must be > 0"]),
    (["--seeds", ","], ["--seeds", "empty"]),
    (["--seeds", "a,b"], ["--seeds", "integers"]),
    (
        ["--set", "data.dataset=cifar100", "--set", "data.archive_path=/nonexistent/c.tar.gz"],
        ["data.archive_path", "/nonexistent/c.tar.gz", "does not exist", "cifar-100-python.tar.gz"],
    ),
]


def run(args, cwd, timeout=120):
    return subprocess.run(
        [sys.executable, "-m", "benchmark", *args],
        cwd=cwd,
        env=vitbench_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.mark.parametrize(("args", "expected"), CASES, ids=[" ".join(c[0]) for c in CASES])
def test_bad_input_is_refused_before_any_run(args, expected, tmp_path, monkeypatch, capsys):
    """In-process through the console entry point (same code path, no interpreter start-up)."""
    from benchmark.cli.main import main

    monkeypatch.chdir(tmp_path)
    argv = ["run", *args] if "--preset" in args else ["run", "--preset", "smoke", *args]
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code not in (0, None)
    stderr = capsys.readouterr().err
    for fragment in expected:
        assert fragment in stderr, (fragment, stderr)
    assert "Traceback" not in stderr
    assert not (tmp_path / ".vitbench" / "mlflow.db").exists()


def test_console_script_exits_non_zero_with_the_message(tmp_path):
    """One case through a real process, to pin the exit status the shell sees."""
    done = run(["run", "--preset", "smoke", "--models", "vitt"], tmp_path)
    assert done.returncode == 2
    assert "error: unknown model 'vitt'" in done.stderr and "Traceback" not in done.stderr


def test_yaml_syntax_error_reports_file_and_line(tmp_path):
    path = tmp_path / "exp.yaml"
    path.write_text("preset: smoke\nmodels: [vit, eanet\nseeds: [0]\n")
    done = run(["run", str(path)], tmp_path)
    assert done.returncode != 0
    assert f"{path}:3" in done.stderr or f"{path}:2" in done.stderr, done.stderr
    assert "YAML syntax error" in done.stderr


def test_cifar_archive_with_wrong_checksum(tmp_path, monkeypatch, capsys):
    from benchmark.cli.main import main

    monkeypatch.chdir(tmp_path)
    archive = tmp_path / "cifar-100-python.tar.gz"
    archive.write_bytes(b"not the real archive")
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    with pytest.raises(SystemExit) as exit_info:
        main(["run", "--preset", "keras-io-eanet", "--set", f"data.archive_path={archive}"])
    assert exit_info.value.code not in (0, None)
    stderr = capsys.readouterr().err
    assert digest in stderr and "85cd44d02ba6" in stderr and "archive_path" in stderr
    assert not (tmp_path / ".vitbench" / "mlflow.db").exists()


def test_cifar_offline_without_archive_says_how_to_provide_it(tmp_path):
    env_home = tmp_path / "keras-home"  # an empty Keras cache: the loader must try to download
    done = subprocess.run(
        [sys.executable, "-m", "benchmark", "run", "--preset", "keras-io-eanet"],
        cwd=tmp_path,
        env=vitbench_env({"KERAS_HOME": str(env_home)}),
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode != 0
    assert "could not be downloaded" in done.stderr
    assert "data.archive_path" in done.stderr and "cifar-100-python.tar.gz" in done.stderr
    assert not (tmp_path / ".vitbench" / "mlflow.db").exists()


def test_authentication_failure_is_a_message_not_a_traceback(
    auth_mlflow_server, tmp_path, monkeypatch, capsys
):
    """In-process through the console entry point: the preflight refuses before any run."""
    from benchmark.cli.main import main

    monkeypatch.chdir(tmp_path)
    for extra in ({}, {"MLFLOW_TRACKING_USERNAME": "admin", "MLFLOW_TRACKING_PASSWORD": "wrong"}):
        for key in ("MLFLOW_TRACKING_USERNAME", "MLFLOW_TRACKING_PASSWORD"):
            monkeypatch.delenv(key, raising=False)
        for key, value in extra.items():
            monkeypatch.setenv(key, value)
        with pytest.raises(SystemExit) as exit_info:
            main(["run", "--preset", "smoke", "--tracking-uri", auth_mlflow_server.url])
        assert exit_info.value.code not in (0, None)
        stderr = capsys.readouterr().err
        assert "authentication failed (401)" in stderr, stderr
        assert "Traceback" not in stderr


def test_valid_credentials_pass_the_preflight(auth_mlflow_server, monkeypatch):
    """The same check accepts the admin credentials from the environment, and only those: the
    same call with a wrong password, or none, raises naming the refusal."""
    from benchmark.errors import TrackingUnavailableError
    from benchmark.tracking.server import preflight

    url = auth_mlflow_server.url
    monkeypatch.setenv("MLFLOW_TRACKING_USERNAME", "admin")
    monkeypatch.setenv("MLFLOW_TRACKING_PASSWORD", auth_mlflow_server.admin_password)
    assert preflight(url) is None

    monkeypatch.setenv("MLFLOW_TRACKING_PASSWORD", auth_mlflow_server.admin_password + "x")
    with pytest.raises(TrackingUnavailableError) as wrong:
        preflight(url)
    assert f"tracking server {url}: authentication failed (401); wrong credentials" in str(
        wrong.value
    )
    monkeypatch.delenv("MLFLOW_TRACKING_USERNAME")
    monkeypatch.delenv("MLFLOW_TRACKING_PASSWORD")
    with pytest.raises(TrackingUnavailableError, match=r"authentication failed \(401\); no cred"):
        preflight(url)


USAGE_ERRORS = [
    (["run", "--no-such-flag"], "error: No such option '--no-such-flag'"),
    (["runs", "--format", "xml"], "error: Invalid value for '--format'"),
    (["report", "--run", "x", "--study", "y"], "error: --run names one parent"),
    (["nosuchcommand"], "error: No such command 'nosuchcommand'"),
]


@pytest.mark.parametrize(
    ("args", "expected"), USAGE_ERRORS, ids=[" ".join(a) for a, _ in USAGE_ERRORS]
)
def test_click_usage_errors_follow_the_one_convention(
    args, expected, tmp_path, monkeypatch, capsys
):
    """click's own errors (unknown option, bad choice, UsageError in a command) print
    `error: ...` and exit 2 like every project error; never click's `Error:`."""
    from benchmark.cli.main import main

    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    stderr = capsys.readouterr().err
    assert exit_info.value.code == 2, stderr
    assert stderr.startswith(expected), stderr
    assert "Error:" not in stderr and "Traceback" not in stderr


def test_a_crash_exits_1_with_one_line_and_the_traceback_behind_debug(monkeypatch, capsys):
    """An unexpected exception is not a user error: exit 1, `internal error: ...`, and the
    traceback only with `vitbench --debug`."""
    import click

    from benchmark.cli.main import cli, main

    @click.command(name="crash-for-test")
    def crash() -> None:
        raise RuntimeError("boom in a helper")

    cli.add_command(crash)
    monkeypatch.delenv("VITBENCH_DEBUG", raising=False)
    try:
        for argv, traceback_shown in ((["crash-for-test"], False),
                                      (["--debug", "crash-for-test"], True)):  # fmt: skip
            with pytest.raises(SystemExit) as exit_info:
                main(argv)
            stderr = capsys.readouterr().err
            assert exit_info.value.code == 1
            assert "internal error: RuntimeError: boom in a helper" in stderr
            assert ("Traceback" in stderr) is traceback_shown, stderr
    finally:
        cli.commands.pop("crash-for-test")
