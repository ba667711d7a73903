"""Every `vitbench` command the compose stack runs is one the CLI accepts.

A typo in a worker's flags only shows once the container starts on a remote machine, so the
commands are checked here: against the flags the CLI guarantees, and parsed by the real CLI.
"""

from __future__ import annotations

import click
import pytest

from tests.support.compose_file import COMPOSE_FILE, ENV_EXAMPLE, interpolate, load, read_env_file

# The flags the lead guarantees for each subcommand the stack uses.
GUARANTEED_FLAGS = {
    "run": {
        "--models",
        "--seeds",
        "--preset",
        "--epochs",
        "--tracking-uri",
        "--experiment",
        "--workers",
        "--storage",
    },
    "study": {"--model", "--trials", "--preset", "--storage", "--study-name", "--tracking-uri"},
}


def _compose_env() -> dict[str, str]:
    """.env.example with placeholders for the secrets a user must fill in."""
    return {key: value or "placeholder" for key, value in read_env_file(ENV_EXAMPLE).items()}


def vitbench_commands() -> dict[str, list[str]]:
    """Service name -> interpolated argv (after the `vitbench` entrypoint)."""
    services = interpolate(load(COMPOSE_FILE)["services"], _compose_env())
    return {
        name: [str(arg) for arg in service["command"]]
        for name, service in services.items()
        if service.get("image", "").startswith("vitbench")
    }


COMMANDS = vitbench_commands()


def test_stack_runs_the_matrix_and_the_study() -> None:
    assert {argv[0] for argv in COMMANDS.values()} == {"run", "study"}
    assert COMMANDS["worker"][0] == "run"
    assert COMMANDS["worker-gpu"] == COMMANDS["worker"]


@pytest.mark.parametrize("service", sorted(COMMANDS))
def test_commands_use_only_guaranteed_flags(service: str) -> None:
    subcommand, *args = COMMANDS[service]
    flags = [arg for arg in args if arg.startswith("--")]
    assert set(flags) <= GUARANTEED_FLAGS[subcommand]
    assert len(flags) == len(set(flags)), "a flag is repeated"
    assert len(args) == 2 * len(flags), "every flag takes exactly one value"


@pytest.mark.parametrize("service", sorted(COMMANDS))
def test_commands_parse_with_the_real_cli(service: str) -> None:
    from benchmark.cli.main import cli

    group_ctx = cli.make_context("vitbench", list(COMMANDS[service]))
    remaining = [*getattr(group_ctx, "_protected_args", []), *group_ctx.args]
    name, command, rest = cli.resolve_command(group_ctx, remaining)
    assert isinstance(command, click.Command) and name == COMMANDS[service][0]
    with command.make_context(name, rest, parent=group_ctx) as ctx:
        assert ctx.params, f"{service}: parsed no parameters"
