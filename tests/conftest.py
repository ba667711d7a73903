"""Shared fixtures: real MLflow tracking servers and throwaway PostgreSQL databases."""

from __future__ import annotations

import importlib.util
import os
import secrets
import sys
from collections.abc import Iterator

import pytest

from benchmark import environment
from tests.support.mlflow_server import (
    FAST_CLIENT_ENV,
    MlflowServer,
    postgres_unavailable_reason,
    running_mlflow_server,
    throwaway_postgres_database,
)

_POSTGRES_FIXTURES = {"postgres_url", "postgres_mlflow_server"}
TRACKING_URI_GLOBAL = "mlflow.set_tracking_uri"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that uses a PostgreSQL fixture, so ``-m 'not postgres'`` deselects it."""
    for item in items:
        if _POSTGRES_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.postgres)


@pytest.fixture(scope="session", autouse=True)
def fast_mlflow_client_env() -> Iterator[None]:
    """Make MLflow clients fail fast in tests (no 7 retries with backoff against a dead server)."""
    with pytest.MonkeyPatch.context() as mp:
        for key, value in FAST_CLIENT_ENV.items():
            mp.setenv(key, value)
        yield


def _process_state() -> dict[str, str | None]:
    """The process-wide settings that decide where a store is: VITBENCH_* / MLFLOW_* variables
    and MLflow's global tracking URI (`mlflow.set_tracking_uri`, which `vitbench` calls)."""
    state = {k: v for k, v in os.environ.items() if k.startswith(("VITBENCH_", "MLFLOW_"))}
    utils = sys.modules.get("mlflow.tracking._tracking_service.utils")
    state[TRACKING_URI_GLOBAL] = getattr(utils, "_tracking_uri", None)
    return state


def _restore(state: dict[str, str | None]) -> None:
    for key in [k for k in os.environ if k.startswith(("VITBENCH_", "MLFLOW_"))]:
        if key not in state:
            del os.environ[key]
    os.environ.update({k: v for k, v in state.items() if k != TRACKING_URI_GLOBAL and v})
    utils = sys.modules.get("mlflow.tracking._tracking_service.utils")
    if utils is not None:
        utils._tracking_uri = state[TRACKING_URI_GLOBAL]


@pytest.fixture(scope="session")
def _session_state(fast_mlflow_client_env: None) -> dict[str, str | None]:
    return _process_state()


@pytest.fixture(autouse=True)
def no_state_leaks(_session_state: dict[str, str | None]) -> Iterator[None]:
    """Each test gets the process state back as it found it (an in-process `vitbench` call sets
    MLflow's tracking URI); a fixture of wider scope that changed it would move every later
    test's store (and its subprocesses'), so that fails where it shows."""
    before = _process_state()
    yield
    _restore(before)
    changed = sorted(k for k in set(before) | set(_session_state)
                     if before.get(k) != _session_state.get(k))  # fmt: skip
    assert not changed, f"a fixture leaked process state into later tests: {changed}"


def require_service(name: str, reason: str) -> None:
    """Skip a test whose service is missing, or fail it when CI demands every service
    (`VITBENCH_REQUIRE_SERVICES=1`, set by .ci/run): CI must not go green with it unexecuted."""
    if environment.REQUIRE_SERVICES.get():
        pytest.fail(f"{name} is required (VITBENCH_REQUIRE_SERVICES=1) but unavailable: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def _postgres_available() -> None:
    reason = postgres_unavailable_reason()
    if reason is not None:
        require_service("PostgreSQL at 127.0.0.1:5432", reason)


@pytest.fixture
def postgres_url(_postgres_available: None) -> Iterator[str]:
    """A fresh, empty database: ``postgresql+psycopg://postgres@127.0.0.1:5432/<db>``."""
    with throwaway_postgres_database() as url:
        yield url


@pytest.fixture(scope="session")
def mlflow_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MlflowServer]:
    """A real tracking server on a SQLite store, shared by the session."""
    workdir = tmp_path_factory.mktemp("mlflow-sqlite")
    uri = f"sqlite:///{(workdir / 'mlflow.db').resolve()}"
    with running_mlflow_server(uri, workdir) as server:
        yield server


@pytest.fixture(scope="session")
def postgres_mlflow_server(
    _postgres_available: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[MlflowServer]:
    """A real tracking server on its own throwaway PostgreSQL database, shared by the session."""
    workdir = tmp_path_factory.mktemp("mlflow-postgres")
    with (
        throwaway_postgres_database("vitbench_mlflow") as uri,
        running_mlflow_server(uri, workdir) as server,
    ):
        yield server


@pytest.fixture(scope="session")
def auth_mlflow_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MlflowServer]:
    """A real ``--app-name basic-auth`` server; ``server.admin_password`` holds the password."""
    if importlib.util.find_spec("flask_wtf") is None:
        require_service("mlflow[auth] (Flask-WTF)", "basic-auth needs mlflow[auth] (Flask-WTF)")
    workdir = tmp_path_factory.mktemp("mlflow-auth")
    uri = f"sqlite:///{(workdir / 'mlflow.db').resolve()}"
    with running_mlflow_server(uri, workdir, admin_password=secrets.token_urlsafe(18)) as server:
        yield server
