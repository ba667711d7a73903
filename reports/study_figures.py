"""Figures of an Optuna study: optimisation history, importances, Pareto front, per parameter.

``objective`` is the best validation accuracy and is drawn in %, like every accuracy.
"""

from __future__ import annotations

import pandas as pd
import seaborn as sns

from reports.figures import Figure, new_figure, to_png
from reports.study import OBJECTIVE_LABEL, as_number, param_name, pareto_mask


def optimisation_history(trials: pd.DataFrame, maximize: bool) -> Figure:
    """Objective per complete trial and the best value so far."""
    data = trials.sort_values("trial_number")
    objective = 100 * data["objective"].astype(float)
    fig, axes = new_figure(1)
    ax = axes[0]
    ax.scatter(data["trial_number"], objective, label="trial", alpha=0.7)
    best = objective.cummax() if maximize else objective.cummin()
    ax.step(data["trial_number"], best, where="post", color="crimson", label="best so far")
    ax.set(xlabel="trial number", ylabel=OBJECTIVE_LABEL, title="Optimisation history")
    ax.legend()
    caption = f"{len(data)} complete trials; objective {'maximised' if maximize else 'minimised'}."
    return Figure("optimisation_history", "Optimisation history", caption, to_png(fig))


def importance_bars(imp: pd.DataFrame) -> Figure:
    """Optuna fANOVA importance per tuned parameter (the importance table has the numbers)."""
    fig, axes = new_figure(1)
    sns.barplot(data=imp.fillna(0.0), x="importance", y="param", ax=axes[0], color="steelblue")
    axes[0].set(xlabel="fANOVA importance (sums to 1)", ylabel="", xlim=(0, 1))
    caption = "Optuna's fANOVA evaluator over the complete trials; a screening aid."
    return Figure("param_importances", "Parameter importances", caption, to_png(fig))


def pareto_front(trials: pd.DataFrame, dirs: tuple[str, ...]) -> Figure:
    """objective vs objective_1; the non-dominated trials are joined by a line."""
    data = trials.dropna(subset=["objective", "objective_1"])
    mask = pareto_mask(data[["objective", "objective_1"]].to_numpy(float), dirs)
    fig, axes = new_figure(1)
    ax = axes[0]
    ax.scatter(data["objective_1"], 100 * data["objective"], alpha=0.5, label="trial")
    front = data[mask].sort_values("objective_1")
    ax.plot(front["objective_1"], 100 * front["objective"], "o-", color="crimson", label="front")
    ax.set(
        xlabel=f"objective_1 ({dirs[1]})",
        ylabel=f"{OBJECTIVE_LABEL} ({dirs[0]})",
        title="Pareto front",
    )
    ax.legend()
    caption = f"{int(mask.sum())} of {len(data)} complete trials are non-dominated."
    return Figure("pareto_front", "Pareto front", caption, to_png(fig))


def accuracy_vs_param(trials: pd.DataFrame, param_col: str, y: str) -> Figure:
    """Accuracy (%) against one tuned parameter (scatter, or strip for categories)."""
    name = param_name(param_col)
    label = OBJECTIVE_LABEL if y == "objective" else "test top-1 accuracy %"
    data = pd.DataFrame({name: as_number(trials[param_col]), label: 100 * trials[y]}).dropna()
    fig, axes = new_figure(1)
    if pd.api.types.is_numeric_dtype(data[name]):
        sns.scatterplot(data=data, x=name, y=label, ax=axes[0])
    else:
        sns.stripplot(data=data, x=name, y=label, ax=axes[0])
    axes[0].set(title=f"{label} vs {name}")
    safe = "".join(ch if ch.isalnum() else "_" for ch in name)
    caption = f"One point per complete trial ({len(data)})."
    return Figure(f"vs_param_{safe}", f"Accuracy vs {name}", caption, to_png(fig))
