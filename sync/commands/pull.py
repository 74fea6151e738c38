"""``statusfiles pull``: write the account's status pages and components to the snapshot file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import click

from sync import snapshot
from sync.commands import (
    api_client,
    format_option,
    os_reason,
    read_failed,
    reads_api,
    show,
)
from sync.diagnostics import StatusfileError, plural, printable
from sync.fsutil import read_regular
from sync.statusfile import display_path
from sync.views import View, json_text

if TYPE_CHECKING:  # httpx is imported only when pull runs
    from sync import api


@click.command("pull")
@reads_api
@format_option(("text", "json"))
def command(
    directory: Path, ledger_path: Path | None, base_url: str | None, fmt: str, timeout: float
) -> None:
    """Write the account's status pages and their components to <dir>/snapshot.json.

    Commit the file: with it, `validate` and `plan` check every page and
    component ID offline and show names beside IDs, and `new` takes names. A
    read-only API key is enough (INCIDENT_IO_API_KEY). The file is rewritten
    only when something changed, so pulling twice changes nothing; the
    publish job pulls after every sync.

    \b
    Exit status: 0 written or already current, 1 the API could not be read
    or the file could not be written, 2 usage error.

    \b
    Examples:
      INCIDENT_IO_API_KEY=... statusfiles pull
      statusfiles pull --base-url http://127.0.0.1:8484   # the sandbox
    """
    from sync import api

    with api_client(base_url, timeout) as client:
        try:
            pulled = refresh(client, directory)
        except api.ApiProblem as exc:
            raise read_failed("the status pages", exc) from None
    views = {"text": text_view, "json": _json}
    show(views[fmt](pulled))


def refresh(client: api.Client, directory: Path) -> Pulled:
    """Pull the pages and components and rewrite <dir>/snapshot.json when they changed.

    Raises api.ApiProblem when the API cannot be read and ClickException when the file cannot be read or
    written; the file is left as it was in both cases.
    """
    pulled = pull(client)
    path = snapshot.path_in(directory)
    shown = display_path(path)
    text = pulled.to_json()
    old = _previous(path)
    changed = old is None or old[0] != text
    if changed:
        try:
            _write(path, text.encode())
        except OSError as exc:
            raise click.ClickException(f"{shown} could not be written ({os_reason(exc)})") from None
    return Pulled(shown, changed, pulled, describe_changes(old[1] if old else None, pulled))


@dataclass(frozen=True, slots=True)
class Pulled:
    """What pull did: the snapshot's path as shown, whether its file changed, what it holds, what changed."""

    shown: str
    changed: bool
    snapshot: snapshot.Snapshot
    changes: list[str]


def text_view(p: Pulled) -> View:
    counts = (
        f"{plural(len(p.snapshot.pages), 'status page')}, {plural(len(p.snapshot.components), 'component')}"
    )
    if not p.changed:
        return f"{p.shown} is up to date ({counts}).\n", 0
    # The lines quote the page's names: escaped, none starts a workflow command in the publish job's log.
    return "".join(f"  {printable(line)}\n" for line in p.changes) + f"Wrote {p.shown} ({counts}).\n", 0


def _json(p: Pulled) -> View:
    doc = {
        "path": p.shown,
        "changed": p.changed,
        "pages": len(p.snapshot.pages),
        "components": len(p.snapshot.components),
        "changes": p.changes,
    }
    return json_text(doc), 0


def pull(client: api.Client) -> snapshot.Snapshot:
    """Every page and, for each, its structure; a page deleted between the two reads is left out."""
    pages = client.list_status_pages()
    structures: dict[str, list[snapshot.Component]] = {}
    for page in pages:
        if (found := client.find_structure(page.id)) is not None:
            structures[page.id] = found
    return snapshot.build([p for p in pages if p.id in structures], structures)


def _previous(path: Path) -> tuple[str, snapshot.Snapshot | None] | None:
    """The file's text and, when it is a valid snapshot, what it holds; None when there is no file."""
    try:
        data = read_regular(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise click.ClickException(f"{display_path(path)} cannot be read ({os_reason(exc)})") from None
    try:
        return data.decode("utf-8", errors="replace"), snapshot.parse(data, display_path(path))
    except StatusfileError:  # a broken file is simply replaced
        return data.decode("utf-8", errors="replace"), None


def _write(path: Path, data: bytes) -> None:
    from sync.fsutil import write_atomic

    write_atomic(path, data)


def describe_changes(old: snapshot.Snapshot | None, new: snapshot.Snapshot) -> list[str]:
    """What a pull changed, one line each: pages and components added, removed or renamed."""
    if old is None:
        return []
    out: list[str] = []
    for kind, before, after in (
        ("page", {p.id: p.name for p in old.pages}, {p.id: p.name for p in new.pages}),
        ("component", _placed(old), _placed(new)),
    ):
        for id_ in sorted(after.keys() - before.keys(), key=after.__getitem__):
            out.append(f"+ {kind} {after[id_]} ({id_})")
        for id_ in sorted(before.keys() - after.keys(), key=before.__getitem__):
            out.append(f"- {kind} {before[id_]} ({id_})")
        for id_ in sorted(before.keys() & after.keys(), key=after.__getitem__):
            if before[id_] != after[id_]:
                out.append(f"~ {kind} {before[id_]} → {after[id_]} ({id_})")
    return out


def _placed(snap: snapshot.Snapshot) -> dict[str, str]:
    """Component ID -> its name as shown with its page and group, so a move is a change too."""
    return {
        c.id: " / ".join(p for p in (snap.page_name(c.page_id), c.place, c.name) if p)
        for c in snap.components
    }
