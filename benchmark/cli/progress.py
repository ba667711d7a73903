"""Matrix and study progress: a live rich display on a terminal, plain lines otherwise (CI,
logs), nothing but the outcome with `--quiet`."""

from __future__ import annotations

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from reports.names import Status


def say(line: str, quiet: bool = False) -> None:
    if not quiet:
        click.echo(line)


class MatrixProgress:
    def __init__(self, total_cells: int, interactive: bool, quiet: bool = False):
        self.total = total_cells
        self.quiet = quiet
        self.interactive = interactive and not quiet
        self.console = Console()
        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=self.console,
            disable=not self.interactive,
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
            say(f"{label}: starting", self.quiet)

        def on_epoch(epoch: int, metrics: dict) -> None:
            if self.interactive:
                self.progress.update(self.epoch_task, completed=epoch)
            elif not self.quiet:
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
            Status.SKIPPED: f"skipped: already {Status.FINISHED} with the same config hash "
            f"(run {outcome.run_id})",
            Status.FINISHED: f"finished (run {outcome.run_id})",
            Status.FAILED: f"{Status.FAILED}: {outcome.reason} (run {outcome.run_id})",
        }.get(outcome.status, str(outcome.status))
        line = f"{outcome.cell.label}: {message}"
        if self.interactive:
            self.progress.console.print(line)
        else:
            say(line, self.quiet)

    def summary(self, result) -> None:
        if self.quiet:
            counts: dict[str, int] = {}
            for o in result.outcomes:
                counts[o.status] = counts.get(o.status, 0) + 1
            tally = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
            click.echo(f"matrix {result.parent_run_id}: {tally or 'no cells'}")
            return
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
                str(o.status),
                pct("test_accuracy"),
                pct("test_top5_accuracy"),
                pct("best_val_accuracy"),
                o.run_id,
            )
        Console(width=160).print(table)


class StudyProgress:
    """After every trial: a bar of trials done (COMPLETE + PRUNED) out of the budget, with the
    pruned and failed counts and the best value so far, or one rounded line per trial."""

    def __init__(self, study, budget: int | None, interactive: bool, quiet: bool = False,
                 console: Console | None = None):  # fmt: skip
        self.budget = budget
        self.quiet = quiet
        self.interactive = interactive and not quiet
        default = [f"objective_{i}" for i in range(len(study.directions))]
        self.names = list(study.metric_names or default)
        self.progress = Progress(
            TextColumn("trials"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[counts]}"),
            TimeElapsedColumn(),
            console=console or Console(),
            disable=not self.interactive,
        )
        self.task = self.progress.add_task("trials", total=budget, counts="")
        self.update(study)

    def __enter__(self):
        self.progress.__enter__()
        return self

    def __exit__(self, *exc):
        return self.progress.__exit__(*exc)

    def counts_text(self, study) -> tuple[int, str]:
        from studies.runner import best_text, state_counts

        counts = state_counts(study)
        done = counts.get("COMPLETE", 0) + counts.get("PRUNED", 0)
        text = (f"complete {counts.get('COMPLETE', 0)}  pruned {counts.get('PRUNED', 0)}  "
                f"failed {counts.get('FAIL', 0)}  best {best_text(study)}")  # fmt: skip
        return done, text

    def update(self, study) -> str:
        done, text = self.counts_text(study)
        self.progress.update(self.task, completed=done, counts=text)
        return text

    def trial_ended(self, study, trial) -> None:
        from studies.runner import trial_line

        text = self.update(study)
        if self.quiet:
            return
        line = trial_line(trial, self.names)
        if self.interactive:
            self.progress.console.print(line)
        else:
            click.echo(f"{line}  [{text}]")
