"""Our numbers beside the published keras-io numbers, only where the recipe is the same.

The published figures are CIFAR-100, 50 epochs. A digits or synthetic run is not a CIFAR-100
result: a row is shown only when model, dataset, epochs and image size (read from our runs'
params) equal the published recipe; otherwise the report says so in one line and names the
nearest published result.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from reports.tables import Table, fmt_pct, group_columns, with_group


@dataclass(frozen=True)
class Reference:
    """One published result of a keras-io example (accuracies as fractions)."""

    label: str
    model: str
    top1: float
    top5: float | None
    dataset: str = "cifar100"
    epochs: int = 50
    image_size: int = 32


EANET_PRINTED = Reference(
    "keras-io EANet, as printed (Keras 3 example output)", "eanet", 0.1726, 0.3894
)
EANET_CLAIMED = Reference("keras-io EANet, claimed in its text (~)", "eanet", 0.43, 0.73)
VIT_SELFATTN = Reference("keras-io EANet example's self-attention ViT, text (~)", "vit", 0.41, 0.73)
VIT_SMALL_DS = Reference("keras-io small-dataset ViT", "vit", 0.5310, 0.8053, image_size=72)
VIT_SL_SMALL_DS = Reference(
    "keras-io small-dataset ViT-SL (SPT + LSA)", "vit_sl", 0.5611, 0.8227, image_size=72
)

BY_PRESET: dict[str, list[Reference]] = {
    "keras-io-eanet": [EANET_PRINTED, EANET_CLAIMED],
    "keras-io-vit-selfattn": [VIT_SELFATTN],
    "keras-io-vit-small-ds": [VIT_SMALL_DS],
    "keras-io-vit-sl-small-ds": [VIT_SL_SMALL_DS],
}
BY_MODEL: dict[str, list[Reference]] = {
    "eanet": [EANET_PRINTED, EANET_CLAIMED],
    "vit": [VIT_SMALL_DS],
    "vit_sl": [VIT_SL_SMALL_DS],
}


def references_for(preset: str, model: str) -> tuple[list[Reference], str]:
    """References and how they were matched: the preset when it is a keras-io recipe, else model."""
    if preset in BY_PRESET:
        return BY_PRESET[preset], f"preset {preset} reproduces this recipe"
    refs = BY_MODEL.get(model, [])
    how = f"matched on model {model!r} only (preset {preset!r} is not a keras-io recipe)"
    return refs, how if refs else f"no published number for model {model!r}"


def _values(runs: pd.DataFrame, param: str) -> str:
    col = f"param.{param}"
    if col not in runs:
        return "?"
    return ",".join(sorted({str(v) for v in runs[col].dropna()})) or "?"


def _differences(runs: pd.DataFrame, ref: Reference) -> list[str]:
    ours = {
        "model": str(runs["model"].iloc[0]),
        "dataset": _values(runs, "data.dataset"),
        "epochs": _values(runs, "train.epochs"),
        # input_size is the side the model saw (data.image_size is None for a native size)
        "image size": _values(
            runs, "input_size" if "param.input_size" in runs else "data.image_size"
        ),
    }
    theirs = {"model": ref.model, "dataset": ref.dataset, "epochs": str(ref.epochs)}
    theirs["image size"] = str(ref.image_size)
    return [
        f"{k}: ours {ours[k]} vs {theirs[k]}"
        for k in ours
        if ours[k].replace("-", "").lower() != theirs[k].replace("-", "").lower()
    ]


def fidelity_frame(finished: pd.DataFrame) -> pd.DataFrame:
    """One row per (group, candidate reference); ``matches`` marks an identical recipe."""
    frame = with_group(finished)
    rows = []
    keys = sorted(set(group_columns(finished)) | {"model", "preset"})
    for _, runs in frame.groupby(keys, sort=True):
        model, preset = runs["model"].iloc[0], runs["preset"].iloc[0]
        refs, how = references_for(preset, model)
        for ref in refs:
            diffs = _differences(runs, ref)
            rows.append(
                {
                    "group": runs["group"].iloc[0],
                    "n": len(runs),
                    "ours_top1": runs["test_accuracy"].mean(),
                    "ours_top5": runs["test_top5_accuracy"].mean(),
                    "reference": ref.label,
                    "ref_top1": ref.top1,
                    "ref_top5": ref.top5 if ref.top5 is not None else float("nan"),
                    "match": how,
                    "matches": not diffs,
                    "n_differences": len(diffs),
                    "differences": "; ".join(diffs) or "same model, dataset, epochs, image size",
                    "recipe": f"{ref.dataset}, {ref.epochs} epochs, {ref.image_size} px",
                }
            )
    return pd.DataFrame(rows, columns=FRAME_COLUMNS)


FRAME_COLUMNS = ["group", "n", "ours_top1", "ours_top5", "reference", "ref_top1", "ref_top5"]
FRAME_COLUMNS += ["match", "matches", "n_differences", "differences", "recipe"]


def no_match_line(fid: pd.DataFrame, some_matched: bool) -> str:
    """The one line that replaces non-matching rows, naming the nearest published recipe."""
    rest = fid[~fid["matches"]] if not fid.empty else fid
    who = "the other groups" if some_matched else "this recipe"
    if rest.empty:
        return f"No published result for {who}."
    near = rest.sort_values("n_differences", kind="stable").iloc[0]
    return (
        f"No published result for {who} (nearest: {near.reference}, {near.recipe}; "
        f"{near.group} differs in {near.differences})."
    )


def fidelity_items(fid: pd.DataFrame) -> list:
    """A table of the matching rows (if any) and one line for everything else."""
    matched = fid[fid["matches"]] if not fid.empty else fid
    items: list = [fidelity_table(matched)] if not matched.empty else []
    if len(matched) < len(fid) or fid.empty:
        items.append(no_match_line(fid, not matched.empty))
    return items


def fidelity_table(fid: pd.DataFrame) -> Table:
    """Render matching rows; the note says what the published numbers are."""
    columns = ["Ours", "n", "Our top-1 %", "Our top-5 %", "Published", "Pub. top-1 %"]
    columns += ["Pub. top-5 %", "Recipe"]
    rows = [
        [r.group, str(r.n), fmt_pct(r.ours_top1), fmt_pct(r.ours_top5), r.reference]
        + [fmt_pct(r.ref_top1), fmt_pct(r.ref_top5), r.recipe]
        for r in fid.itertuples()
    ]
    notes = [
        "Only groups whose model, dataset, epochs and image size equal the published recipe. "
        "Published numbers are single runs (the EANet example prints 17.26% top-1 while its text "
        "claims ~43%); ours are means over n seeds.",
    ]
    return Table("Fidelity to the published keras-io results", columns, rows, set(), notes)
