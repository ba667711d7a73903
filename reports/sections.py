"""The sections of a report: what a seeds matrix shows, and what a study shows instead.

A matrix repeats configurations over seeds, so it gets seed statistics, paired tests and ranks.
A study's trials differ in hyperparameters: a mean or interval over them describes the search,
not seed noise, so it gets best trials, history, Pareto front and importances, and seed
statistics only for configurations it repeated over seeds.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from reports import figures as figs
from reports import importance as imp
from reports import ranks as rk
from reports import study as st
from reports import study_figures as sf
from reports.collect import Source
from reports.fidelity import fidelity_frame, fidelity_items
from reports.paired import PairedResult, paired_results
from reports.render import Section
from reports.tables import main_stats, main_table, paired_table

MATRIX_HONESTY = [
    "n is the number of finished runs (seeds) behind each number; with n < 5 intervals are wide "
    "and a difference that looks large can be seed noise.",
    "Overlapping per-model intervals do not prove equality, and non-overlapping ones are not a "
    "test: use the paired comparison, which removes the shared seed effect.",
    "Throughput and latency were measured on the hardware named in each run's `hardware` tag; "
    "compare them only between runs on the same machine.",
]
STUDY_HONESTY = [
    "Trials differ in hyperparameters, so no mean, interval or test is taken over them: each "
    "number belongs to one trial, one configuration, one seed.",
    "The best trial was picked on validation accuracy: its numbers are optimistic. Re-run its "
    "configuration over several seeds (a matrix) before comparing it with anything.",
    "Throughput and latency were measured on the hardware named in each run's `hardware` tag; "
    "compare them only between runs on the same machine.",
]


@dataclass
class Computed:
    """Numbers the sections were built from (ReportResult exposes them)."""

    stats: pd.DataFrame = field(default_factory=pd.DataFrame)
    paired: list[PairedResult] = field(default_factory=list)
    fidelity: pd.DataFrame = field(default_factory=pd.DataFrame)
    ranks: rk.RankResult | None = None
    importances: pd.DataFrame | None = None


def _rank_section(finished: pd.DataFrame, out: Computed) -> Section:
    out.ranks = rk.rank_models(rk.block_scores(finished))
    items = rk.rank_items(out.ranks)
    if out.ranks.nemenyi is not None:
        r = out.ranks
        items.append(figs.cd_diagram(r.mean_ranks, r.nemenyi, r.critical_difference, len(r.ranks)))
    return Section("Ranks across datasets and presets", items)


def matrix_sections(
    finished: pd.DataFrame, histories: pd.DataFrame, colours: dict
) -> tuple[list[Section], Computed]:
    """Results, paired comparisons, ranks (several datasets/presets), fidelity, figures."""
    out = Computed(stats=main_stats(finished))
    out.paired = paired_results(finished)
    out.fidelity = fidelity_frame(finished)
    pairs = [paired_table(out.paired)] if out.paired else ["One model per preset and dataset."]
    sections = [
        Section("Results per model", [main_table(out.stats)]),
        Section("Paired comparisons (same seeds)", pairs),
    ]
    if rk.has_several_blocks(finished):
        sections.append(_rank_section(finished, out))
    sections.append(Section("Fidelity to published results", fidelity_items(out.fidelity)))
    groups = finished.set_index("run_id")["group"]
    per_run = [
        figs.scatter_vs(finished, "params_total", "parameters", "acc_vs_params", colours, True),
        figs.scatter_vs(
            finished, "train_images_per_s", "training images/s", "acc_vs_throughput", colours
        ),
    ]
    curves = figs.learning_curves(histories, groups, colours)
    sections.append(Section("Figures", [curves, *per_run]))
    return sections, out


def _trial_counts(runs: pd.DataFrame) -> str:
    state = runs["optuna_state"].fillna(runs["status"])
    counts = state.value_counts()
    return ", ".join(f"{k} {v}" for k, v in counts.sort_index().items())


def _seed_repeat_section(finished: pd.DataFrame, tuned: list[str]) -> Section | None:
    repeats = st.seed_repeats(finished, tuned)
    if repeats.empty:
        return None
    grouped = repeats.assign(model=repeats["configuration"], preset="-", dataset="-")
    table = main_table(main_stats(grouped))
    table.title = "Configurations repeated over seeds"
    table.notes.insert(0, "Only configurations the study ran with several seeds; one row each.")
    return Section("Configurations repeated over seeds", [table])


def study_sections(
    finished: pd.DataFrame, runs: pd.DataFrame, source: Source, histories: pd.DataFrame
) -> tuple[list[Section], Computed]:
    """Study summary, best trials, importances, seed repeats (if any), study figures."""
    dirs, assumed = st.directions(source.parent_tags)
    maximize = dirs[0].startswith("max")
    tuned = st.tuned_params(finished)
    out = Computed(importances=imp.importances(finished, tuned, maximize))
    summary = [
        f"Trials: {_trial_counts(runs)}; {len(finished)} complete trials are used below. "
        f"Tuned parameters: {', '.join(st.param_name(c) for c in tuned) or 'none found'}."
    ]
    if assumed:
        summary.append(
            "Objective directions were not tagged on the study parent; assumed "
            f"{', '.join(dirs[: len(st.objective_columns(finished))])}."
        )
    importance_items = imp.importance_items(out.importances, len(finished))
    if out.importances is not None:
        importance_items.append(sf.importance_bars(out.importances))
    sections = [
        Section("Study", summary),
        Section("Best trials", [st.best_trials_table(finished, tuned, dirs)]),
        Section("Parameter importances", importance_items),
    ]
    repeated = _seed_repeat_section(finished, tuned)
    sections += [repeated] if repeated else []
    figures = [sf.optimisation_history(finished, maximize)]
    if "objective_1" in st.objective_columns(finished):
        figures.append(sf.pareto_front(finished, dirs))
    y = "test_accuracy" if finished["test_accuracy"].notna().any() else "objective"
    figures += [sf.accuracy_vs_param(finished, col, y) for col in st.varying(finished, tuned)]
    ranked = finished.sort_values("objective", ascending=not maximize).set_index("run_id")
    labels = "trial " + ranked["trial_number"].astype(str)
    figures.append(figs.learning_curves(histories, labels, None, per_run=True))
    colours = figs.palette(finished["group"].unique().tolist())
    figures.append(
        figs.scatter_vs(
            finished, "params_total", "parameters", "acc_vs_params", colours, True, False
        )
    )
    sections.append(Section("Study figures", figures))
    return sections, out
