"""The plan: a pure function of (statusfiles, ledger, optionally the status page) -> what sync will do.

Nothing here reads files, the network or the clock (the caller says what time it is). ``plan``
decides, for every statusfile, whether it is new (create), already posted (unchanged), renamed
(moved), already on the page though the ledger does not know it yet (adopt), or
a mistake that must stop the publish (an error), and puts the new ones of each
incident in publish order.

A declaration (``incident.yaml``, ``maintenance.yaml``) is an object of its own:
it is created (or, after a lost ledger, found on the page and adopted), renamed
or rescheduled (a PUT) when its mutable fields change, and its folder's updates
come after it, waiting for its ID.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import operator
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from sync import kinds, timefmt
from sync.diagnostics import Diagnostic, Severity, printable
from sync.ledger import Entry, LedgerState, ObjectEntry
from sync.remote import (
    MAX_UPDATES,
    RemoteObject,
    RemoteUpdate,
    chronological,
    first_update,
    matches,
    normalise_message,
)
from sync.statusfile import NaturalKey, Statusfile, natural_key

Action = Literal["create", "adopt"]
DeclaredAction = Literal["create", "adopt", "put", "move"]
WARN = Severity.WARNING
# What a PUT can change; any other edit of a published declaration is an error.
MUTABLE: dict[str, tuple[str, ...]] = {"incident": ("name",), "maintenance": ("name", "start_at", "end_at")}
FINAL_STATUSES = ("resolved", "maintenance_complete")
OBJECT_WORDS = {"incident": "incident", "maintenance": "maintenance window"}
# Seconds an update POST whose outcome is unknown (a timeout, a lost response, a crash) may still be being
# applied by the API. The API takes no idempotency key for updates, so until then a page that does not show
# the update does not prove it was never posted: posting it again could post it twice.
SETTLE_AFTER = 120.0
SETTLE_HINT = f"--settle-after, {SETTLE_AFTER:g} s by default"  # in the advice of every unknown outcome


def status_of(payload: Mapping[str, Any]) -> str | None:
    """The incident or maintenance status an update (or a create) sets."""
    return payload.get("incident_status") or payload.get("maintenance_status")


@dataclass(frozen=True, slots=True)
class Planned:
    """One statusfile to publish (create) or to record as already published (adopt)."""

    file: Statusfile
    action: Action = "create"
    unsettled: bool = False  # an earlier sync recorded an intent but no outcome
    remote: RemoteUpdate | None = None  # the update found on the page, for adopt
    hold_until: datetime | None = None  # unsettled too recently to post again before then (SETTLE_AFTER)
    held_by: str | None = None  # the held earlier post, when it is another file's (renamed or deleted since)

    @property
    def found_elsewhere(self) -> bool:
        """An adoption of an update statusfiles never posted (no intent in the ledger): posted elsewhere
        with this file's content. The file is recorded and will never be posted."""
        return self.action == "adopt" and not self.unsettled

    @property
    def adoption(self) -> str:
        """Who put an adopted update on the page, in words for the plan and the report."""
        if self.found_elsewhere:
            return "found on the page with no intent in the ledger (posted elsewhere, or the ledger lost it)"
        return "posted by statusfiles (its intent is in the ledger)"


@dataclass(frozen=True, slots=True)
class Move:
    """A posted statusfile renamed with the same payload: recorded, never posted again."""

    file: Statusfile
    entry: Entry  # entry.path is the old path


@dataclass(frozen=True, slots=True)
class Settlement:
    """An unsettled ledger entry whose file is gone, found on the page: sync records it as posted."""

    entry: Entry
    remote: RemoteUpdate
    display: str  # entry.path as a statusfile's path is shown (its file may be gone)


