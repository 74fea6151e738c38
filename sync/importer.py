"""Pure: what ``import`` writes and what ``drift`` reports, from the page, the statusfiles and the ledger.

Nothing here reads files, the network or the clock. For every incident or maintenance window read
from the page it decides which of its updates git lacks and the statusfiles that record them: a
whole folder (its declaration and one file per later update) for an object no folder tracks, the
next files of its folder for one that a folder does. An update that matches a statusfile not yet
published (in any folder) is left to ``sync``, which adopts it; it is reported, never imported twice. So
is one that matches a post of statusfiles' own whose outcome the ledger does not know: it landed late.

The statusfiles are the record of what an import wrote: one that stopped between writing a file and
recording it (killed, the disk full) left a file the ledger does not know, holding exactly what import
writes for that object or update. The next import records that file instead of writing a second copy.
"""

from __future__ import annotations

import posixpath
from collections.abc import Container, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sync import kinds
from sync.diagnostics import md_code, printable
from sync.ledger import LedgerState
from sync.listing import CLOSED, tracking
from sync.naming import message_text, numbered, numbering, slugify
from sync.planner import OBJECT_WORDS, in_root
from sync.remote import RemoteObject, RemoteUpdate, chronological, first_update, matches
from sync.snapshot import Snapshot
from sync.statusfile import Statusfile, natural_key
from sync.timefmt import instant, order, rfc3339, utc


@dataclass(frozen=True, slots=True)
class NewFile:
    """One statusfile to write, and the ledger record that says it was found on the page."""

    rel: str  # under the statusfiles directory
    payload: dict[str, Any]
    placement: kinds.Placement
    remote: RemoteUpdate  # the update it records (for a declaration: the object's first update)
    written: Statusfile | None = None  # already on disk, as an earlier import wrote it: record, not write

    @property
    def declares(self) -> bool:
        return self.placement.declares


@dataclass(frozen=True, slots=True)
class Adoptable:
    """An update on the page matching a statusfile git has not published: sync records it, never posts it."""

    file: Statusfile
    remote: RemoteUpdate


@dataclass(frozen=True, slots=True)
class ObjectImport:
    obj: RemoteObject
    folder: str  # the folder (under the statusfiles directory) that tracks it, or will
    fresh: bool  # no folder tracked it: its declaration is among the files (written, or to record)
    files: tuple[NewFile, ...]
    adoptable: tuple[Adoptable, ...] = ()
    problem: str | None = None  # why nothing can be imported for it

    @property
    def kind(self) -> kinds.ObjectKind:
        return self.obj.kind


def _components(update: RemoteUpdate, status: str | None) -> list[dict[str, str]]:
    """The components the update shows; none with a final status, which sets every one operational."""
    if status in CLOSED:
        return []
    return [{"component_id": c, "component_status": s} for c, s in update.components.items()]


def update_payload(obj: RemoteObject, update: RemoteUpdate, declared: bool) -> dict[str, Any]:
    """The statusfile of one update: the status and components it shows. Subscribers are never emailed
    again by an import, and the page does not say whether they were: ``notify_subscribers: false``."""
    payload: dict[str, Any] = {} if declared else {"status_page_incident_id": obj.id}
    status = update.incident_status
    if status:
        payload["maintenance_status" if obj.kind == "maintenance" else "incident_status"] = status
    if components := _components(update, status):
        payload["component_statuses"] = components
    payload["notify_subscribers"] = False
    payload["message"] = message_text(update.message)
    return payload


def missing_times(obj: RemoteObject) -> str | None:
    """Why no ``maintenance.yaml`` can describe ``obj``, if so: the file needs ``start_at`` and ``end_at``,
    and the API shows a window's times only in its components' maintenance periods, so a window without
    affected components has none (and a period may have no end)."""
    if obj.kind != "maintenance":
        return None
    missing = [which for which, at in (("start", obj.start_at), ("end", obj.end_at)) if not at]
    if not missing:
        return None
    return (
        f"the page shows no {' or '.join(missing)} time (the API gives a maintenance window's times only "
        "with its affected components), and maintenance.yaml needs both"
    )


def _undated(first: RemoteUpdate) -> str:
    """Why an object cannot become a folder when its first update's time is not one: the folder is named by
    that day, and text that is no time (a path, even) names no folder."""
    return (
        f"its first update's published_at {first.published_at!r} is not a time, and its folder is named by "
        "its day"
    )


