"""`make mutants`: plant each catalogued bug alone in a scratch copy and expect a red test.

A test suite proves a promise only if breaking the promise turns a test red. Each mutant of
`catalogue.yaml` is one search/replace (a snippet survives code moves that a diff's line numbers
would not) applied to a copy of the working tree; its named tests run there with the same
interpreter. A mutant the named tests miss is run against the whole fast tier before it is called
a survivor. The unmutated tree must pass every named selection first (a baseline), so a broken
environment is never counted as a catch.

    python tests/mutants/run.py [--only ID,ID] [--package P] [--list] [--jobs N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = Path(__file__).with_name("catalogue.yaml")
PACKAGES = ("config", "data", "layers", "models", "training", "tracking", "matrix", "studies",
            "reports")  # fmt: skip
FIELDS = ("id", "package", "promise", "file", "find", "replace", "tests")
PYTEST = ["-x", "-q", "-p", "no:cacheprovider", "-m", "not slow"]
NOT_CAUGHT = {0, 4, 5}  # passed, usage error (e.g. a vanished node id), nothing collected


@dataclass
class Mutant:
    id: str
    package: str
    promise: str
    file: str
    find: str
    replace: str
    tests: list[str]
    problem: str = ""  # why the runner refuses it
    caught_by: str = ""  # "tests", "fast tier" or "" (survivor)
    seconds: float = 0.0
    log: list[str] = field(default_factory=list)


def load(path: Path = CATALOGUE) -> list[Mutant]:
    """Read the catalogue and check each entry against the current tree (refusals kept)."""
    entries = yaml.safe_load(path.read_text()) or []
    mutants, seen = [], set()
    for i, entry in enumerate(entries):
        missing = [f for f in FIELDS if f not in entry]
        if missing:
            raise SystemExit(f"{path.name} entry {i}: missing fields {missing}")
        tests = entry["tests"] if isinstance(entry["tests"], list) else [entry["tests"]]
        m = Mutant(**{**{f: entry[f] for f in FIELDS}, "tests": [str(t) for t in tests]})
        m.problem = _problem(m, seen)
        seen.add(m.id)
        mutants.append(m)
    return mutants


def _problem(m: Mutant, seen: set[str]) -> str:
    if m.id in seen:
        return "duplicate id"
    if m.package not in PACKAGES:
        return f"package {m.package!r} is not one of {', '.join(PACKAGES)}"
    if m.find == m.replace:
        return "replace equals find (no change)"
    target = ROOT / m.file
    if not target.is_file():
        return f"{m.file}: no such file (moved? update `file`)"
    count = target.read_text().count(m.find)
    if count != 1:
        return f"{m.file}: `find` occurs {count} times, must occur exactly once (update `find`)"
    if m.file.endswith(".py"):
        try:  # a mutant is a semantic bug, never a syntax error
            compile(target.read_text().replace(m.find, m.replace, 1), m.file, "exec")
        except SyntaxError as exc:
            return f"the mutated {m.file} does not compile: {exc}"
    return ""


def tracked_files() -> list[str]:
    """Tracked and untracked-but-not-ignored files, as they are in the working tree now."""
    out = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT, check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    return [p for p in out.split("\0") if p and (ROOT / p).is_file()]


def copy_tree(dest: Path, files: list[str]) -> None:
    for rel in files:
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, target)


def pytest(tree: Path, selection: list[str], timeout: float | None = None) -> tuple[int, str]:
    """Run pytest on `selection` in `tree` with the same interpreter; (exit code, output tail)."""
    env = {**os.environ, "PYTHONPATH": str(tree), "PYTHONDONTWRITEBYTECODE": "1"}
    cmd = [sys.executable, "-m", "pytest", *PYTEST, *selection]
    try:
        proc = subprocess.run(
            cmd, cwd=tree, env=env, capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        return 124, "timed out"
    return proc.returncode, (proc.stdout + proc.stderr)[-3000:]


def baseline(mutants: list[Mutant], files: list[str], scratch: Path) -> None:
    """Every distinct selection, once, on the unmutated tree: all must pass (exit 0)."""
    tree = scratch / "baseline"
    copy_tree(tree, files)
    selections = sorted({tuple(m.tests) for m in mutants})
    start = time.perf_counter()
    union = sorted({t for s in selections for t in s})
    code, out = pytest(tree, [*union])
    if code != 0:
        print(out)
        red = [" ".join(s) for s in selections if pytest(tree, list(s))[0] != 0]
        raise SystemExit(
            f"baseline: the UNMUTATED tree fails (exit {code}) on:\n  "
            + "\n  ".join(red)
            + "\nfix the environment or the test selection before counting catches"
        )
    print(f"baseline: {len(union)} selections pass unmutated ({time.perf_counter() - start:.0f} s)")
    shutil.rmtree(tree, ignore_errors=True)


def run_one(m: Mutant, files: list[str], scratch: Path, fast_tier: bool) -> Mutant:
    """Plant `m` in its own copy, run its tests, then (survivor) the whole fast tier."""
    start = time.perf_counter()
    tree = Path(tempfile.mkdtemp(prefix=f"{m.id}-", dir=scratch))
    try:
        copy_tree(tree, files)
        target = tree / m.file
        target.write_text(target.read_text().replace(m.find, m.replace, 1))
        code, out = pytest(tree, m.tests)
        m.log.append(out)
        if code not in NOT_CAUGHT:
            m.caught_by = "tests"
        elif fast_tier:
            code, out = pytest(tree, ["tests"])
            m.log.append(out)
            m.caught_by = "fast tier" if code not in NOT_CAUGHT else ""
    finally:
        shutil.rmtree(tree, ignore_errors=True)
    m.seconds = time.perf_counter() - start
    return m


def table(mutants: list[Mutant]) -> str:
    rows = [("id", "package", "caught-by", "seconds")]
    for m in mutants:
        caught = m.caught_by or ("REFUSED" if m.problem else "SURVIVED")
        rows.append((m.id, m.package, caught, f"{m.seconds:.0f}"))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    return "\n".join(" | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="comma-separated mutant ids")
    parser.add_argument("--package", choices=PACKAGES)
    parser.add_argument("--list", action="store_true", help="list the mutants and exit")
    parser.add_argument("--jobs", type=int, default=1, help="mutants run at once (default 1)")
    parser.add_argument("--no-fast-tier", action="store_true",
                        help="declare a mutant surviving its named tests a survivor at once "
                             "(skips the ~13 min fast tier per survivor)")  # fmt: skip
    parser.add_argument("--no-baseline", action="store_true", help="skip the unmutated run")
    args = parser.parse_args(argv)

    mutants = load()
    if args.only:
        wanted = set(args.only.split(","))
        unknown = wanted - {m.id for m in mutants}
        if unknown:
            raise SystemExit(f"--only: unknown mutant ids {sorted(unknown)}")
        mutants = [m for m in mutants if m.id in wanted]
    if args.package:
        mutants = [m for m in mutants if m.package == args.package]
    if args.list:
        for m in mutants:
            note = f"  [REFUSED: {m.problem}]" if m.problem else ""
            print(f"{m.id:32} {m.package:9} {m.file}{note}\n    {m.promise}")
        return 1 if any(m.problem for m in mutants) else 0

    refused = [m for m in mutants if m.problem]
    for m in refused:
        print(f"refused {m.id}: {m.problem}")
    runnable = [m for m in mutants if not m.problem]
    start = time.perf_counter()
    files = tracked_files()
    with tempfile.TemporaryDirectory(prefix="vitbench-mutants-") as tmp:
        scratch = Path(tmp)
        if runnable and not args.no_baseline:
            baseline(runnable, files, scratch)
        with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            done = pool.map(lambda m: run_one(m, files, scratch, not args.no_fast_tier), runnable)
            for m in done:
                print(f"{m.id}: {m.caught_by or 'SURVIVED'} ({m.seconds:.0f} s)", flush=True)
    total = time.perf_counter() - start

    print("\n" + table(mutants))
    caught = [m for m in runnable if m.caught_by]
    survivors = [m for m in runnable if not m.caught_by]
    print(f"\ncaught/planted: {len(caught)}/{len(runnable)}   total: {total / 60:.1f} min")
    for m in survivors:
        print(f"SURVIVOR {m.id} ({m.package}): {m.promise}\n    tests: {' '.join(m.tests)}")
    for m in refused:
        print(f"REFUSED {m.id}: {m.problem}")
    return 1 if survivors or refused else 0


if __name__ == "__main__":
    sys.exit(main())
