"""Carrying out a plan: each update posted once, in order per incident, the ledger written as it goes.

For every update the ledger gets an ``intent`` (fsynced) before the POST and an
outcome after it, so that a crash at any instant leaves a ledger from which
the next run can tell what happened: a missing outcome means "read the
incident back before posting anything more to it".

Incidents are published concurrently (bounded); within one incident updates
are strictly sequential, and the first update that fails or whose outcome is
unknown stops that incident, so nothing is ever posted out of order.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from sync import api
from sync.diagnostics import Diagnostic, Severity
from sync.ledger import Writer
from sync.planner import IncidentPlan, Plan, Planned
from sync.remote import RemoteIncident, RemoteUpdate, chronological, matches
from sync.statusfile import Statusfile

Result = Literal["posted", "adopted", "moved", "settled", "failed", "unknown", "skipped"]


class Api(Protocol):
    def get_incident(self, incident_id: str) -> RemoteIncident | None: ...
    def post_update(self, payload: dict[str, Any]) -> RemoteUpdate: ...


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

    @classmethod
    def of(cls, f: Statusfile, result: Result, **kw: Any) -> Outcome:
        kw.setdefault("status", f.incident_status)
        return cls(result, f.rel, f.display, f.incident_id, **kw)


@dataclass
class Report:
    outcomes: list[Outcome] = field(default_factory=list)
    stopped: str | None = None  # why the whole run stopped early (an auth failure)

    def count(self, result: Result) -> int:
        return sum(1 for o in self.outcomes if o.result == result)

    @property
    def ok(self) -> bool:
        return self.stopped is None and not any(
            o.result in ("failed", "unknown", "skipped") for o in self.outcomes
        )


def read_incidents(
    client: Api, incident_ids: Iterable[str], concurrency: int
) -> dict[str, RemoteIncident | None]:
    """Every incident the plan touches, read before anything is posted (None: it does not exist)."""
    ids = sorted(set(incident_ids))
    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        return dict(zip(ids, pool.map(client.get_incident, ids), strict=True))


def api_diagnostic(f: Statusfile, exc: api.ApiError) -> Diagnostic:
    """A 422 shown against the statusfile's field and line."""
    for error in exc.errors:
        source = error.get("source") if isinstance(error.get("source"), dict) else {}
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

    def _record(self, event: str, **fields: Any) -> None:
        with self._lock:
            self.writer.append(event, **fields)  # type: ignore[arg-type]

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
                incident=e.incident,
                update_id=s.remote.id,
                published_at=s.remote.published_at,
                payload=e.payload or {},
            )
            self._emit(
                Outcome(
                    "settled",
                    e.path,
                    e.path,
                    e.incident,
                    update_id=s.remote.id,
                    detail="found on the page; an earlier sync had posted it",
                )
            )
        for m in plan.moves:
            f = m.file
            self._record("moved", **_identity(f), **{"from": m.entry.path})
            self._emit(
                Outcome.of(f, "moved", update_id=m.entry.update_id, detail=f"renamed from {m.entry.path}")
            )
        work = [inc for inc in plan.incidents if inc.updates]
        with ThreadPoolExecutor(max_workers=self.concurrency) as pool:
            futures = [pool.submit(self._incident, inc) for inc in work]
            try:
                for future in futures:
                    future.result()
            except BaseException:  # Ctrl-C: let in-flight requests finish and be recorded, start no more
                self.stop("interrupted")
                raise
        return self.report

    def _incident(self, inc: IncidentPlan) -> None:
        for i, p in enumerate(inc.updates):
            if self._stop.is_set():
                self._skip(inc.updates[i:], "the run was stopped (the summary says why)")
                return
            if not self._one(p):
                self._skip(inc.updates[i + 1 :], "an earlier update of this incident did not go through")
                return

    def _skip(self, rest: Iterable[Planned], reason: str) -> None:
        for p in rest:
            self._emit(Outcome.of(p.file, "skipped", detail=f"not posted: {reason}"))

    def _one(self, p: Planned) -> bool:
        """Publish or adopt one update; False stops the rest of its incident."""
        f = p.file
        if p.action == "adopt":
            assert p.remote is not None
            self._record(
                "adopted",
                **_identity(f),
                update_id=p.remote.id,
                published_at=p.remote.published_at,
                payload=f.payload,
            )
            self._emit(
                Outcome.of(
                    f, "adopted", update_id=p.remote.id, detail="already on the page: recorded, not posted"
                )
            )
            return True

        self._record("intent", **_identity(f), payload=f.payload)
        try:
            update = self.client.post_update(f.payload)
        except api.OutcomeUnknown as exc:
            return self._reconcile(f, str(exc))
        except (api.ApiError, api.Unreachable) as exc:  # certainly not applied
            self._record("rejected", **_identity(f), error=str(exc))
            if isinstance(exc, api.AuthError):  # no later request can succeed either
                self.stop(str(exc))
                diagnostic = f.diagnostic((), str(exc), "api-auth")
            elif isinstance(exc, api.ApiError):
                diagnostic = api_diagnostic(f, exc)
            else:
                diagnostic = f.diagnostic((), f"not posted: {exc}", "api-unreachable")
            self._emit(Outcome.of(f, "failed", detail=str(exc), diagnostic=diagnostic))
            return False
        self._record("posted", **_identity(f), update_id=update.id, published_at=update.published_at)
        self._emit(
            Outcome.of(f, "posted", status=update.incident_status or f.incident_status, update_id=update.id)
        )
        return True

    def _reconcile(self, f: Statusfile, problem: str) -> bool:
        """The response to a POST was lost: look for the update on the page before deciding anything."""
        claimed = self.claimed()
        for attempt in range(self.reconcile_tries):
            if attempt:
                self._sleep(self.reconcile_delay * 2 ** (attempt - 1))
            try:
                incident = self.client.get_incident(f.incident_id)
            except (api.ApiError, api.Unreachable):
                continue
            # Earlier copies of this payload are claimed (the ledger or this run recorded them), so the
            # earliest unclaimed match is this POST's, never an earlier update with the same words.
            updates = chronological(incident.updates) if incident else ()
            hit = next((u for u in updates if u.id not in claimed and matches(f.payload, u)), None)
            if hit is not None:
                self._record("posted", **_identity(f), update_id=hit.id, published_at=hit.published_at)
                self._emit(
                    Outcome.of(
                        f,
                        "posted",
                        status=hit.incident_status,
                        update_id=hit.id,
                        detail=f"the response was lost; found on the page ({problem})",
                    )
                )
                return True
        self._record("unknown", **_identity(f), error=problem)
        message = (
            f"{problem}. It was not on the page when read back, but may still appear. Check incident "
            f"{f.incident_id} on the status page; then run sync again: it reads the incident back and "
            "posts this update only if it is still missing. Nothing more was posted to this incident."
        )
        diagnostic = f.diagnostic((), message, "outcome-unknown", severity=Severity.ERROR)
        self._emit(Outcome.of(f, "unknown", detail=message, diagnostic=diagnostic))
        return False

    def claimed(self) -> set[str]:
        """Update ids the ledger already holds: a lost response must not adopt someone else's update."""
        with self._lock:
            return self._claimed | {o.update_id for o in self.report.outcomes if o.update_id}


def _identity(f: Statusfile) -> dict[str, str]:
    """The ledger fields that name a statusfile."""
    return {"path": f.rel, "sha256": f.sha256, "incident": f.incident_id}
