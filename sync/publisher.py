"""Carrying out a plan: each update posted once, in order per incident, the ledger written as it goes.

For every update the ledger gets an ``intent`` (fsynced) before the POST and an
outcome after it, so that a crash at any instant leaves a ledger from which
the next run can tell what happened: a missing outcome means "read the
incident back before posting anything more to it".

Incidents are published concurrently (bounded); within one incident updates
are strictly sequential, and the first update that fails or whose outcome is
unknown stops that incident, so nothing is ever posted out of order.

A declared incident or maintenance window is created first: the ledger gets a
``create`` record with the idempotency key (fsynced) before the POST, which
is safe to repeat with that key; its folder's updates follow only once its ID
is recorded, each sent with that ID. A rename or reschedule is a PUT, which
sets state and so is recorded after it succeeds.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Literal, Protocol

from sync import api
from sync.diagnostics import Diagnostic, Severity
from sync.kinds import ObjectKind
from sync.ledger import Event, LedgerState, Writer
from sync.planner import (
    OBJECT_WORDS,
    SETTLE_HINT,
    Declared,
    IncidentPlan,
    Plan,
    Planned,
    held_text,
    status_of,
)
from sync.remote import (
    RemoteIncident,
    RemoteMaintenance,
    RemoteObject,
    RemoteUpdate,
    chronological,
    first_update,
    matches,
)
from sync.statusfile import Statusfile
from sync.timefmt import change_text, utc

Result = Literal[
    "created", "updated", "posted", "adopted", "moved", "settled", "failed", "unknown", "skipped"
]


class Api(Protocol):
    def get_incident(self, incident_id: str) -> RemoteIncident | None: ...
    def post_update(self, payload: dict[str, Any]) -> RemoteUpdate: ...
    def create_incident(self, payload: dict[str, Any]) -> RemoteIncident: ...
    def update_incident(self, incident_id: str, name: str) -> RemoteIncident: ...
    def get_maintenance(self, maintenance_id: str) -> RemoteMaintenance | None: ...
    def create_maintenance(self, payload: dict[str, Any]) -> RemoteMaintenance: ...
    def update_maintenance(
        self, maintenance_id: str, name: str, start_at: str, end_at: str
    ) -> RemoteMaintenance: ...
    def post_maintenance_update(self, payload: dict[str, Any]) -> RemoteUpdate: ...
    def list_incidents(self, page_id: str) -> list[RemoteIncident]: ...
    def list_maintenances(self, page_id: str) -> list[RemoteMaintenance]: ...


@dataclass(frozen=True, slots=True)
class Target:
    """The object an update goes to."""

    kind: ObjectKind
    id: str

    @property
    def field(self) -> str:
        """How a ledger record and a request body name it."""
        return "status_page_maintenance_id" if self.kind == "maintenance" else "status_page_incident_id"

    @property
    def ledger_field(self) -> dict[str, str]:
        return {self.kind: self.id}

    def __str__(self) -> str:
        return f"{OBJECT_WORDS[self.kind]} {self.id}"


@dataclass(frozen=True, slots=True)
class Outcome:
    result: Result
    path: str  # identity path
    display: str  # as shown to the user
    incident: str
    status: str | None = None  # the incident status this update sets
    update_id: str | None = None
    detail: str = ""
    diagnostic: Diagnostic | None = None
    kind: ObjectKind = "incident"  # what ``incident`` names: an incident or a maintenance window
    held: bool = False  # skipped because an earlier post of it may still appear (Planned.hold_until)
    unsent: bool = False  # failed before the API had it (unreachable, or too long a rate-limit wait)

    @classmethod
    def of(cls, f: Statusfile, result: Result, target: Target | None = None, **kw: Any) -> Outcome:
        """An outcome for ``f``; ``target`` is its object (default: the incident its payload names)."""
        kw.setdefault("status", status_of(f.payload))
        if target is None:
            target = Target("incident", str(f.payload.get("status_page_incident_id", "")))
        return cls(result, f.rel, f.display, target.id, kind=target.kind, **kw)


@dataclass
class Report:
    outcomes: list[Outcome] = field(default_factory=list)
    stopped: str | None = None  # why the whole run stopped early (an auth failure)
    halted: str | None = None  # why publishing ended early on this side: the ledger could not be written

    def count(self, result: Result) -> int:
        return sum(1 for o in self.outcomes if o.result == result)

    @property
    def ok(self) -> bool:
        return (
            self.stopped is None
            and self.halted is None
            and not any(o.result in ("failed", "unknown", "skipped") for o in self.outcomes)
        )


def read_incidents(
    client: Api, incident_ids: Iterable[str], concurrency: int
) -> dict[str, RemoteIncident | None]:
    """Every incident the plan touches, read before anything is posted (None: it does not exist)."""
    ids = sorted(set(incident_ids))
    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        return dict(zip(ids, pool.map(client.get_incident, ids), strict=True))


@dataclass(frozen=True, slots=True)
class Reads:
    """What sync reads before posting anything: objects by ID, and whole pages for adoption."""

    incidents: frozenset[str] = frozenset()
    maintenances: frozenset[str] = frozenset()
    pages: frozenset[tuple[ObjectKind, str]] = frozenset()  # (kind, status page ID) to list


def to_read(plan: Plan, ledger: LedgerState) -> Reads:
    """The reads a draft plan (made without the page) needs to become the real one."""
    incidents: set[str] = set()
    maintenances: set[str] = set()
    pages: set[tuple[ObjectKind, str]] = set()
    for inc in plan.incidents:
        d = inc.declared
        if d is None:
            incidents.add(inc.incident_id)
        elif d.object_id:
            (maintenances if d.kind == "maintenance" else incidents).add(d.object_id)
        elif d.action == "create":
            pages.add((d.kind, str(d.file.payload["status_page_id"])))
    for e in ledger.unsettled():
        (maintenances if e.kind == "maintenance" else incidents).add(e.incident)
    return Reads(frozenset(incidents), frozenset(maintenances), frozenset(pages))


def read_page(
    client: Api, reads: Reads, concurrency: int
) -> tuple[dict[str, RemoteObject | None], dict[str, list[RemoteObject]]]:
    """Objects by ID (None: it does not exist) and, per status page, the objects listed on it."""
    jobs: list[
        tuple[str, Callable[[], RemoteObject | list[RemoteIncident] | list[RemoteMaintenance] | None]]
    ] = [
        *((i, partial(client.get_incident, i)) for i in sorted(reads.incidents)),
        *((m, partial(client.get_maintenance, m)) for m in sorted(reads.maintenances)),
    ]
    listings = sorted(reads.pages)
    for kind, page in listings:
        jobs.append(
            (
                page,
                partial(client.list_maintenances if kind == "maintenance" else client.list_incidents, page),
            )
        )
    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        results = list(pool.map(lambda job: job[1](), jobs))
    by_id: dict[str, RemoteObject | None] = {}
    listed: dict[str, list[RemoteObject]] = {}
    for (name, _), result in zip(jobs, results, strict=True):
        if isinstance(result, list):
            listed.setdefault(name, []).extend(result)
        else:
            by_id[name] = result
    return by_id, listed


def api_diagnostic(f: Statusfile, exc: api.ApiError) -> Diagnostic:
    """A 422 shown against the statusfile's field and line."""
    for error in exc.errors:
        source = error.get("source")
        if not isinstance(source, dict):
            source = {}
        path = _field_path(source.get("pointer"), source.get("field"))
        if path is not None:
            message = f"rejected by the API (HTTP {exc.status}): {error.get('message') or error.get('code')}"
            return f.diagnostic(path, message, "api-rejected")
    return f.diagnostic((), f"rejected by the API: {exc}", "api-rejected")