@dataclass(frozen=True, slots=True)
class Declared:
    """What sync does with a declaration: create, adopt, PUT, record a renamed folder, or nothing."""

    file: Statusfile
    action: DeclaredAction | None  # None: created before and unchanged
    key: str  # the idempotency key of its create (the ledger's, once recorded)
    object_id: str | None = None  # known once created (the ledger) or found on the page
    unsettled: bool = False  # an earlier create's outcome is not known: the same key is sent again
    before: Mapping[str, Any] | None = None  # the declaration as last created or PUT
    remote: RemoteObject | None = None  # found on the page (adopt)

    @property
    def kind(self) -> kinds.ObjectKind:
        return "maintenance" if self.file.kind == "maintenance" else "incident"

    @property
    def changes(self) -> list[tuple[str, Any, Any]]:
        """(field, before, after) of what a PUT changes."""
        before = self.before or {}
        return [
            (k, before.get(k), self.file.payload.get(k))
            for k in MUTABLE[self.kind]
            if before.get(k) != self.file.payload.get(k)
        ]

    def put_body(self) -> dict[str, Any]:
        return {k: self.file.payload[k] for k in MUTABLE[self.kind]}


@dataclass(frozen=True, slots=True)
class IncidentPlan:
    """One object (an incident, or a maintenance window) and what sync does to it, in order."""

    incident_id: str  # the object's ID; "" until a declared object is created
    updates: tuple[Planned, ...]  # publish order
    posted: int  # updates already on the incident (the page's count when it was read)
    status_before: str | None
    components_before: Mapping[str, str]
    name: str | None = None
    declared: Declared | None = None  # the folder's declaration, for a declared object
    kind: kinds.ObjectKind = "incident"

    @property
    def creates(self) -> tuple[Planned, ...]:
        return tuple(p for p in self.updates if p.action == "create")

    @property
    def posts(self) -> bool:
        """Whether sync would post any update to this object (``creates``, without listing them)."""
        return any(p.action == "create" for p in self.updates)

    @property
    def writes(self) -> bool:
        """Whether sync would create, PUT or post anything for this object."""
        return self.posts or (self.declared is not None and self.declared.action in ("create", "put"))


ObjectPlan = IncidentPlan


@dataclass(frozen=True, slots=True)
class Plan:
    incidents: tuple[IncidentPlan, ...] = ()
    moves: tuple[Move, ...] = ()
    settlements: tuple[Settlement, ...] = ()
    deleted: tuple[Entry, ...] = ()
    unchanged: int = 0
    diagnostics: tuple[Diagnostic, ...] = ()
    remote_checked: bool = False

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.is_error]

    @property
    def creates(self) -> list[Planned]:
        return [p for inc in self.incidents for p in inc.updates if p.action == "create"]

    @property
    def adopts(self) -> list[Planned]:
        return [p for inc in self.incidents for p in inc.updates if p.action == "adopt"]

    @property
    def notifying(self) -> list[Planned]:
        return [p for p in self.creates if p.file.notify]

    def declared(self, *actions: DeclaredAction) -> list[Declared]:
        return [inc.declared for inc in self.incidents if inc.declared and inc.declared.action in actions]

    @property
    def has_changes(self) -> bool:
        """Whether sync would create, PUT or POST anything (moves, adoptions and deletions are not)."""
        return any(inc.posts for inc in self.incidents) or bool(self.declared("create", "put"))


def in_root(root: str, rel: str) -> str:
    """``rel``, a path in the statusfiles directory shown as ``root``, as a statusfile's own path is shown:
    without ``./`` when the directory is the working directory."""
    return rel if root in ("", ".") else f"{root}/{rel}"


@dataclass(slots=True)
class _Context:
    root: str  # the statusfiles directory as displayed
    ledger: str  # the ledger path as displayed
    diagnostics: list[Diagnostic] = field(default_factory=list)
    held: dict[str, datetime] = field(default_factory=dict)  # path -> when an unsettled post may be repeated
    # Object ID -> (until, path shown) of a held post whose file is gone: nothing is posted to it before then.
    held_gone: dict[str, tuple[datetime, str]] = field(default_factory=dict)
    moved_to: dict[str, str] = field(default_factory=dict)  # a published file's path -> its new one (moves)

    def at_file(self, f: Statusfile, path: tuple[str | int, ...], msg: str, rule: str, sev: Severity) -> None:
        self.diagnostics.append(f.diagnostic(path, msg, rule, severity=sev))

    def display(self, rel: str) -> str:
        return in_root(self.root, rel)

    def at_path(self, rel: str, msg: str, rule: str, sev: Severity) -> None:
        self.diagnostics.append(Diagnostic(self.display(rel), 0, 0, "", msg, rule, sev))

    def at_ledger(self, line: int, msg: str, rule: str, sev: Severity) -> None:
        self.diagnostics.append(Diagnostic(self.ledger, line, 1 if line else 0, "", msg, rule, sev))