def _gone(folder: str) -> str:
    """Why nothing is written for an object the ledger tracks in a folder the statusfiles directory lacks:
    a new file there would recreate a folder git dropped, or land wherever the ledger's path points."""
    return (
        f"the ledger tracks it in {folder}/, which the statusfiles directory does not have: restore the "
        "folder (or run sync to record its new name) and import again"
    )


def declaration_payload(obj: RemoteObject, first: RemoteUpdate) -> dict[str, Any] | None:
    """``incident.yaml`` / ``maintenance.yaml`` for an object created elsewhere (None: a window without
    times, which no declaration can describe: ``missing_times`` says why)."""
    payload: dict[str, Any] = {"status_page_id": obj.status_page_id, "name": obj.name}
    if obj.kind == "maintenance":
        if not obj.start_at or not obj.end_at:
            return None
        payload["maintenance_status"] = first.incident_status or "maintenance_scheduled"
        payload["start_at"], payload["end_at"] = obj.start_at, obj.end_at
        if obj.automate:
            payload["automate_maintenance_status"] = True
        payload["affected_component_ids"] = list(obj.component_ids)
    else:
        payload["incident_status"] = first.incident_status or "investigating"
        if components := _components(first, first.incident_status):
            payload["component_statuses"] = components
    payload["notify_subscribers"] = False
    payload["message"] = message_text(first.message)
    return payload


@dataclass(slots=True)
class Tree:
    """What git holds, as import needs it: the files, the ledger and which folder tracks what."""

    files: Sequence[Statusfile]
    ledger: LedgerState
    tracked: dict[str, str] = field(default_factory=dict)  # object ID -> folder
    names: dict[str, list[str]] = field(default_factory=dict)  # folder -> file names in it
    declared: set[str] = field(default_factory=set)  # folders holding a declaration

    @classmethod
    def of(cls, files: Sequence[Statusfile], ledger: LedgerState, folders: Mapping[str, list[str]]) -> Tree:
        """``folders``: every folder under the statusfiles directory and the file names in it (a name
        taken by a file that does not load still counts)."""
        names = {k: list(v) for k, v in folders.items()}
        for f in files:
            names.setdefault(kinds.folder_of(f.rel), []).append(posixpath.basename(f.rel))
        declared = {kinds.folder_of(f.rel) for f in files if f.placement.declares}
        return cls(files, ledger, tracking(files, ledger), names, declared)


def _folder_base(obj: RemoteObject, first: RemoteUpdate) -> str:
    """``<date>-<slug>`` as ``new`` names a folder, dated by the object's first update."""
    return f"{first.published_at[:10]}-{slugify(obj.name) or obj.kind}"


def _new_folder(
    obj: RemoteObject, first: RemoteUpdate, names: Mapping[str, Container[str]], tried: dict[str, int]
) -> str:
    """The object's folder name (:func:`_folder_base`, then ``-2``, ``-3``...): never one in use, by a
    folder or by a file beside the folders (``names``: folder -> its file names).

    ``tried``: where the search for each base ended last, to go on from (names are only ever taken), so
    that thousands of objects of one name and day are each named at once.
    """
    base = _folder_base(obj, first)
    beside = names.get("", ())
    n = tried.get(base, 1)
    folder = base if n == 1 else f"{base}-{n}"
    while folder in names or folder in beside:
        n += 1
        folder = f"{base}-{n}"
    tried[base] = n
    return folder


def _left_behind(ordered: Sequence[Statusfile], ledger: LedgerState) -> dict[str, list[Statusfile]]:
    """Folder -> its statusfiles (of ``ordered``, in publish order) the ledger has no record of at all:
    among them, any an import wrote and did not live to record."""
    entries, objects = ledger.entries, ledger.objects
    out: dict[str, list[Statusfile]] = {}
    for f in ordered:
        if f.rel not in entries and f.rel not in objects:
            out.setdefault(kinds.folder_of(f.rel), []).append(f)
    return out


