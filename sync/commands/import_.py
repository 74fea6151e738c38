"""``statusfiles import``: statusfiles for what was posted elsewhere, recorded as found on the page."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from sync.commands import (
    folder_names,
    format_option,
    guarded_client,
    known_pages,
    load_tree,
    os_reason,
    page_objects,
    read_failed,
    reads_api,
    show,
    write_statusfile,
)
from sync.diagnostics import plural, printable
from sync.statusfile import display_path
from sync.views import View, json_text

if TYPE_CHECKING:  # importing sync.cli must not import httpx
    from sync import api, ledger, workspace
    from sync.importer import Adoptable, NewFile, ObjectImport
    from sync.remote import RemoteObject
    from sync.snapshot import Page, Snapshot
    from sync.statusfile import Statusfile


def since_date(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date; write it like 2026-11-27") from None


def fetch(client: api.Client, ids: tuple[str, ...], pages: list[Page]) -> list[RemoteObject]:
    """The objects named by ID (incident or maintenance window), and every object on ``pages``."""
    from sync import api

    out = page_objects(client, pages)
    for ident in ids:
        if any(o.id == ident for o in out):
            continue
        try:
            found = client.get_incident(ident) or client.get_maintenance(ident)
        except api.NotApplied as exc:
            raise read_failed(ident, exc) from None
        if found is None:
            raise click.BadParameter(
                f"no incident or maintenance window has the ID {ident!r}", param_hint="ID"
            )
        out.append(found)
    return out


@click.command("import")
@click.argument("ids", nargs=-1, metavar="[ID]...")
@click.option(
    "--open", "open_only", is_flag=True, help="Every incident not resolved and window not complete."
)
@click.option(
    "--since", metavar="DATE", callback=since_date, help="Every object with an update on or after DATE."
)
@format_option(("text", "json"))
@reads_api
def command(
    ids: tuple[str, ...],
    open_only: bool,
    since: str | None,
    fmt: str,
    directory: Path,
    ledger_path: Path | None,
    base_url: str | None,
    timeout: float,
) -> None:
    """Write statusfiles for what is on the page and not in git.

    An incident or maintenance window created elsewhere (the dashboard, Slack)
    becomes a folder: its incident.yaml or maintenance.yaml and one file per
    later update. An update posted elsewhere to an object a folder tracks
    becomes that folder's next file. Each is recorded in the ledger as found
    on the page (never posted), so `plan` has nothing to publish afterwards;
    running it again changes nothing. The files are what `statusfiles new`
    writes, with notify_subscribers: false (the page does not say).

    \b
    Exit status: 0 imported (or nothing to import), 1 the page or the files
    could not be read or written, 2 usage error.

    \b
    Examples:
      statusfiles import --open
      statusfiles import 01JE4K5Y8N2B7X9Q3M1V6T0HZC
      statusfiles import --since 2026-11-20 --format json
    """
    from sync import ledger, workspace

    if not (ids or open_only or since):
        raise click.UsageError("say what to import: IDs, --open or --since DATE")
    client = guarded_client(base_url, timeout)
    writer = ledger.Writer(workspace.ledger_path_for(directory, ledger_path), run=uuid.uuid4().hex)
    try:
        ws = load_tree(directory, ledger_path, writer)
        with client:
            done = import_objects(client, ws, writer, ids=ids, open_only=open_only, since=since)
    finally:
        writer.close()
    show(VIEWS[fmt](done))


@dataclass(frozen=True, slots=True)
class Imported:
    """What an import found and wrote: its plans (one per object) and a row per statusfile written."""

    plans: list[ObjectImport]
    written: list[dict[str, Any]]


def import_objects(
    client: api.Client,
    ws: workspace.Workspace,
    writer: ledger.Writer,
    *,
    ids: tuple[str, ...] = (),
    open_only: bool = False,
    since: str | None = None,
) -> Imported:
    """Write the statusfiles and ledger records for what is on the page and not in ``ws``.

    ``writer`` holds the ledger's lock and ``ws`` its ledger as read under it (``read_ledger_locked``).
    Raises ClickException when the page cannot be read (nothing is written then).
    """
    from sync import importer, kinds

    directory = ws.directory
    pages = known_pages(client, ws.snapshot) if (open_only or since) else []
    objects = importer.selected(fetch(client, ids, pages), ids=ids, open_only=open_only, since=since)
    tree = importer.Tree.of(ws.files, ws.ledger, folder_names(directory))
    names = _names(ws.snapshot)
    plans = [_checked(imp, directory, names) for imp in importer.plan_import(objects, tree)]
    written: list[dict[str, Any]] = []
    for imp in plans:
        if imp.problem:
            continue
        siblings: list[Statusfile] = []
        for new in imp.files:
            path = directory / new.rel
            if new.written is not None:  # an earlier import wrote it and stopped before recording it
                loaded = new.written
            else:
                loaded, _ = write_statusfile(path, new.payload, directory, new.placement, siblings, names)
            siblings.append(loaded)
            # The file first: after a crash between the two, sync finds its update on the page.
            if new.declares:
                key = kinds.idempotency_key(imp.kind, str(new.payload["status_page_id"]), imp.folder)
                refs: dict[str, Any] = {"object": imp.kind, "key": key, "id": imp.obj.id}
            else:
                refs = {imp.kind: imp.obj.id, "update_id": new.remote.id}
            try:
                writer.append(
                    "created" if new.declares else "adopted",
                    path=new.rel,
                    sha256=loaded.sha256,
                    **refs,
                    published_at=new.remote.published_at,
                    payload=loaded.payload,
                    origin="import",
                )
            except OSError as exc:  # the disk filled up after the file was written
                raise click.ClickException(
                    f"the ledger {ws.ledger_display} could not be written ({os_reason(exc)}): "
                    f"{display_path(path)} was written but not recorded, and nothing after it was imported; "
                    "import again to record it"
                ) from None
            written.append(_row(imp, new, display_path(path)))
    return Imported(plans, written)


def _checked(imp: ObjectImport, directory: Path, names: dict[str, str]) -> ObjectImport:
    """``imp``, or, when any of its files would not be a valid statusfile (the page holds what a statusfile
    may not, e.g. a blank name), the object skipped with the reason: nothing of it is written, and the
    objects after it are imported all the same."""
    from sync.diagnostics import StatusfileError
    from sync.statusfile import Source
    from sync.writer import render

    for new in imp.files:
        if new.written is not None:  # on disk already, loaded as valid
            continue
        path = directory / new.rel
        try:
            render(new.payload, None, Source(path, display_path(path), new.rel), new.placement, names)
        except StatusfileError as exc:
            d = exc.diagnostics[0]
            where = f"{d.field}: " if d.field else ""
            return dataclasses.replace(
                imp, files=(), adoptable=(), problem=f"its {new.rel} would not be valid ({where}{d.message})"
            )
    return imp


def _names(snap: Snapshot | None) -> dict[str, str]:
    """ID -> name of every page and component in the snapshot, for the comments beside IDs."""
    if snap is None:
        return {}
    return {**{p.id: p.name for p in snap.pages}, **{c.id: c.name for c in snap.components}}


def _row(imp: ObjectImport, new: NewFile, shown: str) -> dict[str, Any]:
    return {
        "path": shown,
        "object": imp.kind,
        "id": imp.obj.id,
        "name": imp.obj.name,
        "update_id": new.remote.id,
        "published_at": new.remote.published_at,
        "declaration": new.declares,
        "already_written": new.written is not None,
    }


def _json(done: Imported) -> View:
    written = done.written
    adoptable, problems = _adoptable(done), _problems(done)
    doc = {
        "imported": written,
        "will_be_adopted": [
            {"path": a.file.display, "id": imp.obj.id, "update_id": a.remote.id} for imp, a in adoptable
        ],
        "skipped": [{"id": imp.obj.id, "name": imp.obj.name, "reason": imp.problem} for imp in problems],
    }
    return json_text(doc), 0


def imported_lines(done: Imported) -> list[str]:
    """One line on each file written: its path, the object, and the update or the create it records."""
    from sync.planner import OBJECT_WORDS

    lines = []
    for row in done.written:
        what = OBJECT_WORDS[row["object"]]
        tail = f"created {row['published_at']}" if row["declaration"] else f"update {row['update_id']}"
        found = "found on the page, posted elsewhere"
        if row["already_written"]:
            found += " (the file was written by an import that stopped before recording it)"
        lines.append(printable(f"{row['path']}  {what} {row['id']}  {tail}  {found}"))
    return lines


def text_view(done: Imported) -> View:
    written = done.written
    adoptable, problems = _adoptable(done), _problems(done)
    lines = [f"imported  {line}" for line in imported_lines(done)]
    for _, a in adoptable:
        lines.append(
            printable(
                f"matches   {a.file.display}  update {a.remote.id} was posted elsewhere and never by "
                "statusfiles: sync records it, never posts it"
            )
        )
    for imp in problems:
        # The reason quotes the page (a value, a file name made from one).
        lines.append(printable(f"skipped   {imp.obj.name} ({imp.obj.id}): {imp.problem}"))
    count = len({r["id"] for r in written})
    if written:
        lines.append(
            f"Imported {len(written)} statusfile(s) of {count} object(s), recorded as found on the page."
        )
    elif problems:
        lines.append(f"Nothing imported: {plural(len(problems), 'object')} skipped, as said above.")
    else:
        lines.append("Nothing to import: git holds everything asked for.")
    return "\n".join(lines) + "\n", 0


def _adoptable(done: Imported) -> list[tuple[ObjectImport, Adoptable]]:
    return [(imp, a) for imp in done.plans for a in imp.adoptable]


def _problems(done: Imported) -> list[ObjectImport]:
    return [imp for imp in done.plans if imp.problem]


VIEWS: dict[str, Callable[[Imported], View]] = {
    "text": text_view,
    "json": _json,
}