def held_until(entry: Entry, now: datetime | None, settle_after: float) -> datetime | None:
    """When an unsettled entry missing from the page may be posted again; None: it may be now.

    ``settle_after`` seconds after its latest record (the intent, or the unknown outcome). Without a
    recorded time there is nothing to wait for; a time further ahead of ``now`` than that is a clock that
    was wrong, which must not hold the update for ever.
    """
    if now is None or settle_after <= 0:
        return None
    at = timefmt.utc(entry.at)  # None too for a time out of range once in UTC
    if at is None:
        return None
    if not -settle_after <= (now - at).total_seconds() < settle_after:
        return None  # settled long enough, or written by a clock far ahead
    try:
        return at + timedelta(seconds=settle_after)
    except OverflowError:  # a wait too long to count: held until the last time there is
        return datetime.max.replace(tzinfo=UTC)


def _settle(
    ledger: LedgerState,
    remote: Mapping[str, RemoteObject | None] | None,
    ctx: _Context,
    now: datetime | None,
    settle_after: float,
) -> tuple[dict[str, Entry], list[tuple[Entry, RemoteUpdate]], set[str]]:
    """The ledger as it will be once sync has read the page: unsettled entries found there count as
    posted; those not found count as never posted, unless their outcome became unknown too recently to
    tell (they stay unsettled, held in ``ctx``). Without the page, entries stay as they are."""
    claimed = ledger.claimed_update_ids()
    found: list[tuple[Entry, RemoteUpdate]] = []
    if remote is None:
        return ledger.entries, found, claimed
    # A declared object's first update is its create's own, never a lost update of its folder's.
    for object_id in ledger.claimed_object_ids():
        first = first_update(obj) if (obj := remote.get(object_id)) is not None else None
        if first is not None:
            claimed.add(first.id)
    view = dict(ledger.entries)  # the entries it settles are copies: the ledger stays untouched
    seq = max((e.seq for e in view.values()), default=0)
    # Oldest intent first, against the earliest unclaimed update: with the same payload posted more than
    # once, the k-th unsettled copy can only be the k-th such update not already claimed.
    for path, entry in sorted(
        ((path, e) for path, e in view.items() if e.unsettled), key=lambda kv: kv[1].line
    ):
        incident = remote.get(entry.incident)
        if incident is None:
            continue  # not read (or missing): the entry stays unsettled
        hit = next(
            (
                u
                for u in chronological(incident.updates)
                if u.id not in claimed and entry.payload and matches(entry.payload, u)
            ),
            None,
        )
        if hit is None:
            until = held_until(entry, now, settle_after)
            if until is None:
                del view[path]
            else:
                ctx.held[path] = until
            continue
        claimed.add(hit.id)
        seq += 1
        entry = view[path] = dataclasses.replace(
            entry, status="posted", update_id=hit.id, published_at=hit.published_at, seq=seq
        )
        found.append((entry, hit))
    return view, found, claimed


def _payload_diff(old: Mapping[str, Any] | None, new: Mapping[str, Any]) -> tuple[list[str], str]:
    old = old or {}
    fields = sorted(k for k in {*old, *new} if old.get(k) != new.get(k))
    before = json.dumps(old, indent=2, sort_keys=True, ensure_ascii=False).splitlines()
    after = json.dumps(new, indent=2, sort_keys=True, ensure_ascii=False).splitlines()
    diff = "\n".join(difflib.unified_diff(before, after, "published", "this file", lineterm="", n=1))
    return fields, diff


