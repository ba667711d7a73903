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


# Flag -> (parameter the command receives, how the value is typed), written out by hand so a
# flag bound to another parameter, or parsed as another type, is caught.
PARAMETERS = {
    "run": {
        "--models": ("models", str),
        "--seeds": ("seeds", str),
        "--preset": ("preset", str),
        "--epochs": ("epochs", int),
        "--tracking-uri": ("tracking_uri", str),
        "--experiment": ("experiment_name", str),
        "--workers": ("workers", int),
        "--storage": ("storage", str),
    },
    "study": {
        "--model": ("model", str),
        "--trials": ("trials", int),
        "--preset": ("preset", str),
        "--storage": ("storage", str),
        "--study-name": ("study_name", str),
        "--tracking-uri": ("tracking_uri", str),
    },
}


def _parse(argv: list[str]) -> dict:
    from benchmark.cli.main import cli

    group_ctx = cli.make_context("vitbench", list(argv))
    remaining = [*getattr(group_ctx, "_protected_args", []), *group_ctx.args]
    name, command, rest = cli.resolve_command(group_ctx, remaining)
    assert isinstance(command, click.Command) and name == argv[0]
    with command.make_context(name, rest, parent=group_ctx) as ctx:
        return dict(ctx.params)


@pytest.mark.parametrize("service", sorted(COMMANDS))
def test_commands_parse_with_the_real_cli(service: str) -> None:
    """Each `--flag value` of the compose command reaches its parameter, typed; every parameter
    the command does not set keeps its unset default."""
    subcommand, *args = COMMANDS[service]
    pairs = dict(zip(args[::2], args[1::2], strict=True))
    expected = {
        PARAMETERS[subcommand][flag][0]: PARAMETERS[subcommand][flag][1](value)
        for flag, value in pairs.items()
    }
    params = _parse(COMMANDS[service])
    assert {key: params[key] for key in expected} == expected
    assert {key: type(params[key]) for key in expected} == {k: type(v) for k, v in expected.items()}
    unset = {k: v for k, v in params.items() if k not in expected}
    assert {k: v for k, v in unset.items() if v not in (None, (), False)} == {}


def test_compose_commands_carry_the_documented_values() -> None:
    """The values .env.example leads to, as the workers receive them."""
    storage = "postgresql+psycopg://vitbench:placeholder@postgres:5432/optuna"
    run = _parse(COMMANDS["worker"])
    assert (run["preset"], run["models"], run["seeds"]) == ("demo", "vit,vit_sl,eanet", "0,1,2")
    assert (run["workers"], run["storage"], run["experiment_name"]) == (1, storage, "vitbench")
    assert run["tracking_uri"] == "http://mlflow:5000"
    study = _parse(COMMANDS["study-worker"])
    assert (study["model"], study["trials"], study["preset"]) == ("eanet", 20, "demo")
    assert (study["study_name"], study["storage"]) == ("eanet-demo", storage)
    assert study["tracking_uri"] == "http://mlflow:5000"
