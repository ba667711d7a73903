"""Comparison report for vitbench runs: MLflow -> tables, statistics, figures -> md/html.

Deliberately free of TensorFlow/Keras (and of `benchmark`) so a report builds in seconds on any
machine; callers say where to read (tracking URI) and where to write (output folder).
"""

from reports.errors import ReportError

__all__ = ["ReportError", "build_report"]


def build_report(*args, **kwargs):  # noqa: ANN002, ANN003 - thin lazy re-export
    """Lazy re-export of :func:`reports.build.build_report` (keeps ``import reports`` cheap)."""
    from reports.build import build_report as build  # deferred: mlflow, pandas, seaborn

    return build(*args, **kwargs)
