"""`vitbench ui`: the MLflow UI over the local store, bound to 127.0.0.1."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys

import click

from benchmark import paths


@click.command(name="ui")
@click.option("--port", default=5000, show_default=True, help="Port on 127.0.0.1.")
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Bind address; keep 127.0.0.1 unless the server sits behind auth.",
)
def command(port: int, host: str) -> None:
    """Serve the local tracking store (.vitbench/) with the MLflow UI.

    To browse a remote tracking server instead, open its URL in a browser (or tunnel to it:
    ssh -L 5000:127.0.0.1:5000 HOST) -- nothing needs to run locally.
    """
    paths.local_artifact_root().mkdir(parents=True, exist_ok=True)
    url = f"http://{host}:{port}"
    click.echo(f"MLflow UI for {paths.local_tracking_uri()} at {url}  (Ctrl-C to stop)")
    env = {**os.environ, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"}
    cmd = [
        sys.executable,
        "-m",
        "mlflow",
        "server",
        "--backend-store-uri",
        paths.local_tracking_uri(),
        "--artifacts-destination",
        str(paths.local_artifact_root()),
        "--host",
        host,
        "--port",
        str(port),
        "--workers",
        "1",
    ]
    with contextlib.suppress(KeyboardInterrupt):
        subprocess.run(cmd, env=env, check=False)
