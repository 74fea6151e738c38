"""One module per subcommand; shared options and output helpers live here."""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click
from click.core import ParameterSource

from sync import KEY_ENV
from sync.diagnostics import Diagnostic, StatusfileError, printable, render_text, use_colour
from sync.fsutil import os_reason as os_reason  # re-exported: every command reports failed file operations
from sync.fsutil import write_atomic

if TYPE_CHECKING:  # importing sync.cli must not import httpx
    from sync import api, apiconfig, kinds, ledger, workspace
    from sync.redact import Redactor
    from sync.remote import RemoteObject
    from sync.snapshot import Page, Snapshot
    from sync.statusfile import Statusfile

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


def settle_after_option(f: F) -> F:
    """sync's ``--settle-after``, which the publish job passes on to it."""
    from sync.planner import SETTLE_AFTER  # only the commands that sync pay for the planner

    return click.option(
        "--settle-after",
        type=click.FloatRange(min=0),
        callback=finite,
        default=SETTLE_AFTER,
        show_default=True,
        help="Seconds after an earlier sync lost track of a post (a timeout, a crash) before posting it "
        "again if the page does not show it: the API may still be applying it. 0 posts it at once.",
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


def exit_1(exc: click.UsageError) -> None:
    """Make a usage error exit 1, for commands whose exit status 2 means something else."""
    # click declares exit_code a ClassVar, yet its main() exits with the instance's.
    exc.exit_code = 1  # type: ignore[misc]


def echo_out(text: str, colour: bool = False) -> None:
    """Print ``text`` as it is, flushed; a ClickException (exit status 1) when standard output cannot be
    written: a full disk behind `> FILE`, or /dev/full, is the user's trouble, not a bug."""
    try:
        click.echo(text, nl=False, color=colour)
        sys.stdout.flush()
    except OSError as exc:
        from sync.cli import drop_stdout

        drop_stdout()
        raise click.ClickException(f"cannot write to standard output: {exc.strerror or exc}") from None


def show(view: tuple[str, int], colour: bool = False) -> NoReturn:
    """Print a view's output and exit with its status."""
    output, status = view
    echo_out(output, colour)
    raise SystemExit(status)


def echo_diagnostics(diagnostics: Sequence[Diagnostic]) -> None:
    """Text for people, coloured at a terminal."""
    if diagnostics:
        out = sys.stdout
        click.echo(render_text(diagnostics, colour=use_colour(out)), nl=False, color=use_colour(out))


# --- commands that write statusfiles (new, import) ---------------------------------------


def create(path: Path, content: str) -> None:
    """Write a new file whole or not at all; never replace one (a name taken meanwhile is an error)."""
    from sync.statusfile import display_path

    try:
        write_atomic(path, content.encode(), exclusive=True)
    except FileExistsError:
        raise click.ClickException(f"{display_path(path)} already exists; nothing written") from None
    except OSError as exc:  # a name too long for the file system, a read-only folder
        raise click.ClickException(f"cannot write {display_path(path)}: {exc.strerror or exc}") from None


def write_statusfile(
    path: Path,
    payload: dict[str, Any],
    directory: Path,
    placement: kinds.Placement,
    siblings: list[Statusfile],
    names: dict[str, str],
) -> tuple[Statusfile, str]:
    """Write ``payload`` to the new file ``path`` as ``new`` writes every statusfile: its kind's schema
    line, fields in reading order, IDs named; validated first, never overwriting. The file as loaded, and
    the text written."""
    from sync import schema
    from sync.statusfile import Source, display_path
    from sync.writer import modeline_for, render

    rel = os.path.relpath(path.resolve(), Path(directory).resolve()).replace(os.sep, "/")
    source = Source(path=path, display=display_path(path), rel=rel)
    which = schema.schema_for(placement)
    modeline, schema_copy = modeline_for(path.parent, directory, siblings, which)
    try:
        content, loaded = render(payload, modeline, source, placement, names)
    except StatusfileError as exc:
        echo_diagnostics(exc.diagnostics)
        raise click.ClickException(
            f"{display_path(path)} not written: the statusfile would not be valid"
        ) from None
    if schema_copy is not None:
        create(schema_copy, (schema.schemas_dir() / which.file_name).read_text(encoding="utf-8"))
        click.echo(f"wrote {display_path(schema_copy)} for editors: commit it with the statusfile", err=True)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:  # a file of the folder's name, a read-only parent
        raise click.ClickException(f"cannot write {display_path(path)}: {exc.strerror or exc}") from None
    create(path, content)
    return loaded, content


# --- commands that read the API ---------------------------------------------------------


def base_url_option(f: F) -> F:
    return click.option(
        "--base-url",
        envvar="INCIDENT_IO_BASE_URL",
        show_envvar=True,
        default=None,
        help="The incident.io API.  [default: https://api.incident.io]",
    )(f)


def timeout_option(f: F) -> F:
    return click.option(
        "--timeout",
        type=click.FloatRange(min=1),
        callback=finite,
        default=30.0,
        show_default=True,
        help="Seconds to wait for each response.",
    )(f)


def reads_api(f: F) -> F:
    """The options of every command that reads the API: --dir, --ledger, --base-url, --timeout."""
    return dir_option(ledger_option(base_url_option(timeout_option(f))))


def api_settings(base_url: str | None) -> apiconfig.Settings:
    """The key in INCIDENT_IO_API_KEY and ``base_url``, checked before any work (without importing httpx);
    a usage error when they cannot be used safely."""
    from sync import apiconfig

    try:
        return apiconfig.from_env(base_url)
    except apiconfig.ConfigError as exc:
        raise click.UsageError(str(exc)) from None


def api_client(base_url: str | None, timeout: float) -> api.Client:
    """An ``api.Client`` for the key in INCIDENT_IO_API_KEY; a usage error when it cannot be used safely."""
    settings = api_settings(base_url)
    from sync import api  # only the commands that read the API pay for httpx

    return api.Client.of(settings, timeout)


def read_failed(what: str, exc: Exception) -> click.ClickException:
    """The API could not be read: one line saying what was being read and why; exit status 1.

    The line is escaped here, as ``what`` often holds a page's name or an ID as the account or the command
    line gave it, and ``exc`` what the server answered: a line break in either would start a GitHub workflow
    command, an escape sequence drive the terminal.
    """
    return click.ClickException(printable(f"reading {what} failed: {exc}"))


def page_option(f: F) -> F:
    return click.option(
        "--page",
        "page",
        metavar="NAME|ID",
        default=None,
        help="Only this status page (its name, any case, or its ID).  [default: every page]",
    )(f)


def chosen_pages(client: api.Client, wanted: str | None) -> list[Page]:
    """The account's pages, or only the one ``--page`` names; a usage error naming the choices otherwise."""
    from sync import api, snapshot
    from sync.diagnostics import did_you_mean

    try:
        pages = client.list_status_pages()
    except api.ApiProblem as exc:
        raise read_failed("the status pages", exc) from None
    if wanted is None:
        return sorted(pages, key=lambda p: (p.name.casefold(), p.id))
    snap = snapshot.Snapshot(tuple(pages))
    found = snap.find_page(wanted)
    if found is not None:
        return [found]
    if alike := snap.pages_named(wanted):
        named = ", ".join(snapshot.label(p.name, p.id) for p in alike)
        raise click.BadParameter(
            f"{len(alike)} status pages are named {wanted!r} ({named}): give the ID of the one you mean",
            param_hint="--page",
        )
    guess = did_you_mean(wanted, [p.name for p in pages])
    hint = f"; did you mean {guess!r}?" if guess else ""
    choices = ", ".join(snapshot.label(p.name, p.id) for p in pages) or "none"
    raise click.BadParameter(
        f"no status page is named {wanted!r}{hint} (the pages: {choices})", param_hint="--page"
    )


def guard_output() -> Redactor:
    """Keep the key in INCIDENT_IO_API_KEY out of everything this command prints, until it ends; the redactor
    for what the command writes elsewhere (the job summary)."""
    from sync.redact import Redactor

    redactor = Redactor(os.environ.get(KEY_ENV))
    click.get_current_context().with_resource(redactor.guarding_output())
    return redactor


def guarded_client(base_url: str | None, timeout: float) -> api.Client:
    """``api_client``, with the key kept out of everything this command prints (as sync does)."""
    client = api_client(base_url, timeout)
    guard_output()
    return client


def page_objects(client: api.Client, pages: Sequence[Page]) -> list[RemoteObject]:
    """Every incident and maintenance window on ``pages``; a ClickException when the API cannot be read."""
    from sync import api

    out: list[RemoteObject] = []
    for p in pages:
        try:
            out += [*client.list_incidents(p.id), *client.list_maintenances(p.id)]
        except api.NotApplied as exc:
            raise read_failed(f"the incidents and maintenance windows on {p.name}", exc) from None
    return out


def known_pages(client: api.Client, snap: Snapshot | None) -> list[Page]:
    """The snapshot's pages the account still has when there is a snapshot (what git knows of), else every
    page of the account. A page deleted since the pull has nothing to read (the API answers 404)."""
    live = chosen_pages(client, None)
    if snap is None:
        return live
    ids = {p.id for p in live}
    return [p for p in snap.pages if p.id in ids]


def folder_names(directory: Path) -> dict[str, list[str]]:
    """Every folder under ``directory`` (relative, '/'-separated) and the names of the files in it."""
    out: dict[str, list[str]] = {}
    for here, dirs, names in os.walk(directory):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        rel = Path(here).relative_to(directory).as_posix()
        out["" if rel == "." else rel] = list(names)
    return out


def load_tree(
    directory: Path, ledger_path: Path | None, writer: ledger.Writer | None = None
) -> workspace.Workspace:
    """The statusfiles and the ledger (read after ``writer`` holds its lock); a ClickException if either
    has errors: what git holds must be known before anything is compared with it (import, drift)."""
    from sync import workspace
    from sync.statusfile import DiscoveryError

    try:
        ws = workspace.load(directory, ledger_path, with_ledger=False)
    except DiscoveryError as exc:
        raise click.UsageError(str(exc)) from None
    read_ledger_locked(ws, writer)
    return ws


def read_ledger_locked(ws: workspace.Workspace, writer: ledger.Writer | None = None) -> None:
    """(Re)read ``ws``'s ledger once ``writer`` (if any) holds its lock; a ClickException when the lock
    cannot be taken or the statusfiles or the ledger have errors."""
    from sync import workspace

    if writer is not None:
        try:
            workspace.lock_ledger(ws, writer)
        except workspace.LedgerUnavailable as exc:
            raise click.ClickException(f"{exc}; nothing was imported" if exc.locked else str(exc)) from None
    workspace.read_ledger(ws)
    if not ws.ok:
        echo_diagnostics(ws.diagnostics)
        raise click.ClickException(f"nothing was compared with the page: {ws.trouble}")
