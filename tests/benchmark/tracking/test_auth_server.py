"""The basic-auth tracking server (compose profile ``auth``) and the client fail-fast settings.

Workers authenticate with ``MLFLOW_TRACKING_USERNAME`` / ``MLFLOW_TRACKING_PASSWORD`` from the
environment; clients fail fast against a dead server when ``MLFLOW_HTTP_REQUEST_MAX_RETRIES``,
``MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR`` and ``MLFLOW_HTTP_REQUEST_TIMEOUT`` are lowered (the
defaults retry 7 times with exponential backoff: minutes per call).
"""

from __future__ import annotations

import base64
import json
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient

from tests.support.mlflow_server import ADMIN_USERNAME, MlflowServer, free_port

SEARCH_PATH = "/api/2.0/mlflow/experiments/search?max_results=10"


def _get(url: str, credentials: tuple[str, str] | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url)
    if credentials is not None:
        token = base64.b64encode(":".join(credentials).encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def test_rest_call_without_credentials_gets_401(auth_mlflow_server: MlflowServer) -> None:
    status, _ = _get(auth_mlflow_server.url + SEARCH_PATH)
    assert status == 401


def test_rest_call_with_wrong_password_gets_401(auth_mlflow_server: MlflowServer) -> None:
    status, _ = _get(auth_mlflow_server.url + SEARCH_PATH, (ADMIN_USERNAME, "not-the-password"))
    assert status == 401


def test_rest_call_with_admin_credentials_succeeds(auth_mlflow_server: MlflowServer) -> None:
    assert auth_mlflow_server.admin_password is not None
    credentials = (ADMIN_USERNAME, auth_mlflow_server.admin_password)
    status, body = _get(auth_mlflow_server.url + SEARCH_PATH, credentials)
    assert status == 200
    assert "Default" in {e["name"] for e in json.loads(body)["experiments"]}


def test_health_stays_open_for_healthchecks(auth_mlflow_server: MlflowServer) -> None:
    """The compose healthcheck curls /health without credentials."""
    assert _get(auth_mlflow_server.url + "/health")[0] == 200


def test_client_uses_credentials_from_environment(
    auth_mlflow_server: MlflowServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = MlflowClient(tracking_uri=auth_mlflow_server.url)
    monkeypatch.delenv("MLFLOW_TRACKING_USERNAME", raising=False)
    monkeypatch.delenv("MLFLOW_TRACKING_PASSWORD", raising=False)
    with pytest.raises(MlflowException, match="401|[Uu]nauthori"):
        client.search_experiments()

    assert auth_mlflow_server.admin_password is not None
    monkeypatch.setenv("MLFLOW_TRACKING_USERNAME", ADMIN_USERNAME)
    monkeypatch.setenv("MLFLOW_TRACKING_PASSWORD", auth_mlflow_server.admin_password)
    experiment_id = client.create_experiment("auth-from-env")
    assert client.get_experiment(experiment_id).name == "auth-from-env"


def test_admin_creates_a_worker_user_that_can_log_runs(
    auth_mlflow_server: MlflowServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The README recipe: one shared `worker` user created by the admin."""
    from mlflow.server import get_app_client

    assert auth_mlflow_server.admin_password is not None
    monkeypatch.setenv("MLFLOW_TRACKING_USERNAME", ADMIN_USERNAME)
    monkeypatch.setenv("MLFLOW_TRACKING_PASSWORD", auth_mlflow_server.admin_password)
    admin = get_app_client("basic-auth", tracking_uri=auth_mlflow_server.url)
    admin.create_user("worker", "worker-password-123")

    monkeypatch.setenv("MLFLOW_TRACKING_USERNAME", "worker")
    monkeypatch.setenv("MLFLOW_TRACKING_PASSWORD", "worker-password-123")
    client = MlflowClient(tracking_uri=auth_mlflow_server.url)
    run = client.create_run(client.create_experiment("worker-owned"))
    client.log_metric(run.info.run_id, "accuracy", 0.5, step=1)
    assert client.get_run(run.info.run_id).data.metrics == {"accuracy": 0.5}
    assert _get(auth_mlflow_server.url + SEARCH_PATH, ("worker", "wrong-password"))[0] == 401


@pytest.fixture
def silent_listener() -> Iterator[str]:
    """A port that accepts TCP connections but never answers: a hung server, not a refusal."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"


@pytest.mark.parametrize("target", ["refused", "hung"])
def test_unreachable_tracking_uri_fails_within_15s(
    target: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Documents the settings workers use so a dead server fails a cell instead of hanging it."""
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR", "0")
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_TIMEOUT", "3")
    if target == "hung":
        uri = request.getfixturevalue("silent_listener")
    else:
        uri = f"http://127.0.0.1:{free_port()}"
    started = time.monotonic()
    with pytest.raises(MlflowException):
        MlflowClient(tracking_uri=uri).search_experiments()
    elapsed = time.monotonic() - started
    assert elapsed < 15
    if target == "hung":
        # The request timeout, not an instant refusal, ended the call.
        assert elapsed >= 2.5
