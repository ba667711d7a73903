"""The deployment files: schema-valid, private by default, no secrets, pinned, consistent.

No Docker engine runs in CI, so these checks stand in for ``docker compose config``.
"""

from __future__ import annotations

import re
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.support.compose_file import (
    AUTH_OVERRIDE,
    COMPOSE_FILE,
    COMPOSE_FILES,
    ENV_EXAMPLE,
    ROOT,
    environment,
    interpolate,
    load,
    read_env_file,
    required_references,
    strings,
    variables_used,
)
from tests.support.mlflow_server import running_mlflow_server

SECRET_NAME = re.compile(r"PASSWORD|SECRET|TOKEN|_KEY$")
REQUIRED_ONLY = re.compile(r"^\$\{[A-Z_][A-Z0-9_]*:\?[^}]+\}$")
URL_CREDENTIALS = re.compile(r"://[^/:@\s]+:(?P<password>[^@\s]+)@")
CHECK_JSONSCHEMA = Path(sys.executable).with_name("check-jsonschema")


def _services(path: Path = COMPOSE_FILE) -> dict[str, dict[str, Any]]:
    return load(path)["services"]


def _check_jsonschema(*paths: Path) -> subprocess.CompletedProcess[str]:
    if not CHECK_JSONSCHEMA.exists():
        pytest.fail(f"{CHECK_JSONSCHEMA} missing: pip install 'vitbench[dev]'")
    cmd = [str(CHECK_JSONSCHEMA), "--builtin-schema", "vendor.compose-spec", *map(str, paths)]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60)


def test_compose_files_match_the_compose_spec() -> None:
    result = _check_jsonschema(*COMPOSE_FILES)
    assert result.returncode == 0, result.stdout + result.stderr


def test_schema_check_rejects_a_broken_file(tmp_path: Path) -> None:
    """Guards the check above against passing vacuously (wrong schema, no files read)."""
    broken = tmp_path / "docker-compose.yml"
    broken.write_text(COMPOSE_FILE.read_text().replace("    healthcheck:", "    healthchek:", 1))
    assert _check_jsonschema(broken).returncode != 0


@pytest.mark.parametrize("path", COMPOSE_FILES, ids=lambda p: p.name)
def test_published_ports_are_bound_to_localhost(path: Path) -> None:
    published = []
    for name, service in _services(path).items():
        for port in service.get("ports", []):
            host = port.get("host_ip") if isinstance(port, dict) else str(port).partition(":")[0]
            published.append((name, host))
    assert all(host == "127.0.0.1" for _, host in published), published
    if path == COMPOSE_FILE:
        assert {name for name, _ in published} == {"postgres", "mlflow", "dashboard"}


def test_servers_have_healthchecks() -> None:
    services = _services()
    assert "pg_isready" in services["postgres"]["healthcheck"]["test"]
    mlflow = services["mlflow"]
    probe = " ".join(mlflow["healthcheck"]["test"])
    port = mlflow["command"][mlflow["command"].index("--port") + 1]
    assert f"127.0.0.1:{port}/health" in probe


def test_depends_on_targets_exist_and_wait_for_healthy_servers() -> None:
    services = _services()
    edges = 0
    for name, service in services.items():
        depends_on = service.get("depends_on", {})
        if isinstance(depends_on, list):
            depends_on = {target: {"condition": "service_started"} for target in depends_on}
        for target, spec in depends_on.items():
            edges += 1
            assert target in services, f"{name} depends on unknown service {target}"
            if "healthcheck" in services[target]:
                assert spec.get("condition") == "service_healthy", (name, target)
    assert edges >= 5


def test_images_are_pinned() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text()
    version = re.search(r'^version = "([^"]+)"', pyproject, re.M).group(1)
    for name, service in _services().items():
        image = service["image"]
        repository, _, tag = image.rpartition(":")
        assert repository and "/" not in tag, f"{name}: {image} has no tag"
        assert tag != "latest" and re.search(r"\d+\.\d+", tag), f"{name}: {image} not pinned"
        if "build" in service:
            assert tag == version, f"{name}: built image {image} should carry version {version}"
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.findall(r"^FROM (\S+)", dockerfile, re.M) == ["python:3.11.11-slim-bookworm"]


def test_mlflow_allowed_hosts_include_the_service_name() -> None:
    hosts = environment(_services()["mlflow"])["MLFLOW_SERVER_ALLOWED_HOSTS"].split(",")
    assert {"mlflow", "mlflow:5000", "localhost", "127.0.0.1"} <= set(hosts)
    assert "*" not in hosts


