"""Search spaces as data: a YAML file maps each model to the parameters a study tunes.

The choices are static (Optuna-friendly), and a space is checked against the preset's resolved
config when it is LOADED: a patch size that does not divide the image, a head count or
`dim_coefficient` that does not divide every listed width is rejected there, naming the parameter
and the offending values. The rules are the config's own (`benchmark.config.checks`), run on each
listed value. So every combination a sampler can draw is a valid run.

Format (per model; a parameter is a list = categorical, or a mapping = numeric range):

    eanet:
      num_heads: [1, 2, 4]
      patch_size: [2, 4]
      dim_coefficient: [1, 2, 4]
      learning_rate: {low: 1.0e-4, high: 1.0e-2, log: true}
      depth: {low: 1, high: 2}          # ints: both bounds integers (optional `step`)
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmark.config import (
    ConfigError,
    RunConfig,
    close_match_hint,
    deep_merge,
    from_dict,
    input_size,
    load_yaml_file,
    resolved_attention,
    resolved_tokenizer,
    to_dict,
)
from benchmark.config.checks import (
    check_dim_coefficient,
    check_heads,
    check_patch_size,
    check_shifted_patch,
)

SPACES_DIR = Path(__file__).parent / "spaces"

# Short parameter name -> dotted config key it sets.
PARAMETERS: dict[str, str] = {
    "num_heads": "model.num_heads",
    "patch_size": "model.patch_size",
    "dim_coefficient": "model.dim_coefficient",
    "hidden_dim": "model.hidden_dim",
    "depth": "model.depth",
    "mlp_dim": "model.mlp_dim",
    "learning_rate": "train.learning_rate",
    "weight_decay": "train.weight_decay",
    "label_smoothing": "train.label_smoothing",
    "mlp_dropout_rate": "model.mlp_dropout_rate",
    "attention_dropout_rate": "model.attention_dropout_rate",
}
INTEGER_PARAMETERS = {
    "num_heads",
    "patch_size",
    "dim_coefficient",
    "hidden_dim",
    "depth",
    "mlp_dim",
}
MAX_CHECKED_COMBINATIONS = 4096


@dataclass(frozen=True)
class Param:
    """One tunable parameter: categorical `choices`, or a `low`..`high` range."""

    name: str
    choices: tuple[Any, ...] = ()
    low: float | int | None = None
    high: float | int | None = None
    log: bool = False
    step: int | None = None

    @property
    def key(self) -> str:
        return PARAMETERS[self.name]

    @property
    def is_int_range(self) -> bool:
        return not self.choices and isinstance(self.low, int) and isinstance(self.high, int)

    def values(self) -> tuple[Any, ...] | None:
        """Every value the parameter can take, or None for a continuous range."""
        if self.choices:
            return self.choices
        if self.is_int_range:
            return tuple(range(int(self.low), int(self.high) + 1, self.step or 1))
        return None

    def suggest(self, trial) -> Any:
        if self.choices:
            return trial.suggest_categorical(self.name, list(self.choices))
        if self.is_int_range:
            return trial.suggest_int(
                self.name, self.low, self.high, step=self.step or 1, log=self.log
            )
        return trial.suggest_float(self.name, float(self.low), float(self.high), log=self.log)


@dataclass(frozen=True)
class SearchSpace:
    model: str
    params: tuple[Param, ...]
    source: str

    def suggest(self, trial) -> dict[str, Any]:
        return {p.name: p.suggest(trial) for p in self.params}

    def digest(self) -> str:
        """Identity of the space (not of its file): resuming needs the same parameters."""
        text = json.dumps([dataclasses.asdict(p) for p in self.params], sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:12]

    def overrides(self, values: dict[str, Any]) -> dict[str, Any]:
        """Suggested values -> nested config overrides ({"model": {"num_heads": 4}})."""
        nested: dict[str, Any] = {}
        for name, value in values.items():
            section, field = PARAMETERS[name].split(".")
            nested.setdefault(section, {})[field] = value
        return nested


def space_path(name_or_path: str | None) -> Path:
    """`None` -> the built-in default; a bare name -> `studies/spaces/<name>.yaml`; else a path."""
    if name_or_path is None:
        return SPACES_DIR / "default.yaml"
    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml") or path.exists():
        return path
    builtin = SPACES_DIR / f"{name_or_path}.yaml"
    if not builtin.exists():
        names = sorted(p.stem for p in SPACES_DIR.glob("*.yaml"))
        raise ConfigError(
            f"unknown search space {name_or_path!r}; built in: {', '.join(names)}."
            + close_match_hint(name_or_path, names)
        )
    return builtin


def load_space(source: str | dict | None, base: RunConfig) -> SearchSpace:
    """Read the space for `base.model.name` and prove every combination valid for `base`.

    `source`: None (built-in default), a built-in name, a YAML path, or the mapping itself
    (inline `space:` in a study file)."""
    if isinstance(source, dict):
        path, data = "study file space", dict(source)
    else:
        path = space_path(source)
        data = load_yaml_file(str(path))
    data.pop("description", None)
    model = base.model.name
    if model not in data:
        raise ConfigError(f"{path}: no search space for model {model!r}; has {sorted(data)}")
    entries = data[model] or {}
    if not isinstance(entries, dict) or not entries:
        raise ConfigError(f"{path}: {model}: expected a mapping of parameters, got {entries!r}")
    params = tuple(_parse_param(f"{path}: {model}.{n}", n, spec) for n, spec in entries.items())
    space = SearchSpace(model, params, str(path))
    check_constraints(space, base, str(path))
    return space


def _parse_param(where: str, name: str, spec: Any) -> Param:
    if name not in PARAMETERS:
        raise ConfigError(
            f"{where}: unknown parameter {name!r}; allowed: {', '.join(PARAMETERS)}."
            + close_match_hint(name, PARAMETERS)
        )
    if isinstance(spec, dict) and "choices" in spec:
        spec = spec["choices"]
    if isinstance(spec, list):
        if not spec:
            raise ConfigError(f"{where}: empty choices []; list at least one value")
        if name in INTEGER_PARAMETERS and not all(
            isinstance(v, int) and not isinstance(v, bool) for v in spec
        ):
            raise ConfigError(f"{where}: choices must be integers, got {spec}")
        return Param(name, choices=tuple(spec))
    if not isinstance(spec, dict) or not {"low", "high"} <= set(spec):
        raise ConfigError(f"{where}: expected a list of choices or {{low, high[, log, step]}}")
    unknown = set(spec) - {"low", "high", "log", "step"}
    if unknown:
        raise ConfigError(f"{where}: unknown keys {sorted(unknown)}; allowed: low, high, log, step")
    low, high, log, step = spec["low"], spec["high"], bool(spec.get("log", False)), spec.get("step")
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (low, high)):
        raise ConfigError(f"{where}: low and high must be numbers, got {low!r}, {high!r}")
    if low > high:
        raise ConfigError(f"{where}: empty range: low {low} > high {high}")
    if log and low <= 0:
        raise ConfigError(f"{where}: a log range needs low > 0, got {low}")
    if name in INTEGER_PARAMETERS and not (isinstance(low, int) and isinstance(high, int)):
        raise ConfigError(f"{where}: integer parameter needs integer bounds, got {low}, {high}")
    if step is not None and (not isinstance(step, int) or step <= 0 or log):
        raise ConfigError(f"{where}: step must be a positive integer (and not with log)")
    return Param(name, low=low, high=high, log=log, step=step)


def _values(space: SearchSpace, name: str, default: Any) -> tuple[Any, ...]:
    for p in space.params:
        if p.name == name:
            values = p.values()
            if values is None:
                raise ConfigError(f"{space.source}: {name} must be a list or an integer range")
            return values
    return (default,)


def _rejects(check: Callable[..., None], *args: Any) -> bool:
    """Whether a config rule refuses these values (its own message is replaced by one that
    lists every offending value of the space)."""
    try:
        check(*args)
    except ConfigError:
        return True
    return False


def check_constraints(space: SearchSpace, base: RunConfig, where: str) -> None:
    """Reject choices that can form an invalid model, with the parameter and values named."""

    m = base.model
    size = input_size(base)
    attention, tokenizer = resolved_attention(base), resolved_tokenizer(base)
    patches = _values(space, "patch_size", m.patch_size)
    widths = _values(space, "hidden_dim", m.hidden_dim)
    heads = _values(space, "num_heads", m.num_heads)
    bad = [p for p in patches if _rejects(check_patch_size, p, size)]
    if bad:
        raise ConfigError(
            f"{where}: {space.model}.patch_size: {bad} do not divide the image size {size} "
            f"(preset {base.preset}); use divisors of {size}"
        )
    if any(_rejects(check_shifted_patch, tokenizer, p) for p in patches):
        raise ConfigError(f"{where}: {space.model}.patch_size: shifted patches need >= 2")
    bad = [
        h for h in heads if any(_rejects(check_heads, w, h, m.key_dim, attention) for w in widths)
    ]
    if bad:
        raise ConfigError(
            f"{where}: {space.model}.num_heads: {bad} do not divide every hidden_dim in "
            f"{list(widths)}; use common divisors"
        )
    if any(p.name == "dim_coefficient" for p in space.params):
        if attention != "external":
            raise ConfigError(
                f"{where}: {space.model}.dim_coefficient: only external attention (eanet) uses it"
            )
        coefficients = _values(space, "dim_coefficient", m.dim_coefficient)
        bad = [
            c
            for c in coefficients
            if any(_rejects(check_dim_coefficient, w, c, attention) for w in widths)
        ]
        if bad:
            raise ConfigError(
                f"{where}: {space.model}.dim_coefficient: {bad} do not divide every hidden_dim "
                f"in {list(widths)}"
            )
    _check_every_combination(space, base, where)


def _check_every_combination(space: SearchSpace, base: RunConfig, where: str) -> None:
    """Belt and braces: every discrete combination (and each range's two ends) goes through the
    real config validation."""

    grids = [[(p.name, v) for v in (p.values() or (p.low, p.high))] for p in space.params]
    total = 1
    for grid in grids:
        total *= len(grid)
    if total > MAX_CHECKED_COMBINATIONS:
        return
    base_data = to_dict(base)
    for combination in itertools.product(*grids):
        try:
            from_dict(deep_merge(base_data, space.overrides(dict(combination))))
        except ConfigError as exc:
            raise ConfigError(
                f"{where}: combination {dict(combination)} is invalid: {exc}"
            ) from None