def _written_declaration(
    obj: RemoteObject,
    first: RemoteUpdate,
    payload: dict[str, Any],
    left: Mapping[str, list[Statusfile]],
    tree: Tree,
) -> Statusfile | None:
    """An unrecorded declaration holding exactly ``payload``, in a folder import names for this object and
    that tracks nothing: what an import wrote for it before it stopped. Another object has another payload,
    or, with the same name and first update, another day in its folder's name (same-day twins are alike)."""
    base = _folder_base(obj, first)
    for folder, files in left.items():
        n = folder.removeprefix(f"{base}-")
        if folder != base and (n == folder or not (n.isascii() and n.isdigit())):  # not _new_folder's
            continue
        for f in files:
            same = f.placement.declares and f.kind == obj.kind and f.payload == payload
            if same and folder not in tree.tracked.values():
                return f
    return None


def _unpublished(f: Statusfile, ledger: LedgerState) -> bool:
    entry = ledger.entries.get(f.rel)
    return entry is None or not entry.posted


def _unpublished_by_object(ordered: Sequence[Statusfile], ledger: LedgerState) -> dict[str, list[Statusfile]]:
    """Object ID -> the updates of ``ordered`` (in publish order) not published yet that go to it (by the
    ID they name, or their declaration's object), whatever folder they are in."""
    out: dict[str, list[Statusfile]] = {}
    for f in ordered:
        if f.placement.declares or not _unpublished(f, ledger):
            continue
        if f.declaration is not None:
            created = ledger.objects.get(f.declaration)
            target = created.id if created is not None else None
        else:
            target = f.payload.get("status_page_incident_id") or f.payload.get("status_page_maintenance_id")
        if isinstance(target, str):
            out.setdefault(target, []).append(f)
    return out


def plan_import(objects: Sequence[RemoteObject], tree: Tree) -> list[ObjectImport]:
    """For each object, the statusfiles that record what git lacks of it (in publish order).

    Updates git already has are those the ledger holds (by update ID) and the declaration's own first
    one; an incident created elsewhere keeps its first update on the page only (it was not a statusfile
    update). Of the rest, each that matches a statusfile the ledger has not published, or a post whose
    outcome the ledger does not know, is left to sync.
    """
    claimed = tree.ledger.claimed_update_ids()
    ordered = sorted(tree.files, key=lambda f: natural_key(f.rel))  # publish order, for both
    unpublished = _unpublished_by_object(ordered, tree.ledger)
    left = _left_behind(ordered, tree.ledger)
    unsettled = sorted((e for e in tree.ledger.unsettled() if e.payload), key=lambda e: e.line)
    once: dict[str, RemoteObject] = {}  # an object read twice (listed on two pages) is imported once
    for o in objects:
        once.setdefault(o.id, o)
    numbers: dict[str, tuple[int, int]] = {}  # folder -> the width and highest number of its names
    tried: dict[str, int] = {}  # a new folder's name -> the suffix its search ended at
    out: list[ObjectImport] = []
    for obj in sorted(
        once.values(), key=lambda o: (order(f.published_at if (f := first_update(o)) else ""), o.id)
    ):
        first = first_update(obj)
        if first is None:
            continue
        folder = tree.tracked.get(obj.id)
        fresh = folder is None
        if fresh and rfc3339(first.published_at) is None:
            out.append(ObjectImport(obj, "", True, (), problem=_undated(first)))
            continue
        gone = None
        if (
            folder is not None and folder not in tree.names
        ):  # the ledger's: renamed or deleted since, or hostile
            gone = _gone(folder)
            tree.names[folder] = []  # its updates are still listed (drift shows them); none is written
        declared = fresh or folder in tree.declared
        declaration = declaration_payload(obj, first) if fresh else None
        written = _written_declaration(obj, first, declaration, left, tree) if declaration else None
        if written is not None:
            folder = kinds.folder_of(written.rel)
            tree.tracked[obj.id] = folder
        elif folder is None:
            folder = _new_folder(obj, first, tree.names, tried)
            tree.names[folder] = []
            tree.tracked[obj.id] = folder
        kind: kinds.Kind = "maintenance-update" if obj.kind == "maintenance" else "incident-update"
        declaration_file = kinds.MAINTENANCE_FILE if obj.kind == "maintenance" else kinds.INCIDENT_FILE
        declaration_rel = written.rel if written is not None else f"{folder}/{declaration_file}"
        placement = kinds.Placement(kind, declaration_rel) if declared else kinds.ELSEWHERE
        files: list[NewFile] = []
        if fresh:
            if declaration is None:
                out.append(ObjectImport(obj, folder, True, (), problem=missing_times(obj)))
                del tree.tracked[obj.id]
                continue
            declaring = kinds.Placement(obj.kind, declaration_rel)
            files.append(NewFile(declaration_rel, declaration, declaring, first, written))
            if written is None:
                tree.names[folder].append(declaration_file)
        # Statusfiles of this object that are not published yet, in any folder: an update matching one is
        # sync's to adopt.
        pending = list(unpublished.get(obj.id, ()))
        # statusfiles' own posts whose outcome it lost (their files may since be renamed or gone): once one
        # lands it is sync's to record, never an update posted elsewhere.
        pending_paths = {f.rel for f in pending}
        own = [e for e in unsettled if e.incident == obj.id]
        lost = [e for e in own if e.path not in pending_paths]
        adoptable: list[Adoptable] = []
        # Files in its folder the ledger does not know, one of which may be this update's, as written
        # by an import that stopped before recording it (the k-th copy of a payload for the k-th update).
        unrecorded = [f for f in left.get(folder, ()) if not f.placement.declares]
        for update in chronological(obj.updates):
            if update.id in claimed or update.id == first.id:
                continue
            payload = update_payload(obj, update, declared)
            # Never one that may be a post of statusfiles' own: sync settles it, which a claim would stop.
            maybe_own = any(e.payload and matches(e.payload, update) for e in own)
            done = None if maybe_own else next((f for f in unrecorded if f.payload == payload), None)
            if done is not None:
                unrecorded.remove(done)
                if done in pending:
                    pending.remove(done)
                files.append(NewFile(done.rel, payload, placement, update, done))
                continue
            hit = next((f for f in pending if matches(f.payload, update)), None)
            if hit is not None:
                pending.remove(hit)
                adoptable.append(Adoptable(hit, update))
                continue
            ours = next((e for e in lost if e.payload and matches(e.payload, update)), None)
            if ours is not None:
                lost.remove(ours)
                continue
            if folder not in numbers:  # counted once, then counted on: a page may show thousands of updates
                numbers[folder] = numbering(tree.names[folder])
            width, last = numbers[folder]
            name = numbered(width, last, update.incident_status)
            numbers[folder] = (max(width, len(str(last + 1))), last + 1)
            tree.names[folder].append(name)
            files.append(NewFile(f"{folder}/{name}", payload, placement, update))
        out.append(ObjectImport(obj, folder, fresh, tuple(files), tuple(adoptable), problem=gone))
    return out


