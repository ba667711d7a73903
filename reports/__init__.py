"""Comparison report for vitbench runs: MLflow -> tables, statistics, figures -> md/html.

Deliberately free of TensorFlow/Keras so a report builds in seconds on any machine; the heavy
modules (mlflow, seaborn) are imported by the submodules that need them, not here.
"""

from reports.errors import ReportError

__all__ = ["ReportError", "build_report"]


def build_report(*args, **kwargs):  # noqa: ANN002, ANN003 - thin lazy re-export
    """Lazy re-export of :func:`reports.build.build_report` (keeps ``import reports`` cheap)."""
    from reports.build import build_report as _build_report

    return _build_report(*args, **kwargs)
