"""Matrix progress: a live rich display on a terminal, plain lines otherwise (CI, logs)."""

from __future__ import annotations

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table


class MatrixProgress:
    def __init__(self, total_cells: int, interactive: bool):
        self.total = total_cells
        self.interactive = interactive
        self.console = Console()
        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=self.console,
            disable=not interactive,
        )
        self.cells_task = self.progress.add_task("cells", total=total_cells)
        self.epoch_task = None

    def __enter__(self):
        self.progress.__enter__()
        return self

    def __exit__(self, *exc):
        return self.progress.__exit__(*exc)

    def cell_started(self, index: int, cell):
        epochs = cell.config.train.epochs
        label = f"[{index + 1}/{self.total}] {cell.label}"
        if self.interactive:
            if self.epoch_task is not None:
                self.progress.remove_task(self.epoch_task)
            self.epoch_task = self.progress.add_task(label, total=epochs)
        else:
            click.echo(f"{label}: starting")

        def on_epoch(epoch: int, metrics: dict) -> None:
            if self.interactive:
                self.progress.update(self.epoch_task, completed=epoch)
            else:
                click.echo(
                    f"  epoch {epoch}/{epochs} loss={metrics.get('loss', 0):.4f} "
                    f"acc={metrics.get('accuracy', 0):.4f} "
                    f"val_acc={metrics.get('val_accuracy', 0):.4f} "
                    f"({metrics.get('train_images_per_s', 0):.0f} img/s)"
                )

        return on_epoch

    def cell_ended(self, outcome) -> None:
        self.progress.advance(self.cells_task)
        message = {
            "SKIPPED": "skipped: already FINISHED with the same config hash "
            f"(run {outcome.run_id})",
            "FINISHED": f"finished (run {outcome.run_id})",
            "FAILED": f"FAILED: {outcome.reason} (run {outcome.run_id})",
        }.get(outcome.status, outcome.status)
        line = f"{outcome.cell.label}: {message}"
        if self.interactive:
            self.progress.console.print(line)
        else:
            click.echo(line)

    def summary(self, result, tracking_uri: str) -> None:
        table = Table(title=f"matrix run {result.parent_run_id}")
        for column in (
            "model",
            "seed",
            "preset",
            "status",
            "test top-1",
            "test top-5",
            "best val",
            "run id",
        ):
            table.add_column(column)
        for o in result.outcomes:
            m = o.metrics

            def pct(key: str, m=m) -> str:
                return f"{100 * m[key]:.2f}%" if key in m else "-"

            table.add_row(
                o.cell.config.model.name,
                str(o.cell.config.seed),
                o.cell.config.preset,
                o.status,
                pct("test_accuracy"),
                pct("test_top5_accuracy"),
                pct("best_val_accuracy"),
                o.run_id,
            )
        Console(width=160).print(table)
        click.echo(f"browse: vitbench ui  (tracking URI {tracking_uri})")
