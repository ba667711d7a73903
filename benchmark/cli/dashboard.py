"""`vitbench dashboard`: optuna-dashboard over the study storage, bound to 127.0.0.1."""

from __future__ import annotations

import contextlib

import click

from benchmark.errors import ConfigError


@click.command(name="dashboard")
@click.option(
    "--storage", help="Optuna storage URL [.vitbench/optuna.db; $VITBENCH_STUDY_STORAGE]."
)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Bind address; optuna-dashboard has no auth, keep 127.0.0.1 (tunnel with ssh -L).",
)
@click.option("--port", default=8080, show_default=True, type=int, help="Port.")
def command(storage: str | None, host: str, port: int) -> None:
    """Browse studies (history, importances, Pareto fronts) with optuna-dashboard."""
    from studies.storage import redact, storage_url

    try:
        from optuna_dashboard import run_server
    except ImportError:
        raise ConfigError(
            "optuna-dashboard is not installed; pip install 'vitbench[dashboard]'"
        ) from None
    if host not in ("127.0.0.1", "localhost", "::1"):
        click.echo(f"warning: binding to {host}: optuna-dashboard has no authentication", err=True)
    url = storage_url(storage)
    from studies.storage import dashboard_storage, open_storage

    open_storage(url)  # fails fast, naming the URL, when the database is unreachable
    backend, hidden = dashboard_storage(url)
    click.echo(
        f"optuna-dashboard for {redact(url)} at http://{host}:{port}  (Ctrl-C to stop)",
    )
    if hidden:
        click.echo(f"  {hidden} matrix cell queue(s) (matrix-<hash>) hidden from the study list; "
                   "`vitbench runs --matrix` shows the cells")  # fmt: skip
    with contextlib.suppress(KeyboardInterrupt):
        run_server(backend, host=host, port=port)