def _classify(
    files: Sequence[Statusfile],
    rels: Sequence[str],
    present: set[str],
    view: Mapping[str, Entry],
    posted: Sequence[Entry],
    ctx: _Context,
) -> tuple[list[tuple[Statusfile, bool]], list[Move], int]:
    """Split files (at ``rels``, all of them ``present``) into candidates (with their unsettled flag),
    moves and unchanged; ``posted``: the entries of ``view`` that are posted."""
    posted_by_sha: dict[str, list[Entry]] = {}
    for e in posted:
        posted_by_sha.setdefault(e.sha256, []).append(e)
    candidates: list[tuple[Statusfile, bool]] = []
    moves: list[Move] = []
    moved_from: set[str] = set()
    moved_by_sha: dict[str, Move] = {}
    unchanged = 0
    entry_at = view.get
    for f, rel in zip(files, rels, strict=True):  # most files are unchanged: the first test settles them
        entry = entry_at(rel)
        if entry is not None and entry.sha256 == f.sha256:
            if entry.posted:
                unchanged += 1
            else:
                candidates.append((f, entry.unsettled))
            continue
        if entry is not None and entry.posted:
            fields, diff = _payload_diff(entry.payload, f.payload)
            what = (
                f"{', '.join(fields)} {'differ' if len(fields) > 1 else 'differs'}"
                if fields
                else "it differs"
            )
            ctx.at_file(
                f,
                (fields[0],) if fields else (),
                f"changed after it was published (update {entry.update_id}, {entry.published_at}): {what}. "
                "A published update cannot be edited; restore this file and add a new statusfile instead."
                f"\n{diff}",
                "changed-after-publish",
                Severity.ERROR,
            )
            continue
        if entry is not None and entry.unsettled:  # an unsettled intent for other content at this path
            ctx.at_file(
                f,
                (),
                "an earlier sync may have published a different version of this file; it will be "
                "checked against the status page before anything is posted",
                "unsettled",
                WARN,
            )
        # A new file with the payload of a published file that is gone is that file renamed. Otherwise the
        # same payload again is a new update: repeating one ("We are continuing to monitor.") is normal.
        twins = posted_by_sha.get(f.sha256, [])
        gone = next((e for e in twins if e.path not in present and e.path not in moved_from), None)
        if gone is not None:
            moves.append(Move(f, gone))
            moved_from.add(gone.path)
            moved_by_sha.setdefault(f.sha256, moves[-1])
            continue
        if f.sha256 in moved_by_sha:  # a rename and a copy of one published file: which is which?
            move = moved_by_sha[f.sha256]
            ctx.at_file(
                f,
                ("message",),
                f"the same update as {ctx.display(move.entry.path)}, which was published and whose file is "
                f"gone; {move.file.display} is taken as that file renamed, so this one may be a new update "
                "or a copy. Commit the rename first and add this update afterwards (or change its message)",
                "duplicate-payload",
                Severity.ERROR,
            )
            continue
        candidates.append((f, False))
    return candidates, moves, unchanged


def advance(
    status: str | None, components: Mapping[str, str], payload: Mapping[str, Any]
) -> tuple[str | None, dict[str, str]]:
    """The status and component statuses after one update (resolving or completing sets all operational)."""
    return _step(status, dict(components), payload)


_COMPONENT_STATUS = operator.itemgetter("component_id", "component_status")


def _step(
    status: str | None, components: dict[str, str], payload: Mapping[str, Any]
) -> tuple[str | None, dict[str, str]]:
    """``advance`` changing ``components`` in place (a final status starts a new dict): no copy per update."""
    status = status_of(payload) or status
    if status in FINAL_STATUSES:
        components = dict.fromkeys(components, "operational")
    for c in payload.get("component_statuses") or ():
        components[c["component_id"]] = c["component_status"]
    return status, components


def _fold(payloads: Iterable[Mapping[str, Any] | None]) -> tuple[str | None, dict[str, str]]:
    """The incident status and component statuses after a sequence of updates."""
    status: str | None = None
    components: dict[str, str] = {}
    for p in payloads:
        if p:
            status, components = _step(status, components, p)
    return status, components


_SEQ = operator.attrgetter("seq")


