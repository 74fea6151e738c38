"""Page and component IDs checked against the snapshot, offline, with "did you mean" by name.

With ``statusfiles/snapshot.json`` present (written by ``statusfiles pull``), every
``status_page_id``, ``component_statuses[].component_id`` and ``affected_component_ids[]`` must
name something in it, and a component must be on the page its file posts to. The page is known
for ``incident.yaml`` and ``maintenance.yaml`` (their ``status_page_id``) and for the updates beside
them (their declaration's); an update to an incident created elsewhere names only the incident,
so its components are checked to exist on some page. Without a snapshot nothing is checked.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Generic, TypeVar

from sync import snapshot as snapshots
from sync.diagnostics import Diagnostic, StatusfileError, did_you_mean
from sync.snapshot import Component, Page, Snapshot
from sync.statusfile import LoadResult, Statusfile, natural_key

if TYPE_CHECKING:
    from sync.planner import Plan
    from sync.remote import RemoteObject

UNKNOWN_PAGE = "unknown-page"
UNKNOWN_COMPONENT = "unknown-component"
OTHER_PAGE = "component-of-another-page"

Field = tuple[str | int, ...]
T = TypeVar("T", Page, Component)


def apply(result: LoadResult, directory: Path) -> Snapshot | None:
    """Check ``result``'s files against the snapshot in ``directory`` (read once); the snapshot, if any.

    A file with an error moves from ``result.files`` to the failed ones, as a schema error would;
    a snapshot that cannot be read is itself an error diagnostic.
    """
    try:
        snap = snapshots.read(directory)
    except StatusfileError as exc:
        result.diagnostics.extend(exc.diagnostics)
        return None
    if snap is None:
        return None
    problems = check(result.files, snap, snapshots.display(directory))
    if problems:
        bad = {d.file for d in problems if d.is_error}
        result.failed += len(bad)
        result.files = [f for f in result.files if f.display not in bad]
        result.diagnostics.extend(problems)
        # Files in the order load_all reports them (2-x.yaml before 10-x.yaml), each file's lines in order.
        result.diagnostics.sort(key=lambda d: (natural_key(d.file), *d.sort_key()[1:]))
    return snap


def check(files: Sequence[Statusfile], snap: Snapshot, where: str) -> list[Diagnostic]:
    """Every ID in ``files`` that the snapshot (shown as ``where``) does not have, or has on another page."""
    by_rel = {f.rel: f for f in files}
    out: list[Diagnostic] = []
    pages: _Suggester[Page] = _Suggester()
    components: _Suggester[Component] = _Suggester()
    for f in files:
        page_id = _page_of(f, by_rel)
        if "status_page_id" in f.payload and snap.page(page_id or "") is None:
            out.append(_unknown_page(f, snap, where, pages))
            page_id = None  # its components can only be checked to exist
        elif page_id is not None and snap.page(page_id) is None:
            page_id = None  # the declaration's own page is reported on the declaration
        for field, value in snapshots.component_fields(f.payload):
            out.extend(_component(f, field, value, page_id, snap, where, components))
    return out


def _page_of(f: Statusfile, by_rel: dict[str, Statusfile]) -> str | None:
    """The page ``f`` posts to, when the files say so: its own status_page_id, else its declaration's."""
    own = f.payload.get("status_page_id")
    if own is not None:
        return str(own)
    declaration = by_rel.get(f.declaration) if f.declaration else None
    if declaration is not None and declaration is not f:
        found = declaration.payload.get("status_page_id")
        return str(found) if found is not None else None
    return None


def _unknown_page(f: Statusfile, snap: Snapshot, where: str, suggest: _Suggester[Page]) -> Diagnostic:
    value = str(f.payload["status_page_id"])
    guess = suggest(value, "", snap.pages)
    message = f"status page {value!r} is not in {where}"
    if guess is not None:
        message += f"; did you mean {guess.name} ({guess.id})?"
    else:
        message += f"; its pages: {', '.join(f'{p.name} ({p.id})' for p in snap.pages) or 'none'}" + _STALE
    return f.diagnostic(("status_page_id",), message, UNKNOWN_PAGE)


_STALE = " (`statusfiles pull` refreshes the snapshot if it is older than the page)"


