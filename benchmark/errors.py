"""Project error types: each carries a message a user can act on, never a deep traceback."""

import difflib
from collections.abc import Iterable


class VitbenchError(Exception):
    """Base class: the CLI prints the message and exits non-zero."""

    exit_code = 2


class ConfigError(VitbenchError, ValueError):
    """A config value, key, file or combination is invalid; the message names the field."""


class StorageUnavailableError(ConfigError):
    """The Optuna storage (queue or study database) cannot be opened; the message names it."""


class DataUnavailableError(VitbenchError):
    """A dataset cannot be loaded (offline, missing or corrupt archive)."""


class TrackingUnavailableError(VitbenchError):
    """The tracking server cannot be reached or refuses our credentials."""


class NonFiniteLossError(VitbenchError):
    """Training diverged: the loss became NaN or infinite."""


def close_match_hint(value: str, allowed: Iterable[str]) -> str:
    """' Did you mean X?' for a near-miss spelling, else ''."""
    matches = difflib.get_close_matches(str(value), list(allowed), n=1)
    return f" Did you mean {matches[0]!r}?" if matches else ""