def _incident(
    incident_id: str,
    candidates: list[tuple[Statusfile, bool]],
    posted: list[Entry],
    remote: RemoteObject | None,
    remote_checked: bool,  # the page was read for this incident: remote None means it does not exist
    claimed: set[str],
    ctx: _Context,
    declared: Declared | None = None,
) -> IncidentPlan:
    posted.sort(key=_SEQ)
    kind = declared.kind if declared else "incident"
    label = _label(declared) if declared else f"incident {incident_id}"
    if declared is not None:  # the create publishes the object's first update
        status, components = _fold([declared.file.payload, *(e.payload for e in posted)])
        count = len(posted) + 1
    else:
        status, components = _fold(e.payload for e in posted)
        count = len(posted)
    if remote is not None:
        count = max(count, len(remote.updates))
        status = remote.incident_status or status
        if remote.updates:
            latest = max(remote.updates, key=lambda u: timefmt.order(u.published_at))
            components = {**components, **latest.components}
    elif remote_checked:
        for f, _ in candidates:
            ctx.at_file(
                f,
                ("status_page_incident_id",),
                f"status page incident {incident_id} does not exist (404); check the ID. Nothing is "
                "published "
                "while any statusfile has an error",
                "incident-not-found",
                Severity.ERROR,
            )

    # In publish order, each file takes the earliest matching update nobody claims: the k-th file with a
    # payload is the k-th such update on the page, so a lost ledger re-posts nothing and skips nothing.
    unclaimed = [u for u in chronological(remote.updates if remote else ()) if u.id not in claimed]
    updates: list[Planned] = []
    for f, unsettled in candidates:
        hit = next((u for u in unclaimed if matches(f.payload, u)), None) if unclaimed else None
        if hit is not None:
            unclaimed.remove(hit)
            updates.append(Planned(f, "adopt", unsettled, hit))
        else:
            hold, held_by = ctx.held.get(f.rel), None
            gone = ctx.held_gone.get(incident_id)
            if gone is not None and (hold is None or gone[0] > hold):
                hold, held_by = gone
            updates.append(Planned(f, "create", unsettled, hold_until=hold, held_by=held_by))

    # An imported file is named after the page's updates, not posted in git's order: it never puts a
    # later file out of order.
    newest = next((e for e in reversed(posted) if not e.imported), None)
    running = status
    creates = 0
    for p in updates:
        f = p.file
        if p.action == "adopt":
            running = status_of(f.payload) or running
            continue
        creates += 1
        last = _order_path(newest, f, ctx) if newest is not None else None
        if last is not None and natural_key(f.rel) < natural_key(last):
            ctx.at_file(
                f,
                (),
                f"sorts before {ctx.display(last)}, the incident's most recently published update, but "
                "would be published after it; rename it to sort last",
                "out-of-order",
                Severity.ERROR,
            )
        if count + creates == MAX_UPDATES + 1:
            ctx.at_file(
                f,
                (),
                f"{label} would have more than {MAX_UPDATES} updates ({count} already, "
                f"{len(updates)} new); the API allows at most {MAX_UPDATES}",
                "too-many-updates",
                Severity.ERROR,
            )
        if running in FINAL_STATUSES:
            field_name = "maintenance_status" if kind == "maintenance" else "incident_status"
            ctx.at_file(
                f,
                (field_name,) if f.payload.get(field_name) else (),
                f"posts to {'a maintenance window' if kind == 'maintenance' else 'an incident'} that is "
                f"already {running.removeprefix('maintenance_')} by then; make sure it is meant to",
                "after-resolved",
                WARN,
            )
        if p.hold_until is not None:
            ctx.at_file(f, (), held_text(p.hold_until, label, p.held_by), "unsettled", WARN)
        elif p.unsettled:
            ctx.at_file(
                f,
                (),
                "an earlier sync recorded its intent to post this but not the outcome; sync will read "
                f"{label} back and post it only if it is not there",
                "unsettled",
                WARN,
            )
        if f.notify:
            ctx.at_file(
                f,
                ("notify_subscribers",),
                "publishing this update emails every subscriber",
                "notify-subscribers",
                WARN,
            )
        running = status_of(f.payload) or running
    name = remote.name if remote else (str(declared.file.payload.get("name")) if declared else None)
    return IncidentPlan(
        incident_id, tuple(updates), count, status, components, name, declared=declared, kind=kind
    )


def _order_path(latest: Entry, f: Statusfile, ctx: _Context) -> str:
    """The path ``f`` must sort after: where the latest published update was posted from, or where it is
    now when ``f`` is beside it (its folder renamed; a file moved elsewhere, to an archive, still counts
    where it was)."""
    now = ctx.moved_to.get(latest.path, latest.path)
    if now == latest.posted_path:  # never moved: the usual case, either way the same path
        return now
    return now if kinds.folder_of(now) == kinds.folder_of(f.rel) else latest.posted_path


