"""Figures as PNG bytes, drawn on ``matplotlib.figure.Figure`` objects (Agg canvas, no pyplot).

Avoiding pyplot keeps figures free of global state: nothing to close, no GUI backend picked,
safe to call from tests and threads.
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

from reports.study import as_number, pareto_mask

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


def _new(ncols: int = 1, width: float = 6.0) -> tuple[MplFigure, np.ndarray]:
    fig = MplFigure(figsize=(width * ncols, 4.0), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, ncols, squeeze=False)[0]
    return fig, axes


def _png(fig: MplFigure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI)
    return buf.getvalue()


def learning_curves(histories: pd.DataFrame, groups: pd.Series, colours: dict) -> Figure:
    """Validation accuracy and loss per epoch: mean over seeds, band = ±1 std."""
    data = histories.merge(groups.rename("group"), left_on="run_id", right_index=True)
    fig, axes = _new(2)
    for ax, key, label in zip(
        axes, ("val_accuracy", "val_loss"), ("val accuracy", "val loss"), strict=True
    ):
        part = data[data["key"] == key]
        if not part.empty:
            sns.lineplot(
                data=part, x="step", y="value", hue="group", palette=colours,
                hue_order=sorted(colours), estimator="mean", errorbar="sd", ax=ax,
            )  # fmt: skip
        ax.set(xlabel="epoch", ylabel=label, title=label)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    n_runs = data["run_id"].nunique()
    caption = f"Mean over seeds per epoch; shaded band = ±1 std across runs ({n_runs} runs drawn)."
    return Figure("learning_curves", "Learning curves", caption, _png(fig))


def scatter_vs(
    finished: pd.DataFrame, x: str, xlabel: str, key: str, colours: dict, log_x: bool = False
) -> Figure:
    """Test top-1 of every finished run against a cost (parameters, throughput)."""
    fig, axes = _new(1)
    ax = axes[0]
    data = finished.dropna(subset=[x, "test_accuracy"])
    sns.scatterplot(
        data=data,
        x=x,
        y="test_accuracy",
        hue="group",
        palette=colours,
        hue_order=sorted(colours),
        s=60,
        ax=ax,
    )
    means = data.groupby("group")[[x, "test_accuracy"]].mean()
    ax.scatter(means[x], means["test_accuracy"], marker="X", s=140, c="black", label="group mean")
    if log_x and (data[x] > 0).all():
        ax.set_xscale("log")
    ax.set(xlabel=xlabel, ylabel="test top-1 accuracy", title=f"Accuracy vs {xlabel}")
    caption = f"One point per run; black X = group mean. x = {xlabel}."
    return Figure(key, f"Accuracy vs {xlabel}", caption, _png(fig))


def optimisation_history(trials: pd.DataFrame, maximize: bool) -> Figure:
    """Objective per complete trial and the best value so far."""
    data = trials.sort_values("trial_number")
    fig, axes = _new(1)
    ax = axes[0]
    ax.scatter(data["trial_number"], data["objective"], label="trial", alpha=0.7)
    best = data["objective"].cummax() if maximize else data["objective"].cummin()
    ax.step(data["trial_number"], best, where="post", color="crimson", label="best so far")
    ax.set(xlabel="trial number", ylabel="objective", title="Optimisation history")
    ax.legend()
    caption = f"{len(data)} complete trials; objective {'maximised' if maximize else 'minimised'}."
    return Figure("optimisation_history", "Optimisation history", caption, _png(fig))


def importance_bars(imp: pd.DataFrame) -> Figure:
    """Eta squared per tuned parameter (see the importance table for the method)."""
    fig, axes = _new(1)
    sns.barplot(data=imp.fillna(0.0), x="eta_squared", y="param", ax=axes[0], color="steelblue")
    axes[0].set(xlabel="eta squared (variance of objective explained)", ylabel="", xlim=(0, 1))
    caption = "One-way ANOVA eta squared per parameter; ignores interactions."
    return Figure("param_importances", "Parameter importances", caption, _png(fig))


def pareto_front(trials: pd.DataFrame, dirs: tuple[str, ...]) -> Figure:
    """objective vs objective_1; the non-dominated trials are joined by a line."""
    data = trials.dropna(subset=["objective", "objective_1"])
    mask = pareto_mask(data[["objective", "objective_1"]].to_numpy(float), dirs)
    fig, axes = _new(1)
    ax = axes[0]
    ax.scatter(data["objective_1"], data["objective"], alpha=0.5, label="trial")
    front = data[mask].sort_values("objective_1")
    ax.plot(front["objective_1"], front["objective"], "o-", color="crimson", label="Pareto front")
    ax.set(xlabel=f"objective_1 ({dirs[1]})", ylabel=f"objective ({dirs[0]})", title="Pareto front")
    ax.legend()
    caption = f"{int(mask.sum())} of {len(data)} complete trials are non-dominated."
    return Figure("pareto_front", "Pareto front", caption, _png(fig))


def accuracy_vs_param(trials: pd.DataFrame, param_col: str, y: str) -> Figure:
    """The objective or accuracy against one tuned parameter (scatter, or strip for categories)."""
    name = param_col[len("param.") :]
    data = pd.DataFrame({name: as_number(trials[param_col]), y: trials[y]}).dropna()
    fig, axes = _new(1)
    if pd.api.types.is_numeric_dtype(data[name]):
        sns.scatterplot(data=data, x=name, y=y, ax=axes[0])
    else:
        sns.stripplot(data=data, x=name, y=y, ax=axes[0])
    axes[0].set(title=f"{y} vs {name}")
    safe = "".join(ch if ch.isalnum() else "_" for ch in name)
    caption = f"One point per complete trial ({len(data)})."
    return Figure(f"vs_param_{safe}", f"{y} vs {name}", caption, _png(fig))
