"""Project error types: each carries a message a user can act on, never a deep traceback."""


class VitbenchError(Exception):
    """Base class: the CLI prints the message and exits non-zero."""

    exit_code = 2


class ConfigError(VitbenchError, ValueError):
    """A config value, key, file or combination is invalid; the message names the field."""


class DataUnavailableError(VitbenchError):
    """A dataset cannot be loaded (offline, missing or corrupt archive)."""


class TrackingUnavailableError(VitbenchError):
    """The tracking server cannot be reached or refuses our credentials."""


class NonFiniteLossError(VitbenchError):
    """Training diverged: the loss became NaN or infinite."""
