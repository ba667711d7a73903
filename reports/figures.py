"""Figures as PNG bytes, drawn on ``matplotlib.figure.Figure`` objects (Agg canvas, no pyplot).

Avoiding pyplot keeps figures free of global state: nothing to close, no GUI backend picked,
safe to call from tests and threads. Accuracies are drawn in %, as in the tables.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure as MplFigure
from matplotlib.ticker import MaxNLocator

DPI = 110


@dataclass(frozen=True)
class Figure:
    """One report figure: a stable key (file name), a title, a caption and the PNG bytes."""

    key: str
    title: str
    caption: str
    png: bytes


def palette(groups: list[str]) -> dict[str, tuple[float, float, float]]:
    """One colour per group, the same in every figure."""
    colours = sns.color_palette("tab10", n_colors=max(len(groups), 1))
    return dict(zip(sorted(groups), colours, strict=False))


def new_figure(ncols: int = 1, width: float = 6.0) -> tuple[MplFigure, np.ndarray]:
    fig = MplFigure(figsize=(width * ncols, 4.0), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, ncols, squeeze=False)[0]
    return fig, axes


def to_png(fig: MplFigure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI)
    return buf.getvalue()


def learning_curves(
    histories: pd.DataFrame, labels: pd.Series, colours: dict | None, per_run: bool = False
) -> Figure:
    """Validation accuracy (%) and loss per epoch.

    Matrix: mean over seeds per group, band = ±1 std. Study (``per_run``): one line per trial in
    the order of ``labels`` (best first), since trials differ in hyperparameters and a mean over
    them describes nothing.
    """
    name = "trial" if per_run else "group"
    data = histories.merge(labels.rename(name), left_on="run_id", right_index=True)
    data.loc[data["key"] == "val_accuracy", "value"] *= 100
    drawn = list(dict.fromkeys(labels[labels.index.isin(data["run_id"])]))  # labels' order
    fig, axes = new_figure(2)
    for ax, key, label in zip(
        axes, ("val_accuracy", "val_loss"), ("val accuracy %", "val loss"), strict=True
    ):
        part = data[data["key"] == key]
        if not part.empty:
            style = (
                {"units": "run_id", "estimator": None, "hue_order": drawn}
                if per_run
                else {"palette": colours, "hue_order": sorted(colours or {}), "errorbar": "sd"}
            )
            sns.lineplot(data=part, x="step", y="value", hue=name, ax=ax, **style)
        ax.set(xlabel="epoch", ylabel=label, title=label)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    n_runs = data["run_id"].nunique()
    caption = (
        f"One line per trial, best trials first ({n_runs} runs drawn)."
        if per_run
        else f"Mean over seeds per epoch; shaded band = ±1 std across runs ({n_runs} runs drawn)."
    )
    return Figure("learning_curves", "Learning curves", caption, to_png(fig))


def scatter_vs(
    finished: pd.DataFrame,
    x: str,
    xlabel: str,
    key: str,
    colours: dict,
    log_x: bool = False,
    group_means: bool = True,
) -> Figure:
    """Test top-1 (%) of every finished run against a cost; group means drawn hollow on top."""
    fig, axes = new_figure(1)
    ax = axes[0]
    data = finished.dropna(subset=[x, "test_accuracy"]).assign(
        top1=lambda d: 100 * d["test_accuracy"]
    )
    sns.scatterplot(
        data=data, x=x, y="top1", hue="group", palette=colours, hue_order=sorted(colours),
        s=30, alpha=0.7, linewidth=0, ax=ax, zorder=2,
    )  # fmt: skip
    caption = f"One point per run. x = {xlabel}."
    if group_means:
        means = data.groupby("group")[[x, "top1"]].mean()
        ax.scatter(
            means[x], means["top1"], marker="D", s=150, facecolors="none", linewidths=1.8,
            edgecolors=[colours[g] for g in means.index], zorder=3, label="group mean",
        )  # fmt: skip
        ax.legend(fontsize="small")
        caption = (
            f"One point per run; hollow diamond = group mean (points stay visible). x = {xlabel}."
        )
    if log_x and (data[x] > 0).all():
        ax.set_xscale("log")
    ax.set(xlabel=xlabel, ylabel="test top-1 accuracy %", title=f"Accuracy vs {xlabel}")
    return Figure(key, f"Accuracy vs {xlabel}", caption, to_png(fig))


def cd_diagram(mean_ranks: pd.Series, nemenyi: pd.DataFrame, cd: float, n_blocks: int) -> Figure:
    """Critical-difference diagram (scikit-posthocs): models joined by a bar do not differ."""
    import scikit_posthocs as sp  # deferred: slow import, only for several datasets/presets

    fig = MplFigure(figsize=(7.0, 2.6), layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    sp.critical_difference_diagram(mean_ranks, nemenyi, cd=cd, ax=ax)
    caption = (
        f"Mean rank over {n_blocks} preset/dataset blocks (1 = best). A bar joins models whose "
        f"Nemenyi p >= 0.05; CD = {cd:.2f} is the critical difference of mean ranks."
    )
    return Figure("critical_difference", "Critical-difference diagram", caption, to_png(fig))
