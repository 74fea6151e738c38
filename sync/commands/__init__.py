"""One module per subcommand; shared options and output helpers live here."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from sync.diagnostics import Diagnostic, render_github, render_text, use_colour

F = TypeVar("F", bound=Callable[..., Any])

DEFAULT_DIR = "statusfiles"


def dir_option(f: F) -> F:
    return click.option(
        "--dir",
        "directory",
        type=click.Path(path_type=Path, file_okay=False),
        envvar="STATUSFILES_DIR",
        default=DEFAULT_DIR,
        show_default=True,
        show_envvar=True,
        help="The statusfiles directory.",
    )(f)


def ledger_option(f: F) -> F:
    return click.option(
        "--ledger",
        "ledger_path",
        type=click.Path(path_type=Path, dir_okay=False),
        envvar="STATUSFILES_LEDGER",
        default=None,
        show_envvar=True,
        help="The ledger of published updates.  [default: <dir>/ledger.jsonl]",
    )(f)


def format_option(choices: Sequence[str], help: str = "Output format.") -> Callable[[F], F]:
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(list(choices)),
        default=choices[0],
        show_default=True,
        help=help,
    )


def echo_diagnostics(diagnostics: Sequence[Diagnostic], fmt: str) -> None:
    """Text for people (coloured at a terminal), workflow commands for GitHub Actions."""
    if not diagnostics:
        return
    if fmt == "github":
        click.echo(render_github(diagnostics), nl=False)
    else:
        out = click.get_text_stream("stdout")
        click.echo(render_text(diagnostics, colour=use_colour(out)), nl=False, color=use_colour(out))
