"""Every MLflow tag key, run kind and run status is spelled once, in `reports/names.py`.

The scan reads the source of `benchmark/`, `studies/` and `reports/` (not `names.py` itself) and
counts the literals that spell a tag key, a kind or a status instead of naming it; the message
lists the counts per file. It is a text scan, so a pattern is only as wide as a tag use is
recognisable: dotted keys (``"vitbench.kind"``), the bare keys that are not also config or
column names (``"config_hash"``), any key inside a search filter (``tags.`model```), kinds next
to a ``kind`` and statuses.
"""

from __future__ import annotations

import ast
import re
import sys
from collections import Counter
from pathlib import Path

from reports import names
from reports.names import Kind, Status

ROOT = Path(__file__).resolve().parents[2]

# No file may spell a tag, kind or status itself (the set stays for a rewrite in progress).
OFF_LIMITS: set[str] = set()

# Where the bare keys below are DataFrame or table column names (`reports.collect.TAG_COLUMNS`
# maps each tag to its column; these columns are named like their tags), not tags.
COLUMN_FILES = {
    "benchmark/cli/dry_run.py",  # the planned-cells table's "config_hash" column
    "benchmark/training/checkpoint.py",  # the checkpoint file's own "config_hash" field
    "reports/collect.py",
    "reports/leaderboard.py",
    "reports/lineage.py",
    "reports/tables.py",
}
BARE_KEYS = (
    names.CONFIG_HASH,
    names.FAILURE_REASON,
    names.DATASET_DIGEST,
    names.RESUMED_FROM_EPOCH,
)

TAG_KEYS = sorted(
    (v for k, v in vars(names).items() if k.isupper() and isinstance(v, str)),
    key=len,
    reverse=True,
)
DOTTED = [k for k in TAG_KEYS if "." in k and not k.endswith(".")]
PREFIXES = [k for k in TAG_KEYS if k.endswith(".")]


def _alternation(values) -> str:
    return "|".join(re.escape(v) for v in values)


QUOTE = r"""(?<![\w.])(?:[rbfu]{0,2})["']"""
PATTERNS = {
    "dotted tag key": re.compile(rf"""{QUOTE}(?:{_alternation(DOTTED)})["']"""),
    "tag key prefix": re.compile(rf"""{QUOTE}(?:{_alternation(PREFIXES)})"""),
    "bare tag key": re.compile(rf"""{QUOTE}(?:{_alternation(BARE_KEYS)})["']"""),
    "search filter key": re.compile(rf"""tags\.`?(?:{_alternation(TAG_KEYS)})(?![\w.])"""),
    "run status": re.compile(rf"""["'](?:{_alternation(s.value for s in Status)})["']"""),
    "run kind": re.compile(
        rf"""(?i:kind)\W{{1,8}}["'](?:{_alternation(k.value for k in Kind)})["']"""
    ),
}


def _sources() -> list[Path]:
    files = []
    for package in ("benchmark", "studies", "reports"):
        files += sorted((ROOT / package).rglob("*.py"))
    return [f for f in files if f != ROOT / "reports" / "names.py"]


def remaining_literals() -> dict[str, Counter]:
    """file -> Counter of pattern name -> matches, for every file with at least one."""
    found: dict[str, Counter] = {}
    for path in _sources():
        rel = path.relative_to(ROOT).as_posix()
        text = path.read_text()
        counts: Counter = Counter()
        for label, pattern in PATTERNS.items():
            if label == "bare tag key" and rel in COLUMN_FILES:
                continue
            counts[label] += len(pattern.findall(text))
        counts = +counts
        if counts:
            found[rel] = counts
    return found


def _report(found: dict[str, Counter]) -> str:
    return "\n".join(
        f"  {rel}: {sum(c.values())} ({', '.join(f'{k} {n}' for k, n in sorted(c.items()))})"
        for rel, c in sorted(found.items())
    )


def test_no_tag_kind_or_status_literal_outside_names():
    found = remaining_literals()
    outside = {rel: c for rel, c in found.items() if rel not in OFF_LIMITS}
    assert not outside, (
        "spell these with reports.names (names.KIND, Kind.STUDY, Status.FINISHED, "
        "names.search_key(...)):\n"
        + _report(outside)
        + "\nstill allowed (OFF_LIMITS):\n"
        + _report({rel: c for rel, c in found.items() if rel in OFF_LIMITS})
    )


def test_off_limits_files_exist():
    """A stale allow-list entry (file moved or deleted) would hide nothing; drop it instead."""
    missing = sorted(rel for rel in OFF_LIMITS | COLUMN_FILES if not (ROOT / rel).is_file())
    assert not missing, missing


def test_the_scan_sees_what_it_should():
    """Each pattern catches the spelling it is for (else an empty result proves nothing)."""
    samples = {
        "dotted tag key": 'tags = {"vitbench.kind": kind}',
        "tag key prefix": 'key = f"version.{package}"',
        "bare tag key": 'client.set_tag(run_id, "failure_reason", reason)',
        "search filter key": "f\"tags.config_hash = '{key}' and tags.`vitbench.kind` = 'cell'\"",
        "run status": 'client.set_terminated(run_id, "FINISHED")',
        "run kind": "if kind == 'study':",
    }
    for label, sample in samples.items():
        assert PATTERNS[label].search(sample), label
    assert not PATTERNS["dotted tag key"].search('TEMPLATE = "vitbench.sbatch"')
    assert not PATTERNS["search filter key"].search("tags.`models`")


def test_names_imports_only_the_standard_library():
    """`reports.names` is imported by the core, the studies and the reports alike: it must not
    pull pandas, MLflow or any vitbench module with it (import-linter checks the same)."""
    tree = ast.parse((ROOT / "reports" / "names.py").read_text())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add("." if node.level else (node.module or "").split(".")[0])
    assert imported <= set(sys.stdlib_module_names), imported - set(sys.stdlib_module_names)


def test_status_compares_and_formats_as_mlflow_strings():
    import pandas as pd

    statuses = pd.Series(["FINISHED", "FAILED", "KILLED"])
    assert (statuses == Status.FINISHED).tolist() == [True, False, False]
    assert statuses.isin([Status.FAILED, Status.KILLED]).tolist() == [False, True, True]
    assert f"{Status.FINISHED}" == "FINISHED" and f"{Kind.STUDY}" == "study"
    assert {"matrix": 1}.get(Kind.MATRIX) == 1
    assert names.search_key(names.KIND) == "tags.`vitbench.kind`"
