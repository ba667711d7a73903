"""`vitbench ui`: the MLflow UI over the local store, bound to 127.0.0.1, opened on the runs.

The URL it prints opens the experiment's training runs (not MLflow 3's GenAI overview) in a view
with model, seed, preset, dataset and the final metrics as columns (`tracking.ui_view`). A busy
port is an error before anything starts. The server runs in its own process group; Ctrl-C or
SIGTERM stops that whole group (the mlflow parent and its uvicorn children) before exiting.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import click

from benchmark import paths
from benchmark.errors import VitbenchError

READY_TIMEOUT_S = 120
STOP_TIMEOUT_S = 15


class PortInUseError(VitbenchError):
    """The port is taken; the message says which and how to pick another."""


class ServerError(VitbenchError):
    """The MLflow server failed to start or died: not the user's input, so exit 1."""

    exit_code = 1


class _Stop(Exception):
    """SIGTERM or SIGINT arrived: stop the server group."""


def check_port_free(host: str, port: int) -> None:
    """Bind (as uvicorn will, with SO_REUSEADDR) and release; a listener there means busy."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise VitbenchError(f"--host {host!r}: {exc}") from None
    family, _, _, _, address = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(address)
        except OSError:
            raise PortInUseError(f"port {port} is in use; try --port {port + 1}") from None


def _url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _healthy(base: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base}/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def stop_group(process: subprocess.Popen) -> None:
    """SIGTERM the server's process group, SIGKILL what is left after STOP_TIMEOUT_S, and
    return only when no process of the group remains."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    deadline = time.monotonic() + STOP_TIMEOUT_S
    while time.monotonic() < deadline + 5:  # children may outlive the parent for a moment
        try:
            os.killpg(process.pid, signal.SIGKILL if time.monotonic() > deadline else 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)  # (an unreaped zombie keeps the group "alive": give up after 5 s more)


def _experiment_url(host: str, port: int, experiment: str) -> tuple[str, str | None]:
    """The runs-view URL of `experiment` (tagging the experiment for it), or the base URL."""
    from mlflow.tracking import MlflowClient

    from benchmark.tracking.server import init_local_store
    from benchmark.tracking.ui_view import prepare_runs_view, runs_url

    uri = paths.local_tracking_uri()
    init_local_store(uri)
    client = MlflowClient(uri)
    found = client.get_experiment_by_name(experiment)
    base = _url(host, port)
    if found is None:
        return base, f"no experiment {experiment!r} yet: `vitbench run` creates it"
    prepare_runs_view(client, found.experiment_id)
    return runs_url(base, found.experiment_id), None


@click.command(name="ui")
@click.option("--port", default=5000, show_default=True, help="Port on 127.0.0.1.")
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Bind address; keep 127.0.0.1 unless the server sits behind auth.",
)
@click.option("--experiment", default=paths.DEFAULT_EXPERIMENT, show_default=True,
              help="Experiment whose runs the printed URL opens.")  # fmt: skip
def command(port: int, host: str, experiment: str) -> None:
    """Serve the local tracking store (.vitbench/) with the MLflow UI, opened on the runs.

    To browse a remote tracking server instead, open its URL in a browser (or tunnel to it:
    ssh -L 5000:127.0.0.1:5000 HOST) -- nothing needs to run locally.
    """
    check_port_free(host, port)
    from benchmark.tracking.store import follow_moved_store

    paths.ensure_home()
    follow_moved_store(paths.local_tracking_uri())
    paths.local_artifact_root().mkdir(parents=True, exist_ok=True)
    url, note = _experiment_url(host, port, experiment)
    env = {**os.environ, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"}
    cmd = [sys.executable, "-m", "mlflow", "server",
           "--backend-store-uri", paths.local_tracking_uri(),
           "--artifacts-destination", str(paths.local_artifact_root()),
           "--host", host, "--port", str(port), "--workers", "1"]  # fmt: skip

    def on_signal(signum, frame):
        raise _Stop

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
    process = None
    try:
        click.echo(f"starting the MLflow UI for {paths.local_tracking_uri()} ...")
        process = subprocess.Popen(cmd, env=env, start_new_session=True)
        deadline = time.monotonic() + READY_TIMEOUT_S
        while not _healthy(_url(host, port)):
            if process.poll() is not None:
                raise ServerError(f"the MLflow server exited with code {process.returncode} "
                                    "before it was ready (its output is above)")  # fmt: skip
            if time.monotonic() > deadline:
                raise ServerError(f"the MLflow server did not answer /health within "
                                    f"{READY_TIMEOUT_S} s")  # fmt: skip
            time.sleep(0.2)
        click.echo(f"MLflow UI: {url}  (Ctrl-C to stop)")
        if note:
            click.echo(f"  {note}")
        code = process.wait()
        if code:
            raise ServerError(f"the MLflow server stopped with exit code {code}")
    except _Stop:
        click.echo("stopping the MLflow UI")
    finally:
        for sig in previous:  # a second Ctrl-C must not cut the stop short
            signal.signal(sig, signal.SIG_IGN)
        if process is not None:
            stop_group(process)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
