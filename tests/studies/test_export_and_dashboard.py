"""`--export-best` writes a preset `vitbench run --preset NAME` accepts; `vitbench dashboard`
serves a storage on 127.0.0.1 and stops cleanly."""

from __future__ import annotations

import socket
import subprocess
import sys
import time

import pytest
import requests
from click.testing import CliRunner

from benchmark.config import ConfigError, load_preset, resolve_config, with_changes
from studies.export import write_preset


def test_exported_preset_round_trips(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("VITBENCH_PRESET_PATH", str(tmp_path))
    config = resolve_config("smoke", "eanet", 3, {"model": {"num_heads": 4, "patch_size": 2}})
    path = write_preset("best-eanet", config, "test export", folder=tmp_path)
    assert path == tmp_path / "best-eanet.yaml"
    preset = load_preset("best-eanet")
    assert preset.default_models() == ["eanet"] and preset.default_seeds() == [3]
    again = resolve_config(preset, None, 3)
    assert again.preset == "best-eanet"
    assert with_changes(again, preset="smoke").config_hash() == config.config_hash()


def test_export_rejects_a_path_like_name(tmp_path) -> None:
    with pytest.raises(ConfigError, match="not a valid preset name"):
        write_preset("../evil", resolve_config("smoke", "vit"), "x", folder=tmp_path)


def test_dashboard_help_parses() -> None:
    from benchmark.cli.main import cli

    result = CliRunner().invoke(cli, ["dashboard", "--help"])
    assert result.exit_code == 0
    assert "--storage" in result.output and "127.0.0.1" in result.output


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_dashboard_serves_the_storage_on_localhost(tmp_path) -> None:
    """Studies are listed with their objective named; matrix cell queues are not listed."""
    from benchmark.matrix.plan import plan_cells
    from benchmark.matrix.work_queue import open_queue
    from studies.runner import StudySettings, open_study

    storage = f"sqlite:///{tmp_path / 'optuna.db'}"
    settings = StudySettings("shown", storage, ("maximize",), metric_names=("best_val_accuracy",))
    open_study(settings, storage)
    queue, _ = open_queue(storage, plan_cells(["smoke"], ["vit"], [0]))
    port = _free_port()
    cmd = [
        sys.executable,
        "-m",
        "benchmark",
        "dashboard",
        "--storage",
        storage,
        "--port",
        str(port),
    ]
    server = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline, answer = time.monotonic() + 60, None
        while time.monotonic() < deadline and server.poll() is None:
            try:
                answer = requests.get(f"http://127.0.0.1:{port}/api/studies", timeout=2)
                break
            except requests.ConnectionError:
                time.sleep(0.2)
        assert answer is not None and answer.status_code == 200, server.poll()
        listed = {study["study_name"]: study for study in answer.json()["study_summaries"]}
        assert list(listed) == ["shown"], listed  # queue.study_name (matrix-<hash>) is hidden
        detail = requests.get(f"http://127.0.0.1:{port}/api/studies/{listed['shown']['study_id']}",
                              timeout=10).json()  # fmt: skip
        assert detail["objective_names"] == ["best_val_accuracy"]
    finally:
        server.terminate()
        out, _ = server.communicate(timeout=30)
    assert f"http://127.0.0.1:{port}" in out
    assert "1 matrix cell queue(s) (matrix-<hash>) hidden" in out and queue.study_name