def held_text(until: datetime, label: str, held_by: str | None = None) -> str:
    """Why a held update is not posted, and when it will be; ``held_by``: the earlier post that holds it
    back, when that is another file's."""
    when = timefmt.show_moment(until)
    if held_by is not None:
        shown = printable(held_by)  # a path from the ledger, which anyone can edit
        return (
            f"an earlier sync posted {shown} (its file renamed or deleted since) and did not learn the "
            f"outcome, and {label} does not show it yet; the API may still be applying that post, so sync "
            f"posts nothing more to {label} before {when}: a renamed copy would be posted twice, a later "
            "update land before it. Run sync again after that (or, once you have checked the page, "
            "sync --settle-after 0 now)"
        )
    return (
        f"an earlier sync posted this and did not learn the outcome, and {label} does not show it yet; "
        f"the API may still be applying that post, so sync will not post it again before {when}. Run sync "
        "again after that: it posts it then only if the page still does not show it (or, once you have "
        "checked the page, sync --settle-after 0 now)"
    )


def _label(d: Declared) -> str:
    what = OBJECT_WORDS[d.kind]
    return f'{what} "{d.file.payload.get("name")}"' + (f" ({d.object_id})" if d.object_id else "")


def _found_on_page(
    f: Statusfile, kind: str, listed: Mapping[str, Sequence[RemoteObject]], claimed: set[str]
) -> RemoteObject | None:
    """The object this declaration created, recognised on its page by name and first message (the API
    does not echo the idempotency key): an earlier sync created it and its ledger record is lost."""
    name, message = (
        str(f.payload.get("name", "")).strip(),
        normalise_message(str(f.payload.get("message", ""))),
    )
    for obj in listed.get(str(f.payload.get("status_page_id")), ()):
        if obj.kind != kind or obj.id in claimed or obj.name.strip() != name:
            continue
        first = first_update(obj)
        if first is not None and normalise_message(first.message) == message:
            return obj
    return None


def _same_object(kind: kinds.ObjectKind, before: Mapping[str, Any] | None, now: Mapping[str, Any]) -> bool:
    """Whether two declarations differ only in the fields a PUT may change."""
    if before is None:
        return False
    return {k: v for k, v in before.items() if k not in MUTABLE[kind]} == {
        k: v for k, v in now.items() if k not in MUTABLE[kind]
    }