def _field_path(pointer: Any, name: Any) -> tuple[str | int, ...] | None:
    if isinstance(pointer, str) and pointer.startswith("/"):
        return tuple(int(p) if p.isdigit() else p for p in pointer[1:].split("/") if p)
    if isinstance(name, str) and name:
        parts: list[str | int] = []
        for piece in name.replace("]", "").replace("[", ".").split("."):
            if piece:
                parts.append(int(piece) if piece.isdigit() else piece)
        return tuple(parts)
    return None


class Publisher:
    """Executes a plan against the API, writing every step to the ledger."""

    def __init__(
        self,
        client: Api,
        writer: Writer,
        *,
        concurrency: int = 4,
        reconcile_tries: int = 3,
        reconcile_delay: float = 0.5,
        on_outcome: Callable[[Outcome], None] = lambda o: None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.client = client
        self.writer = writer
        self.concurrency = max(1, concurrency)
        self.reconcile_tries = reconcile_tries
        self.reconcile_delay = reconcile_delay
        self.on_outcome = on_outcome
        self._sleep = sleep
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._claimed: set[str] = set()
        self.report = Report()

    def stop(self, reason: str) -> None:
        """Post nothing more (an in-flight POST still finishes and is recorded)."""
        with self._lock:
            self.report.stopped = self.report.stopped or reason
        self._stop.set()

    def _record(self, event: Event, **fields: Any) -> None:
        with self._lock:
            self.writer.append(event, **fields)

    def _emit(self, outcome: Outcome) -> None:
        with self._lock:
            self.report.outcomes.append(outcome)
        self.on_outcome(outcome)

    def run(self, plan: Plan, claimed: Iterable[str] = ()) -> Report:
        """Carry out ``plan``; ``claimed`` holds the update ids the ledger already records."""
        self._claimed = set(claimed)
        for s in plan.settlements:
            e = s.entry
            self._record(
                "adopted",
                path=e.path,
                sha256=e.sha256,
                **{e.kind: e.incident},
                update_id=s.remote.id,
                published_at=s.remote.published_at,
                payload=e.payload or {},
            )
            self._emit(
                Outcome(
                    "settled",
                    e.path,
                    s.display,
                    e.incident,
                    update_id=s.remote.id,
                    detail="found on the page; an earlier sync had posted it",
                    kind="maintenance" if e.kind == "maintenance" else "incident",
                )
            )
        for m in plan.moves:
            f = m.file
            target = Target("maintenance" if m.entry.kind == "maintenance" else "incident", m.entry.incident)
            self._record("moved", **_identity(f, target), **{"from": m.entry.path})
            self._emit(
                Outcome.of(
                    f, "moved", target, update_id=m.entry.update_id, detail=f"renamed from {m.entry.path}"
                )
            )
        work = [inc for inc in plan.incidents if inc.updates or (inc.declared and inc.declared.action)]
        with ThreadPoolExecutor(max_workers=self.concurrency) as pool:
            futures = [pool.submit(self._incident, inc) for inc in work]
            try:
                for future in futures:
                    future.result()
            except (
                BaseException
            ):  # Ctrl-C, the ledger: let in-flight requests finish and be recorded, start no more
                self._stop.set()  # the report does not say why: the caller that catches this does
                raise
        return self.report

    def _incident(self, inc: IncidentPlan) -> None:
        """One object: its declaration's create or PUT first, then its updates, strictly in order."""
        target = Target(inc.kind, inc.incident_id)
        d = inc.declared
        if d is not None and d.action is not None:
            if self._stop.is_set():
                self._skip(
                    [d.file, *(p.file for p in inc.updates)],
                    target,
                    "the run was stopped (the summary says why)",
                )
                return
            object_id = self._declare(d)
            what = OBJECT_WORDS[d.kind]
            if object_id is None:
                self._skip(
                    (p.file for p in inc.updates), target, f"its {what} ({d.file.display}) did not go through"
                )
                return
            target = Target(d.kind, object_id)
            if d.action == "create":
                updates = self._read_back(d, target, inc.updates)
                if updates is None:
                    self._skip(
                        (p.file for p in inc.updates),
                        target,
                        f"its {what} could not be read back after its create",
                    )
                    return
                inc = dataclasses.replace(inc, updates=updates)
        for i, p in enumerate(inc.updates):
            if self._stop.is_set():
                self._skip(
                    (q.file for q in inc.updates[i:]), target, "the run was stopped (the summary says why)"
                )
                return
            if not self._one(p, target):
                self._skip(
                    (q.file for q in inc.updates[i + 1 :]),
                    target,
                    f"an earlier update of this {target.kind} did not go through",
                )
                return

    def _skip(self, rest: Iterable[Statusfile], target: Target, reason: str) -> None:
        for f in rest:
            self._emit(Outcome.of(f, "skipped", target, detail=f"not posted: {reason}"))

    # --- declarations ---

    def _declare(self, d: Declared) -> str | None:
        """Create, adopt, move or PUT a declaration's object; its ID, or None if that did not go through."""
        f = d.file
        if d.action in ("adopt", "move"):
            assert d.object_id is not None
            first = first_update(d.remote) if d.remote is not None else None
            published = first.published_at if first else ""
            self._record("created", **_object(d), id=d.object_id, published_at=published, payload=f.payload)
            detail = (
                "already on the page: recorded, not created"
                if d.action == "adopt"
                else "folder renamed: recorded"
            )
            self._emit(
                Outcome.of(
                    f,
                    "adopted" if d.action == "adopt" else "moved",
                    Target(d.kind, d.object_id),
                    detail=detail,
                )
            )
            if d.remote is not None and not self._match_page(d, Target(d.kind, d.object_id), d.remote):
                return None
            return d.object_id
        if d.action == "put":
            return self._put(d)
        return self._create(d)

    def _read_back(
        self, d: Declared, target: Target, updates: tuple[Planned, ...]
    ) -> tuple[Planned, ...] | None:
        """The object just created, as the page shows it; its folder's updates that are already there
        adopted, and the rest still to post (None: it could not be read).

        The API answers a key it has seen with the object it created then, which may have been renamed
        or have had updates since (a ledger lost, and the declaration edited): nothing is posted twice,
        and a name or schedule that differs from the file is PUT.
        """
        read = self.client.get_maintenance if target.kind == "maintenance" else self.client.get_incident
        try:
            obj = read(target.id)
        except api.ApiProblem:
            return None
        if obj is None or not self._match_page(d, target, obj):
            return None
        ordered = chronological(obj.updates)
        claimed = self.claimed() | {u.id for u in ordered[:1]}  # the first is the create's own
        unclaimed = [u for u in ordered[1:] if u.id not in claimed]
        out = []
        for p in updates:
            hit = (
                next((u for u in unclaimed if matches(p.file.payload, u)), None)
                if p.action == "create"
                else None
            )
            if hit is not None:
                unclaimed.remove(hit)
                p = dataclasses.replace(p, action="adopt", remote=hit)
            out.append(p)
        return tuple(out)

    def _match_page(self, d: Declared, target: Target, obj: RemoteObject) -> bool:
        """PUT the file's name and schedule if the page shows others; False if that PUT failed."""
        shown = {"name": obj.name}
        if isinstance(obj, RemoteMaintenance):
            shown.update(start_at=obj.start_at or "", end_at=obj.end_at or "")
        differs = obj.name != d.file.payload.get("name") or any(
            utc(shown[k]) != utc(d.file.payload.get(k)) for k in ("start_at", "end_at") if k in shown
        )
        put = dataclasses.replace(d, action="put", object_id=target.id, before=shown)
        return not differs or self._put(put) is not None

    def _create(self, d: Declared) -> str | None:
        f = d.file
        self._record("create", **_object(d), payload=f.payload)
        body = {**f.payload, "idempotency_key": d.key}
        create = self.client.create_maintenance if d.kind == "maintenance" else self.client.create_incident
        pending = Target(d.kind, "")
        problem = ""
        for attempt in range(max(1, self.reconcile_tries)):
            if attempt:  # the same key again: the API answers with the object it created, if it did
                self._sleep(self.reconcile_delay * 2 ** (attempt - 1))
            try:
                obj = create(body)
            except api.OutcomeUnknown as exc:
                problem = str(exc)
                continue
            except api.NotApplied as exc:
                if isinstance(exc, api.ApiError) and exc.status < 500:  # refused: certainly not created
                    self._create_failed(d, exc)
                    return None
                problem = str(exc)  # retried already, and any attempt may have been applied
                break
            first = first_update(obj)
            self._record(
                "created",
                **_object(d),
                id=obj.id,
                published_at=first.published_at if first else "",
                payload=f.payload,
            )
            with self._lock:  # the create's own update is no file's: never matched to one
                self._claimed |= {first.id} if first else set()
            self._emit(
                Outcome.of(
                    f, "created", Target(d.kind, obj.id), status=status_of(f.payload), detail=f'"{obj.name}"'
                )
            )
            return obj.id
        self._record("create-unknown", **_object(d), error=problem)
        what = OBJECT_WORDS[d.kind]
        message = (
            f"{problem}. Whether the {what} was created is not known. Run sync again: it sends the same "
            f"idempotency key, so the API returns the {what} if it exists instead of creating another. "
            "Nothing was posted to it."
        )
        diagnostic = f.diagnostic((), message, "outcome-unknown")
        self._emit(Outcome.of(f, "unknown", pending, detail=message, diagnostic=diagnostic))
        return None

    def _create_failed(self, d: Declared, exc: api.ApiError) -> None:
        f = d.file
        self._record("create-rejected", **_object(d), error=str(exc))
        self._emit(self._failed(f, Target(d.kind, ""), exc))
        return None

    def _put(self, d: Declared) -> str | None:
        f, object_id = d.file, d.object_id
        assert object_id is not None
        target = Target(d.kind, object_id)
        body = d.put_body()
        try:
            if d.kind == "maintenance":
                self.client.update_maintenance(object_id, body["name"], body["start_at"], body["end_at"])
            else:
                self.client.update_incident(object_id, body["name"])
        except api.OutcomeUnknown as exc:  # nothing is recorded: the next sync sends the same PUT again
            self._emit(Outcome.of(f, "unknown", target, detail=str(exc), diagnostic=self._diagnose(f, exc)))
            return None
        except api.NotApplied as exc:
            self._emit(self._failed(f, target, exc))
            return None
        self._record("put", path=f.rel, sha256=f.sha256, object=d.kind, id=object_id, payload=f.payload)
        self._emit(Outcome.of(f, "updated", target, status=None, detail=change_text(d.changes)))
        return object_id

    def _failed(self, f: Statusfile, target: Target, exc: api.NotApplied) -> Outcome:
        unsent = isinstance(exc, (api.Unreachable, api.Throttled))
        return Outcome.of(
            f, "failed", target, detail=str(exc), diagnostic=self._diagnose(f, exc), unsent=unsent
        )

    def _diagnose(self, f: Statusfile, exc: api.ApiProblem) -> Diagnostic:
        if isinstance(exc, api.AuthError):  # no later request can succeed either
            self.stop(str(exc))
            return f.diagnostic((), str(exc), "api-auth")
        if isinstance(exc, api.ApiError):
            return api_diagnostic(f, exc)
        if isinstance(exc, api.OutcomeUnknown):
            return f.diagnostic((), str(exc), "outcome-unknown")
        return f.diagnostic((), f"not sent: {exc}", "api-unreachable")

    # --- updates ---

    def _one(self, p: Planned, target: Target) -> bool:
        """Publish or adopt one update; False stops the rest of its object."""
        f = p.file
        if p.action == "adopt":
            assert p.remote is not None
            self._record(
                "adopted",
                **_identity(f, target),
                update_id=p.remote.id,
                published_at=p.remote.published_at,
                payload=f.payload,
                **({"origin": "page"} if p.found_elsewhere else {}),
            )
            self._emit(
                Outcome.of(
                    f,
                    "adopted",
                    target,
                    update_id=p.remote.id,
                    detail=f"{p.adoption}: recorded, not posted",
                )
            )
            return True

        if p.hold_until is not None:  # a recent post of it may still appear: posting now could post it twice
            message = held_text(p.hold_until, str(target), p.held_by)
            diagnostic = f.diagnostic((), message, "held", severity=Severity.ERROR)
            self._emit(
                Outcome.of(
                    f,
                    "skipped",
                    target,
                    detail=f"not posted yet: {message}",
                    diagnostic=diagnostic,
                    held=True,
                )
            )
            return False

        # The ledger keeps the file's payload (its identity hashes that); the request carries the ID of a
        # declared folder's object, which the file cannot know.
        self._record("intent", **_identity(f, target), payload=f.payload)
        body = {**f.payload, target.field: target.id} if f.declaration else f.payload
        post = (
            self.client.post_maintenance_update if target.kind == "maintenance" else self.client.post_update
        )
        try:
            update = post(body)
        except api.OutcomeUnknown as exc:
            return self._reconcile(f, target, str(exc))
        except api.NotApplied as exc:
            self._record("rejected", **_identity(f, target), error=str(exc))
            self._emit(self._failed(f, target, exc))
            return False
        self._record("posted", **_identity(f, target), update_id=update.id, published_at=update.published_at)
        self._emit(
            Outcome.of(
                f,
                "posted",
                target,
                status=update.incident_status or status_of(f.payload),
                update_id=update.id,
            )
        )
        return True

    def _reconcile(self, f: Statusfile, target: Target, problem: str) -> bool:
        """The response to a POST was lost: look for the update on the page before deciding anything."""
        claimed = self.claimed()
        read = self.client.get_maintenance if target.kind == "maintenance" else self.client.get_incident
        read_back, failure = False, ""
        for attempt in range(self.reconcile_tries):
            if attempt:
                self._sleep(self.reconcile_delay * 2 ** (attempt - 1))
            try:
                obj = read(target.id)
            except api.ApiProblem as exc:
                failure = str(exc)
                continue
            read_back = True
            # Earlier copies of this payload are claimed (the ledger or this run recorded them), so the
            # earliest unclaimed match is this POST's, never an earlier update with the same words. In a
            # declared folder the object's first update is its create's.
            updates = chronological(obj.updates) if obj else []
            if f.declaration and updates:
                updates = updates[1:]
            hit = next((u for u in updates if u.id not in claimed and matches(f.payload, u)), None)
            if hit is not None:
                self._record(
                    "posted", **_identity(f, target), update_id=hit.id, published_at=hit.published_at
                )
                self._emit(
                    Outcome.of(
                        f,
                        "posted",
                        target,
                        status=hit.incident_status,
                        update_id=hit.id,
                        detail=f"the response was lost; found on the page ({problem})",
                    )
                )
                return True
        self._record("unknown", **_identity(f, target), error=problem)
        what = target.kind.replace("maintenance", "maintenance window")
        seen = (
            "It was not on the page when read back, but may still appear"
            if read_back
            else f"Reading the {what} back failed too ({failure})"
        )
        message = (
            f"{problem}. {seen}. Check {target} on the status page; then run sync again: it reads the "
            f"{what} back and posts this update only if it is still missing once the API has had "
            f"time to apply it ({SETTLE_HINT}). Nothing more was posted to "
            f"this {what}."
        )
        diagnostic = f.diagnostic((), message, "outcome-unknown", severity=Severity.ERROR)
        self._emit(Outcome.of(f, "unknown", target, detail=message, diagnostic=diagnostic))
        return False

    def claimed(self) -> set[str]:
        """Update ids the ledger already holds: a lost response must not adopt someone else's update."""
        with self._lock:
            return self._claimed | {o.update_id for o in self.report.outcomes if o.update_id}


def _identity(f: Statusfile, target: Target) -> dict[str, str]:
    """The ledger fields that name a statusfile and the object it goes to."""
    return {"path": f.rel, "sha256": f.sha256, **target.ledger_field}


def _object(d: Declared) -> dict[str, str]:
    """The ledger fields that name a declaration."""
    return {"path": d.file.rel, "sha256": d.file.sha256, "object": d.kind, "key": d.key}
