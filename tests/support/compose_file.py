"""Read docker-compose files the way Compose does, without a Docker engine.

check-jsonschema validates structure but does not interpolate ``${VAR}``; the tests need the
interpolated values (ports, commands) and the raw ones (how secrets are referenced).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
AUTH_OVERRIDE = ROOT / "docker-compose.auth.yml"
COMPOSE_FILES = (COMPOSE_FILE, AUTH_OVERRIDE)
ENV_EXAMPLE = ROOT / ".env.example"

# ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?message}, ${VAR?message}, $VAR; $$ escapes.
_VARIABLE = re.compile(
    r"\$(?:(?P<escaped>\$)|\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?P<op>:?[-?])?(?P<arg>[^}]*)\}"
    r"|(?P<bare>[A-Za-z_][A-Za-z0-9_]*))"
)


def load(path: Path) -> dict[str, Any]:
    """The raw (uninterpolated) document, with YAML anchors and merge keys resolved."""
    return yaml.safe_load(path.read_text())


def variables_used(text: str) -> set[str]:
    return {
        m.group("braced") or m.group("bare")
        for m in _VARIABLE.finditer(text)
        if not m.group("escaped")
    }


def required_references(text: str) -> dict[str, list[str]]:
    """Map each variable to the operators it is referenced with ('' for plain ``${VAR}``)."""
    found: dict[str, list[str]] = {}
    for m in _VARIABLE.finditer(text):
        name = m.group("braced") or m.group("bare")
        if name:
            found.setdefault(name, []).append(m.group("op") or "")
    return found


def interpolate(value: Any, env: Mapping[str, str]) -> Any:
    """Apply Compose interpolation to every string in ``value``; a missing required var raises."""
    if isinstance(value, str):
        return _VARIABLE.sub(lambda m: _substitute(m, env), value)
    if isinstance(value, list):
        return [interpolate(item, env) for item in value]
    if isinstance(value, dict):
        return {key: interpolate(item, env) for key, item in value.items()}
    return value


def _substitute(match: re.Match[str], env: Mapping[str, str]) -> str:
    if match.group("escaped"):
        return "$"
    name = match.group("braced") or match.group("bare")
    op, arg = match.group("op") or "", match.group("arg") or ""
    current = env.get(name)
    unset_or_empty = not current if op.startswith(":") else current is None
    if op.endswith("-") and unset_or_empty:
        return arg
    if op.endswith("?") and unset_or_empty:
        raise KeyError(f"required variable {name} is missing a value: {arg}")
    return current or ""


def read_env_file(path: Path) -> dict[str, str]:
    """``KEY=value`` lines of a dotenv file; comments and blank lines skipped."""
    pairs = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            pairs[key.strip()] = value.strip()
    return pairs


def strings(value: Any) -> Iterator[str]:
    """Every string (keys excluded) inside a YAML structure."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)


def environment(service: Mapping[str, Any]) -> dict[str, str]:
    """A service's environment as a dict, whether written as a mapping or a list."""
    env = service.get("environment") or {}
    if isinstance(env, list):
        return dict(item.partition("=")[::2] for item in env)
    return {key: "" if value is None else str(value) for key, value in env.items()}