def _declarations(
    files: Sequence[Statusfile],
    ledger: LedgerState,
    remote: Mapping[str, RemoteObject | None] | None,
    listed: Mapping[str, Sequence[RemoteObject]] | None,
    ctx: _Context,
) -> tuple[dict[str, Declared], list[ObjectEntry], int]:
    """Each declaration's action; the created objects whose declaration is gone; how many are unchanged."""
    out: dict[str, Declared] = {}
    unchanged = 0
    claimed = ledger.claimed_object_ids()
    present = {f.rel for f in files}
    gone = {o.sha256: o for o in ledger.objects.values() if o.created and o.path not in present}
    for f in files:
        kind: kinds.ObjectKind = "maintenance" if f.kind == "maintenance" else "incident"
        what = OBJECT_WORDS[kind]
        entry = ledger.objects.get(f.rel)
        if entry is not None and entry.created:
            assert entry.id is not None
            if remote is not None and entry.id in remote and remote[entry.id] is None:
                ctx.at_file(
                    f,
                    (),
                    f"created {what} {entry.id}, which is no longer on the status page; nothing is "
                    "published while any statusfile has an error",
                    "object-not-found",
                    Severity.ERROR,
                )
            if entry.sha256 == f.sha256:
                unchanged += 1
                out[f.rel] = Declared(f, None, entry.key, entry.id, before=entry.payload)
                continue
            fields, diff = _payload_diff(entry.payload, f.payload)
            fixed = [k for k in fields if k not in MUTABLE[kind]]
            if fixed:
                mutable = " and ".join(MUTABLE[kind])
                ctx.at_file(
                    f,
                    (fixed[0],),
                    f"changed after it was published ({what} {entry.id}): {', '.join(fixed)} "
                    f"{'differ' if len(fixed) > 1 else 'differs'}. Only {mutable} can change once the {what} "
                    "exists; restore the rest and post an update instead."
                    f"\n{diff}",
                    "changed-after-publish",
                    Severity.ERROR,
                )
                out[f.rel] = Declared(f, None, entry.key, entry.id, before=entry.payload)
            else:
                out[f.rel] = Declared(f, "put", entry.key, entry.id, before=entry.payload)
            continue
        moved = gone.get(f.sha256)
        if moved is not None and moved.kind == kind:  # its folder was renamed: the same object
            del gone[f.sha256]
            out[f.rel] = Declared(f, "move", moved.key, moved.id, before=moved.payload)
            continue
        twin = next(
            (o for o in gone.values() if o.kind == kind and _same_object(kind, o.payload, f.payload)), None
        )
        if twin is not None:  # a new key would create a second object: make the user do it in two steps
            del gone[twin.sha256]
            ctx.at_file(
                f,
                (),
                f"looks like {ctx.display(twin.path)} ({what} {twin.id}) moved to this folder and edited at "
                f"once, which cannot be told from a new {what}; move the folder in one change and edit "
                f"{' and '.join(MUTABLE[kind])} in the next",
                "moved-and-edited",
                Severity.ERROR,
            )
            out[f.rel] = Declared(f, None, twin.key, twin.id, before=twin.payload)
            continue
        key = (
            entry.key
            if entry
            else kinds.idempotency_key(kind, str(f.payload["status_page_id"]), kinds.folder_of(f.rel))
        )
        found = _found_on_page(f, kind, listed, claimed) if listed is not None else None
        if found is not None:
            claimed.add(found.id)
            out[f.rel] = Declared(f, "adopt", key, found.id, remote=found)
            continue
        unsettled = entry is not None and entry.unsettled
        out[f.rel] = Declared(f, "create", key, unsettled=unsettled)
        if unsettled:
            ctx.at_file(
                f,
                (),
                f"an earlier sync may have created this {what}; sync sends the same idempotency key, so "
                "the API returns that one instead of creating another",
                "unsettled",
                WARN,
            )
        if f.notify:
            ctx.at_file(
                f,
                ("notify_subscribers",),
                f"creating this {what} emails every subscriber",
                "notify-subscribers",
                WARN,
            )
    return out, list(gone.values()), unchanged


def _updates_in_order(files: Sequence[Statusfile]) -> tuple[list[Statusfile], list[str], list[Statusfile]]:
    """The updates in publish order (by natural key of their paths), their paths, and the declarations."""
    rels = [f.source.rel for f in files]
    keys = list(map(natural_key, rels))
    if any(map(operator.gt, keys, keys[1:])):  # loaded in order already, unless the caller mixed them
        order = sorted(range(len(keys)), key=keys.__getitem__)
        files, rels = [files[i] for i in order], [rels[i] for i in order]
    if not any(f.placement.declares for f in files):
        return list(files), rels, []
    updates = [(f, rel) for f, rel in zip(files, rels, strict=True) if not f.placement.declares]
    return [f for f, _ in updates], [rel for _, rel in updates], [f for f in files if f.placement.declares]


