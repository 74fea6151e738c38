"""Finding things on the account: status pages, their components, and what is open on them.

Pure helpers for the ``pages``, ``components`` and ``active`` commands: which folder in git
tracks each incident or maintenance window, and the text and JSON each command prints. The
commands read the API and the files; everything here works on what they read.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sync import views
from sync.diagnostics import JSON_FORMAT_VERSION, printable
from sync.kinds import folder_of
from sync.ledger import LedgerState
from sync.remote import RemoteObject
from sync.snapshot import Component, Page, label
from sync.statusfile import Statusfile
from sync.timefmt import window

CLOSED = ("resolved", "maintenance_complete")  # statuses after which nothing more is expected


def tracking(files: Iterable[Statusfile], ledger: LedgerState) -> dict[str, str]:
    """Object ID -> the folder (identity path) whose statusfiles post to it.

    A folder tracks an incident when one of its statusfiles names it by ``status_page_incident_id``,
    or when the ledger records that the folder's declaration created it (or posted an update to it).
    """
    out: dict[str, str] = {}
    for o in ledger.objects.values():
        if o.id:
            out.setdefault(o.id, folder_of(o.path))
    for e in ledger.entries.values():
        if e.incident:
            out.setdefault(e.incident, folder_of(e.path))
    for f in files:
        ident = f.payload.get("status_page_incident_id")
        if isinstance(ident, str) and ident:
            out.setdefault(ident, folder_of(f.rel))
    return out


# --- pages and components -----------------------------------------------------------


def pages_json(pages: Sequence[Page]) -> dict[str, Any]:
    return {"version": JSON_FORMAT_VERSION, "pages": [{"id": p.id, "name": p.name} for p in pages]}


def pages_text(pages: Sequence[Page]) -> str:
    if not pages:
        return "The account has no status pages.\n"
    return "".join(f"{printable(p.id)}  {printable(p.name)}\n" for p in pages)


def _component_json(c: Component) -> dict[str, Any]:
    return {"id": c.id, "name": c.name, "group": c.group, "sub_page": c.sub_page}


def components_json(structures: Sequence[tuple[Page, Sequence[Component]]]) -> dict[str, Any]:
    return {
        "version": JSON_FORMAT_VERSION,
        "pages": [
            {"id": p.id, "name": p.name, "components": [_component_json(c) for c in components]}
            for p, components in structures
        ],
    }


def components_text(structures: Sequence[tuple[Page, Sequence[Component]]]) -> str:
    lines: list[str] = []
    for page, components in structures:
        lines.append(label(page.name, page.id))
        lines += [
            f"  {printable(c.id)}  {printable(' / '.join(p for p in (c.place, c.name) if p))}"
            for c in components
        ]
        if not components:
            lines.append("  (no components)")
    return "\n".join(lines) + "\n" if lines else "The account has no status pages.\n"


# --- what is open -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Open:
    """An incident or maintenance window on a page, and the folder that tracks it (None: none does)."""

    obj: RemoteObject
    folder: str | None

    @property
    def kind(self) -> str:
        return self.obj.kind

    @property
    def schedule(self) -> str | None:
        """A window's times as one line (escaped: text that is no time is shown as the page gave it)."""
        obj = self.obj
        if obj.kind != "maintenance":
            return None
        if not (obj.start_at and obj.end_at):  # the API shows them only with the affected components
            return "the page shows no start or end time"
        return printable(window(obj.start_at, obj.end_at))


def open_on(objects: Iterable[RemoteObject], tracked: Mapping[str, str], *, everything: bool) -> list[Open]:
    """The objects still open (all of them with ``everything``), incidents first, each with its folder."""
    chosen = [o for o in objects if everything or o.incident_status not in CLOSED]
    chosen.sort(key=lambda o: (o.kind != "incident", o.name.casefold(), o.id))
    return [Open(o, tracked.get(o.id)) for o in chosen]


def _open_json(item: Open, shown_folder: str | None) -> dict[str, Any]:
    obj = item.obj
    out: dict[str, Any] = {
        "kind": obj.kind,
        "id": obj.id,
        "name": obj.name,
        "status": obj.incident_status,
        "folder": shown_folder,
    }
    if obj.kind == "maintenance":
        out["start_at"], out["end_at"] = obj.start_at, obj.end_at
    return out


def active_json(per_page: Sequence[tuple[Page, Sequence[Open]]], show: Mapping[str, str]) -> dict[str, Any]:
    """``show`` maps a tracked folder (identity path) to how the user sees it."""
    return {
        "version": JSON_FORMAT_VERSION,
        "pages": [
            {
                "id": p.id,
                "name": p.name,
                "open": [_open_json(i, show.get(i.folder) if i.folder else None) for i in items],
            }
            for p, items in per_page
        ],
    }


def active_text(per_page: Sequence[tuple[Page, Sequence[Open]]], show: Mapping[str, str]) -> str:
    lines: list[str] = []
    for page, items in per_page:
        lines.append(label(page.name, page.id))
        if not items:
            lines.append("  nothing open")
        for i in items:
            obj = i.obj
            where = show.get(i.folder, i.folder) if i.folder else "no folder tracks it"
            status = printable(obj.incident_status or "?")
            lines.append(f"  {obj.kind:<11}  {printable(obj.id)}  {status}  {printable(obj.name)}")
            if i.schedule:
                lines.append(f"    {'':<11}{i.schedule}")
            lines.append(f"    {'':<11}{where}")
    return "\n".join(lines) + "\n" if lines else "The account has no status pages.\n"


PAGES_VIEWS = views.listing(pages_text, pages_json)
COMPONENTS_VIEWS = views.listing(components_text, components_json)
ACTIVE_VIEWS = views.listing(active_text, active_json)