def test_workers_talk_to_the_mlflow_service() -> None:
    for name, service in _services().items():
        if service.get("image", "").startswith("vitbench"):
            command = service["command"]
            assert command[command.index("--tracking-uri") + 1] == "http://mlflow:5000", name
            assert environment(service)["MLFLOW_TRACKING_URI"] == "http://mlflow:5000", name


def _values(path: Path) -> str:
    """Every value Compose interpolates (comments and keys are not interpolated)."""
    return "\n".join(strings(load(path)))


def _is_secret(name: str) -> bool:
    return bool(SECRET_NAME.search(name)) and not name.startswith("MLFLOW_HTTP_")


@pytest.mark.parametrize("path", COMPOSE_FILES, ids=lambda p: p.name)
def test_no_literal_secrets(path: Path) -> None:
    for name, ops in required_references(_values(path)).items():
        if _is_secret(name):
            assert set(ops) == {":?"}, f"{name} must be referenced as ${{{name}:?message}}"
    document = load(path)
    for name, service in document["services"].items():
        for key, value in environment(service).items():
            if _is_secret(key):
                assert REQUIRED_ONLY.match(value), f"{name}.{key} is not a ${{VAR:?...}}"
    for value in strings(document):
        for match in URL_CREDENTIALS.finditer(value):
            assert REQUIRED_ONLY.match(match.group("password")), f"literal password in {value}"


def test_env_file_is_ignored_and_example_lists_every_variable() -> None:
    ignored = subprocess.run(["git", "check-ignore", "-q", ".env"], cwd=ROOT, check=False)
    assert ignored.returncode == 0, ".env must be git-ignored"
    assert ".env" in (ROOT / ".dockerignore").read_text().split()
    example = read_env_file(ENV_EXAMPLE)
    used = set().union(*(variables_used(_values(p)) for p in COMPOSE_FILES))
    assert {"POSTGRES_PASSWORD", "MLFLOW_TRACKING_PASSWORD", "MLFLOW_PORT"} <= used
    assert used - set(example) == set()
    assert {k: v for k, v in example.items() if _is_secret(k) and v} == {}


def test_required_secrets_fail_interpolation_when_unset() -> None:
    """What `docker compose up` does with a copied-but-unedited .env.example."""
    with pytest.raises(KeyError, match="POSTGRES_PASSWORD"):
        interpolate(load(COMPOSE_FILE), read_env_file(ENV_EXAMPLE))
    with pytest.raises(KeyError, match="MLFLOW_AUTH_ADMIN_PASSWORD"):
        interpolate(load(AUTH_OVERRIDE), {**read_env_file(ENV_EXAMPLE), "POSTGRES_PASSWORD": "x"})


def test_allowed_hosts_from_compose_admit_workers_and_refuse_others(tmp_path: Path) -> None:
    """A real server with the compose allow-list: `Host: mlflow:5000` passes, others get 403."""
    hosts = environment(_services()["mlflow"])["MLFLOW_SERVER_ALLOWED_HOSTS"]
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    env = {"MLFLOW_SERVER_ALLOWED_HOSTS": hosts}
    with running_mlflow_server(uri, tmp_path, extra_env=env) as srv:
        path = "/api/2.0/mlflow/experiments/search?max_results=1"
        assert _status(srv.url + path, host="mlflow:5000") == 200
        assert _status(srv.url + path, host=srv.url.removeprefix("http://")) == 200
        assert _status(srv.url + path, host="evil.example:5000") == 403


def _status(url: str, host: str) -> int:
    request = urllib.request.Request(url, headers={"Host": host})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_database_urls_use_the_right_driver_and_database() -> None:
    """Optuna data lives in `optuna` (created by the init config), MLflow's in `mlflow`."""
    document = load(COMPOSE_FILE)
    services = document["services"]
    assert "CREATE DATABASE optuna" in document["configs"]["postgres-init"]["content"]
    assert services["postgres"]["environment"]["POSTGRES_DB"] == "mlflow"
    backend = environment(services["mlflow"])["MLFLOW_BACKEND_STORE_URI"]
    assert backend.startswith("postgresql+psycopg://") and backend.endswith("@postgres:5432/mlflow")
    # The optuna-dashboard image ships psycopg2 only; the vitbench image ships psycopg 3.
    dashboard_url = services["dashboard"]["command"][0]
    assert dashboard_url.startswith("postgresql+psycopg2://")
    assert dashboard_url.endswith("@postgres:5432/optuna")
    for name, service in services.items():
        if "--storage" in service.get("command", []):
            url = service["command"][service["command"].index("--storage") + 1]
            assert url.startswith("postgresql+psycopg://"), name
            assert url.endswith("@postgres:5432/optuna"), name
