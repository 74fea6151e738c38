"""The ``statusfiles`` command: a click group whose subcommands load on demand.

Each subcommand lives in its own module under ``sync.commands`` and is imported
only when it runs (or when ``--help`` lists it), so ``statusfiles validate``
never pays for httpx and ``--version`` pays for nothing.
"""

from __future__ import annotations

import importlib

import click

from sync import __version__

# Listed in the order --help shows them.
COMMANDS = ("validate", "plan", "sync", "new", "schema", "sandbox")


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        command: click.Command = importlib.import_module(f"sync.commands.{cmd_name}").command
        return command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="statusfiles")
def cli() -> None:
    """GitOps for incident.io status pages.

    Keep every public status-page update as a YAML file in git; validate and
    plan them in pull requests; publish each exactly once on merge.
    """


def main() -> None:
    cli(prog_name="statusfiles")
