"""Errors the report raises on purpose: the CLI turns them into a message and a non-zero exit."""

from __future__ import annotations


class ReportError(Exception):
    """Base class: the report cannot be built, and nothing was written."""


class StoreNotFoundError(ReportError):
    """The local tracking store does not exist (nothing has been run here yet)."""


class ExperimentNotFoundError(ReportError):
    """The named MLflow experiment does not exist."""


class RunNotFoundError(ReportError):
    """No parent run matches the selector (run id, study name or "latest matrix")."""


class NoFinishedRunsError(ReportError):
    """The parent run exists but none of its children finished, so there is nothing to compare."""