def plan(
    files: Sequence[Statusfile],
    ledger: LedgerState,
    *,
    root: str = "statusfiles",
    ledger_display: str = "statusfiles/ledger.jsonl",
    remote: Mapping[str, RemoteObject | None] | None = None,
    listed: Mapping[str, Sequence[RemoteObject]] | None = None,
    now: datetime | None = None,
    settle_after: float = SETTLE_AFTER,
) -> Plan:
    """What publishing ``files`` means, given what ``ledger`` says is posted and, when read, the page.

    ``remote`` maps incident and maintenance window IDs to what the page shows (None: it does not
    exist); when it is given, unsettled ledger entries are settled and updates already on the page are
    adopted. ``listed`` holds the objects on each status page a declaration names that the ledger has
    no created object for: a declaration whose object is there (an earlier sync created it and the
    ledger lost it) is adopted with its updates, never created again. ``now`` (with ``remote``) holds back
    an unsettled update missing from the page whose outcome became unknown less than ``settle_after``
    seconds before: it may still appear (``Planned.hold_until``).
    """
    ctx = _Context(root=root, ledger=ledger_display)
    if ledger.torn_line:
        ctx.at_ledger(
            ledger.torn_line,
            "ignored a partially written last line (an interrupted sync); the next sync removes it",
            "ledger-torn-line",
            WARN,
        )
    files, rels, declaration_files = _updates_in_order(files)
    view: Mapping[str, Entry]
    view, found, claimed = _settle(ledger, remote, ctx, now, settle_after)
    posted = [e for e in view.values() if e.posted]
    paths = set(rels)
    candidates, moves, unchanged = _classify(files, rels, paths, view, posted, ctx)
    # A held post whose file is gone still holds back its object: posted now, that file renamed would be
    # posted twice, and an update after it could land before it.
    ctx.moved_to = {m.entry.path: m.file.rel for m in moves}
    for path, until in ctx.held.items():
        incident = view[path].incident
        if path not in paths and (incident not in ctx.held_gone or until > ctx.held_gone[incident][0]):
            ctx.held_gone[incident] = (until, ctx.display(path))
    declared, objects_gone, declared_unchanged = _declarations(declaration_files, ledger, remote, listed, ctx)
    unchanged += declared_unchanged
    present = paths | {m.entry.path for m in moves}
    for o in objects_gone:
        ctx.at_path(
            o.path,
            f"created {OBJECT_WORDS[o.kind]} {o.id} and its file is gone; it stays on the status page",
            "deleted-after-publish",
            WARN,
        )

    deleted: list[Entry] = []
    for e in view.values():
        if e.path in present:
            continue
        if e.posted:
            deleted.append(e)
            ctx.at_path(
                e.path,
                f"was published (update {e.update_id}) and its file is gone; the update stays "
                "on the status page",
                "deleted-after-publish",
                WARN,
            )
        elif e.unsettled:
            ctx.at_ledger(
                e.line,
                f"{e.path}: an earlier sync recorded its intent to post this but not the "
                "outcome, and the file is gone; check the status page",
                "unsettled",
                WARN,
            )

    # One group per object: a declaration's path, or the ID an update names.
    groups: dict[str, list[tuple[Statusfile, bool]]] = {
        rel: [] for rel, d in declared.items() if d.action is not None
    }
    for f, unsettled in candidates:
        groups.setdefault(f.declaration or f.incident_id, []).append((f, unsettled))
    posted_by_incident: dict[str, list[Entry]] = {}
    for e in posted:
        posted_by_incident.setdefault(e.incident, []).append(e)

    def first_path(item: tuple[str, list[tuple[Statusfile, bool]]]) -> NaturalKey:
        return natural_key(item[0] if item[0] in declared else item[1][0][0].rel)

    incidents = []
    for group_key, group in sorted(groups.items(), key=first_path):
        d = declared.get(group_key)
        if d is None:
            incidents.append(
                _incident(
                    group_key,
                    group,
                    posted_by_incident.get(group_key, []),
                    remote.get(group_key) if remote is not None else None,
                    remote is not None and group_key in remote,
                    claimed,
                    ctx,
                )
            )
            continue
        oid = d.object_id or ""
        obj = d.remote if d.remote is not None else (remote.get(oid) if remote is not None and oid else None)
        first = first_update(obj) if obj is not None else None  # the create's own update: no file's
        incidents.append(
            _incident(
                oid,
                group,
                posted_by_incident.get(oid, []) if oid else [],
                obj,
                False,  # a declared object missing from the page is reported at its declaration
                claimed if first is None else claimed | {first.id},
                ctx,
                declared=d,
            )
        )
    ctx.diagnostics.sort(key=Diagnostic.sort_key)
    return Plan(
        incidents=tuple(incidents),
        moves=tuple(moves),
        settlements=tuple(Settlement(e, u, ctx.display(e.path)) for e, u in found),
        deleted=tuple(deleted),
        unchanged=unchanged,
        diagnostics=tuple(ctx.diagnostics),
        remote_checked=remote is not None,
    )