def _component(
    f: Statusfile,
    field: Field,
    value: str,
    page_id: str | None,
    snap: Snapshot,
    where: str,
    suggest: _Suggester[Component],
) -> list[Diagnostic]:
    found = snap.component(value)
    if found is not None and (page_id is None or found.page_id == page_id):
        return []
    candidates = snap.components_of(page_id) if page_id is not None else list(snap.components)
    suggestion = suggest(value if found is None else found.name, page_id or "", candidates)
    page = f" on {snap.page_name(page_id)} ({page_id})" if page_id is not None else ""
    if found is None:
        message = f"component {value!r} is not{page or ' on any page'} in {where}"
        rule = UNKNOWN_COMPONENT
    else:
        shown = f"{found.name} ({found.id})"
        message = f"component {shown} is on {snap.page_name(found.page_id)}, not{page}"
        rule = OTHER_PAGE
    if suggestion is not None:
        message += f"; did you mean {suggestion.name} ({suggestion.id})?"
    elif found is None:
        message += _STALE
    return [f.diagnostic(field, message, rule)]


# A suggestion compares the value with every candidate's ID and name (tens of milliseconds against a
# thousand components): each value is looked up once per set of candidates, and only so many values are,
# so that thousands of unknown IDs are reported in a moment, the first of them with a suggestion.
MAX_SUGGESTED = 20


class _Suggester(Generic[T]):
    """:func:`_suggest` for one run's diagnostics: once per value and set of candidates (``scope``: the
    page they are on), and for at most MAX_SUGGESTED values; None for the rest."""

    def __init__(self) -> None:
        self._made: dict[tuple[str, str], T | None] = {}

    def __call__(self, value: str, scope: str, candidates: Sequence[T]) -> T | None:
        key = (value, scope)
        if key not in self._made:
            if len(self._made) >= MAX_SUGGESTED:
                return None
            self._made[key] = _suggest(value, candidates)
        return self._made[key]


def _suggest(value: str, candidates: Sequence[T]) -> T | None:
    """The candidate ``value`` most likely meant: its ID mistyped, or its name written instead of its ID."""
    options: dict[str, T] = {}
    for c in candidates:  # did_you_mean compares in lower case
        options.setdefault(c.id.lower(), c)
        options.setdefault(c.name.lower(), c)
    guess = did_you_mean(value, list(options))
    return options[guess] if guess is not None else None


# --- against the live page, in the sync job --------------------------------------------------

LIVE_RULE = "component-not-on-page"


def _posting(plan: Plan, remote: Mapping[str, RemoteObject | None]) -> list[tuple[Statusfile, str]]:
    """Each file the plan will POST that names a component, with the page it posts to (when known)."""
    out: list[tuple[Statusfile, str]] = []
    for obj in plan.incidents:
        d = obj.declared
        found = remote.get(obj.incident_id) if obj.incident_id else None
        page = (
            str(d.file.payload.get("status_page_id", ""))
            if d is not None
            else found.status_page_id
            if found
            else ""
        )
        files = ([d.file] if d is not None and d.action == "create" else []) + [p.file for p in obj.creates]
        out += [(f, page) for f in files if page and snapshots.component_fields(f.payload)]
    return out


def pages_to_read(plan: Plan, remote: Mapping[str, RemoteObject | None]) -> set[str]:
    """The pages whose structure sync reads before posting: those a posted file names a component of."""
    return {page for _, page in _posting(plan, remote)}


def check_live(
    plan: Plan,
    remote: Mapping[str, RemoteObject | None],
    structures: Mapping[str, Sequence[Component] | None],
    names: Snapshot | None = None,
) -> list[Diagnostic]:
    """Every component a file would post that its live page (``structures``, None: no such page) lacks."""
    out: list[Diagnostic] = []
    suggest: _Suggester[Component] = _Suggester()
    for f, page in _posting(plan, remote):
        live = structures.get(page, ())
        if live is None:
            if "status_page_id" in f.payload:
                message = f"status page {page!r} does not exist (the API answered 404); nothing was posted"
                out.append(f.diagnostic(("status_page_id",), message, UNKNOWN_PAGE))
            continue
        have = {c.id for c in live}
        for field, value in snapshots.component_fields(f.payload):
            if value in have:
                continue
            shown = snapshots.page_label(names, page)
            message = f"component {value!r} is not on the live status page {shown}; nothing was posted"
            known = names.component(value) if names else None  # then its name is the better guide
            if (guess := suggest(known.name if known else value, page, live)) is not None:
                message += f"; did you mean {guess.name} ({guess.id})?"
            out.append(f.diagnostic(field, message, LIVE_RULE))
    return out