def _day(published_at: str) -> str:
    """The UTC date of a time on the page, as ``--since`` takes it (YYYY-MM-DD)."""
    at = utc(published_at)
    return at.date().isoformat() if at is not None else published_at[:10]


def selected(
    objects: Iterable[RemoteObject],
    *,
    ids: Sequence[str] = (),
    open_only: bool = False,
    since: str | None = None,
) -> list[RemoteObject]:
    """The objects asked for: by ID, every open one, or every one with an update on or after ``since``."""
    out = []
    for o in objects:
        recent = since is not None and any(_day(u.published_at) >= since for u in o.updates)
        if o.id in ids or (open_only and o.incident_status not in CLOSED) or recent:
            out.append(o)
    return out


# --- drift ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Drift:
    """One way the page and git differ."""

    kind: str  # object-missing, update-missing, will-be-adopted, renamed, rescheduled, component-gone
    name: str  # the object's (or component's) name
    folder: str | None  # the folder that tracks it, if one does
    detail: str
    id: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "name": self.name,
            "folder": self.folder,
            "id": self.id,
            "detail": self.detail,
        }


def _unrecorded(f: Statusfile) -> str:
    return f"{f.rel} holds it, and the ledger does not: `statusfiles import` records it"


def _preview(message: str, width: int = 60) -> str:
    text = " ".join(message.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _same_time(a: Any, b: Any) -> bool:
    return a == b or (
        isinstance(a, str) and isinstance(b, str) and instant(a) is not None and instant(a) == instant(b)
    )


def drift(
    objects: Sequence[RemoteObject],
    tree: Tree,
    snapshot: Snapshot | None,
    structures: Mapping[str, Sequence[str] | None],
    *,
    everything: bool = False,
) -> list[Drift]:
    """How the page differs from git. ``objects``: every object on the pages read; ``structures``: each
    snapshot page's component IDs as the page has them now (None: the page is gone). An object no
    folder tracks counts when it is open (every one with ``everything``)."""
    tracked_before = dict(tree.tracked)
    out: list[Drift] = []
    chosen = [o for o in objects if o.id in tracked_before or everything or o.incident_status not in CLOSED]
    for imp in plan_import(chosen, tree):
        obj, what = imp.obj, OBJECT_WORDS[imp.obj.kind]
        folder = None if imp.fresh else imp.folder
        if imp.fresh:
            count = max(len(obj.updates) - 1, 0)
            written = imp.files[0].written if imp.files else None
            out.append(
                Drift(
                    "object-missing",
                    obj.name,
                    None,
                    f"{what} {obj.id} ({obj.incident_status}) with "
                    f"{count} later update(s) is on the page and no folder tracks it"
                    + (f" ({_unrecorded(written)})" if written is not None else ""),
                    obj.id,
                )
            )
            continue
        for f in imp.files:
            u = f.remote
            where = _unrecorded(f.written) if f.written is not None else "not in git"
            out.append(
                Drift(
                    "update-missing",
                    obj.name,
                    folder,
                    f"update {u.id} ({u.published_at}, "
                    f"{u.incident_status or 'status unchanged'}) is on the page and {where}: "
                    f"{_preview(u.message)!r}",
                    obj.id,
                )
            )
        for a in imp.adoptable:
            out.append(
                Drift(
                    "will-be-adopted",
                    obj.name,
                    folder,
                    f"{a.file.rel} matches update {a.remote.id}, "
                    "posted elsewhere and never by statusfiles: sync will record it, not post it",
                    obj.id,
                )
            )
    by_id = {o.id: o for o in reversed(objects)}  # an ID listed twice: its first
    for entry in tree.ledger.objects.values():
        shown = by_id.get(entry.id) if entry.id is not None else None
        if shown is None or not entry.created:
            continue
        folder = posixpath.dirname(entry.path)
        if shown.name != entry.payload.get("name"):
            out.append(
                Drift(
                    "renamed",
                    shown.name,
                    folder,
                    f"named {shown.name!r} on the page, {entry.payload.get('name')!r} in git",
                    shown.id,
                )
            )
        if shown.kind == "maintenance":
            for key in ("start_at", "end_at"):
                page, git = getattr(shown, key), entry.payload.get(key)
                if page and not _same_time(page, git):
                    out.append(
                        Drift(
                            "rescheduled",
                            shown.name,
                            folder,
                            f"{key} is {page} on the page, {git} in git",
                            shown.id,
                        )
                    )
    if snapshot is not None:
        for page in snapshot.pages:
            live = structures.get(page.id, ())
            if page.id not in structures:
                continue
            for c in snapshot.components_of(page.id):
                if live is None or c.id not in live:
                    out.append(
                        Drift(
                            "component-gone",
                            c.name,
                            None,
                            f"component {c.id} of {page.name} is in the "
                            "snapshot and no longer on the page (run `statusfiles pull`)",
                            c.id,
                        )
                    )
    return out


def drift_text(items: Sequence[Drift], root: str) -> str:
    if not items:
        return "No drift: git holds everything the page shows.\n"
    lines = []
    for d in items:
        where = printable(in_root(root, f"{d.folder}/")) if d.folder else "no folder"  # maybe the ledger's
        # Both quote the page: escaped, neither starts a line (a workflow command) or drives a terminal
        lines.append(f"{d.kind:<16}  {printable(d.name)}  [{where}]\n{'':<18}{printable(d.detail)}")
    return "\n".join(lines) + f"\n\nDrift: {len(items)} difference(s) between the page and git.\n"


def _cell(text: str) -> str:
    return printable(text).replace("|", "¦")  # a | would end the cell, a line break the table


def drift_markdown(items: Sequence[Drift], root: str) -> str:
    lines = ["### statusfiles drift", ""]
    if not items:
        return "\n".join([*lines, "No drift: git holds everything the page shows."]) + "\n"
    lines += [
        f"**{len(items)} difference(s) between the page and git.**",
        "",
        "| kind | name | folder | detail |",
        "| --- | --- | --- | --- |",
    ]
    for d in items:
        folder = _cell(md_code(f"{in_root(root, d.folder)}/")) if d.folder else ""
        lines.append(f"| {d.kind} | {_cell(d.name)} | {folder} | {_cell(d.detail)} |")
    return "\n".join(lines) + "\n"
