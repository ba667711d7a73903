"""The report header's data lines: which data each run trained on, from the runs' tags.

One line per distinct dataset (name, source, content digest, split digest, classes and split
sizes), so a reader can tell two folders at the same path apart and find the data again.
"""

from __future__ import annotations

import pandas as pd

COLUMNS = (
    "dataset",
    "data_source",
    "data_source_digest",
    "dataset_digest",
    "class_names",
    "num_classes",
    "train_examples",
    "val_examples",
    "test_examples",
)
MAX_LINES = 6
MAX_CLASS_NAMES = 12


def _known(value: object) -> bool:
    return value is not None and not (isinstance(value, float) and pd.isna(value)) and value != ""


def _line(row: pd.Series) -> str:
    parts = [f"Data: {row['dataset']}"]
    if _known(row.get("data_source")):
        parts[0] += f" from {row['data_source']} (content digest {row.get('data_source_digest')})"
    details = []
    if _known(row.get("dataset_digest")):
        details.append(f"split digest {row['dataset_digest']}")
    if _known(row.get("class_names")):
        names = str(row["class_names"]).split(",")
        shown = ", ".join(names[:MAX_CLASS_NAMES]) + (
            ", ..." if len(names) > MAX_CLASS_NAMES else ""
        )
        details.append(f"{len(names)} classes: {shown}")
    elif _known(row.get("num_classes")):
        details.append(f"{row['num_classes']} classes")
    counts = [row.get(c) for c in ("train_examples", "val_examples", "test_examples")]
    if all(_known(c) for c in counts):
        details.append(f"train/val/test {'/'.join(str(c) for c in counts)} images")
    return parts[0] + (f"; {'; '.join(details)}." if details else ".")


def data_lines(finished: pd.DataFrame) -> list[str]:
    """Header lines, one per distinct dataset among the finished runs (at most MAX_LINES)."""
    present = [c for c in COLUMNS if c in finished]
    if "dataset" not in present:
        return []
    distinct = finished[present].astype(object).drop_duplicates()
    lines = [_line(row) for _, row in distinct.head(MAX_LINES).iterrows()]
    if len(distinct) > MAX_LINES:
        lines.append(f"... and {len(distinct) - MAX_LINES} more dataset variants (see the runs).")
    return lines
