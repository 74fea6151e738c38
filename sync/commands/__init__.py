"""One module per subcommand; shared options and output helpers live here."""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click
from click.core import ParameterSource

from sync.diagnostics import Diagnostic, render_github, render_text, use_colour

F = TypeVar("F", bound=Callable[..., Any])

DEFAULT_DIR = "statusfiles"


def _find_default_dir(ctx: click.Context, param: click.Parameter, value: Path) -> Path:
    """Left at its default, --dir is found as git finds the repository: here or in a parent folder."""
    if ctx.get_parameter_source(param.name or "") is not ParameterSource.DEFAULT:
        return value
    from sync.statusfile import find_up

    found = find_up(DEFAULT_DIR)
    return Path(os.path.relpath(found)) if found is not None else value


def dir_option(f: F) -> F:
    return click.option(
        "--dir",
        "directory",
        type=click.Path(path_type=Path, file_okay=False),
        envvar="STATUSFILES_DIR",
        default=DEFAULT_DIR,
        callback=_find_default_dir,
        show_envvar=True,
        help=f"The statusfiles directory.  [default: {DEFAULT_DIR}, here or in the nearest parent folder "
        "with one, up to the repository's root]",
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


def finite(ctx: click.Context, param: click.Parameter, value: float) -> float:
    """A number option's callback: NaN and infinity pass every range check, and would hang or crash later."""
    if not math.isfinite(value):
        raise click.BadParameter(f"{value} is not a number of seconds")
    return value


def os_reason(exc: OSError) -> str:
    """Why a file operation failed, naming the path the system refused (it may be a parent folder)."""
    return f"{exc.filename}: {exc.strerror}" if exc.filename and exc.strerror else str(exc)


def echo_diagnostics(diagnostics: Sequence[Diagnostic], fmt: str) -> None:
    """Text for people (coloured at a terminal), workflow commands for GitHub Actions."""
    if not diagnostics:
        return
    if fmt == "github":
        click.echo(render_github(diagnostics), nl=False)
    else:
        out = click.get_text_stream("stdout")
        click.echo(render_text(diagnostics, colour=use_colour(out)), nl=False, color=use_colour(out))
