"""Every `VITBENCH_*` variable is declared once, documented, and read only through its
declaration."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from benchmark import environment
from benchmark.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]
READ = re.compile(r"""os\.(?:environ(?:\.get)?|getenv)\s*[\[(]\s*["'](VITBENCH_\w+)""")


def test_docs_name_every_variable():
    docs = "\n".join(p.read_text() for p in (ROOT / "docs").glob("*.md"))
    missing = [v.name for v in environment.ALL if v.name not in docs]
    assert missing == []


def test_no_variable_is_read_outside_its_declaration():
    reads = []
    for package in ("benchmark", "studies", "reports", "tests"):
        for path in (ROOT / package).rglob("*.py"):
            reads += [f"{path.relative_to(ROOT)}: {m}" for m in READ.findall(path.read_text())]
    assert reads == []


def test_every_read_variable_is_declared():
    declared = {v.name for v in environment.ALL}
    used = set()
    for package in ("benchmark", "studies"):
        for path in (ROOT / package).rglob("*.py"):
            used |= set(re.findall(r"\bVITBENCH_[A-Z_]+[A-Z]\b", path.read_text()))
    protocol = {"VITBENCH_OUTCOME", "VITBENCH_EPOCH"}  # child-process line prefixes, not variables
    assert used - protocol <= declared


def test_parsing(monkeypatch):
    monkeypatch.setenv("VITBENCH_HEARTBEAT_S", "7")
    assert environment.HEARTBEAT_S.get() == 7
    monkeypatch.setenv("VITBENCH_DEBUG", "0")
    assert environment.DEBUG.get() is False
    monkeypatch.setenv("VITBENCH_DEBUG", "yes")
    assert environment.DEBUG.get() is True
    monkeypatch.delenv("VITBENCH_SERVER_WAIT_S", raising=False)
    assert environment.SERVER_WAIT_S.get() == 600.0
    monkeypatch.setenv("VITBENCH_SERVER_WAIT_S", "soon")
    with pytest.raises(ConfigError, match="VITBENCH_SERVER_WAIT_S.*float.*'soon'"):
        environment.SERVER_WAIT_S.get()
