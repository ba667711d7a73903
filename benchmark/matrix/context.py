"""Everything a matrix cell needs besides the cell itself (the matrix's `StudyContext`)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from mlflow.tracking import MlflowClient


@dataclass(frozen=True)
class MatrixContext:
    """Where a matrix's cells are tracked: one client and experiment, the parent run once the
    queue has elected it (None in a dry run), and where checkpoints are shared."""

    client: MlflowClient
    experiment_id: str
    tracking_uri: str
    parent_run_id: str | None = None
    checkpoint_uri: str | None = None

    def with_parent(self, parent_run_id: str) -> MatrixContext:
        return replace(self, parent_run_id=parent_run_id)
