"""The sandbox's in-memory model of status pages, their incidents and updates, and its JSON file.

Nothing here knows about HTTP. Operations take the request body as already
checked against the schema, plus the time and an ID source, so the server
decides when things happen and the model stays deterministic. Refusals are
raised as :class:`Refusal` with the HTTP status and one :class:`ErrorSingle` per
reason; the server turns them into the API's error body.

An incident's *effective* state (its status and its components' statuses) is
the one its latest update echoes: the API's update object carries the state
after the update, not just the fields that were sent.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from sync.fsutil import write_atomic
from sync.remote import MAX_UPDATES
from sync.sandbox.refusals import ErrorSingle, Refusal, not_found

STATE_VERSION = 1
OPERATIONAL = "operational"
RESOLVED = "resolved"
# Worst last: the order a status page uses to show a component hit by several incidents.
COMPONENT_STATUSES = ("operational", "degraded_performance", "partial_outage", "full_outage")

T = TypeVar("T")


def timestamp(at: datetime) -> str:
    """RFC 3339 in UTC with microseconds, as the API writes ``published_at``."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# --- IDs ----------------------------------------------------------------------

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_ID_LENGTH = 26


def encode_id(value: int) -> str:
    chars = []
    for _ in range(_ID_LENGTH):
        value, digit = divmod(value, 32)
        chars.append(_CROCKFORD[digit])
    return "".join(reversed(chars))


def decode_id(text: str) -> int | None:
    """The number behind a ULID-like ID, or None for an ID of another shape (IDs are opaque)."""
    if len(text) != _ID_LENGTH or any(c not in _CROCKFORD for c in text):
        return None
    value = 0
    for c in text:
        value = value * 32 + _CROCKFORD.index(c)
    return value


class IdGenerator:
    """ULID-like IDs: 48 bits of milliseconds, then a counter instead of randomness.

    Deterministic under a fake clock, sorted by creation, and never reused:
    each ID is greater than every ID seen before, including those in a state
    file written under a later (or a test's fake) clock.
    """

    def __init__(self, clock: Callable[[], float], seen: Iterable[str] = ()) -> None:
        self._clock = clock
        self._last = max((v for v in map(decode_id, seen) if v is not None), default=0)
        self._lock = threading.Lock()

    def __call__(self) -> str:
        with self._lock:
            self._last = max(int(self._clock() * 1000) << 80, self._last + 1)
            return encode_id(self._last)


# --- status pages -------------------------------------------------------------------


@dataclass(slots=True)
class Component:
    component_id: str
    name: str


@dataclass(slots=True)
class Group:
    id: str
    name: str
    components: list[Component]


@dataclass(slots=True)
class StatusPage:
    id: str
    name: str
    public_url: str
    items: list[Component | Group]  # top-level structure, in display order

    def components(self) -> list[Component]:
        out: list[Component] = []
        for item in self.items:
            out.extend(item.components if isinstance(item, Group) else [item])
        return out

    def to_api(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "public_url": self.public_url}

    def structure_to_api(self) -> dict[str, Any]:
        items = [
            {"group": asdict(item)} if isinstance(item, Group) else {"component": asdict(item)}
            for item in self.items
        ]
        return {"items": items}

    def to_json(self) -> dict[str, Any]:
        return {**self.to_api(), **self.structure_to_api()}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> StatusPage:
        items: list[Component | Group] = []
        for item in data["items"]:
            if "group" in item:
                g = item["group"]
                items.append(Group(g["id"], g["name"], [Component(**c) for c in g["components"]]))
            else:
                items.append(Component(**item["component"]))
        return cls(data["id"], data["name"], data["public_url"], items)


# --- incidents ----------------------------------------------------------------------


@dataclass(slots=True)
class Update:
    id: str
    status_page_incident_id: str
    published_at: str
    message: str
    incident_status: str
    component_statuses: list[dict[str, str]]
    notify_subscribers: bool  # kept for assertions ("notified twice?"); the API does not echo it

    def to_api(self) -> dict[str, Any]:
        out = asdict(self)
        del out["notify_subscribers"]
        return out


@dataclass(slots=True)
class Impact:
    """A period during which one component had one non-operational status."""

    component_id: str
    component_status: str
    start_at: str
    end_at: str | None = None

    def to_api(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}


@dataclass(slots=True)
class Incident:
    id: str
    status_page_id: str
    name: str
    published_at: str
    updates: list[Update]  # in posting order
    component_impacts: list[Impact] = field(default_factory=list)
    idempotency_key: str | None = None

    @property
    def incident_status(self) -> str:
        return self.updates[-1].incident_status

    def component_statuses(self) -> dict[str, str]:
        """Every component the incident affects, with its current status."""
        return {c["component_id"]: c["component_status"] for c in self.updates[-1].component_statuses}

    def to_api(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "status_page_id": self.status_page_id,
            "name": self.name,
            "published_at": self.published_at,
            "incident_status": self.incident_status,
            # Newest first: the real order is not documented, and this one
            # catches a client that assumes posting order.
            "updates": [u.to_api() for u in reversed(self.updates)],
            "component_impacts": [i.to_api() for i in self.component_impacts],
        }

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["component_impacts"] = [i.to_api() for i in self.component_impacts]
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Incident:
        return cls(
            id=data["id"],
            status_page_id=data["status_page_id"],
            name=data["name"],
            published_at=data["published_at"],
            updates=[Update(**u) for u in data["updates"]],
            component_impacts=[Impact(**i) for i in data["component_impacts"]],
            idempotency_key=data.get("idempotency_key"),
        )


def effective_statuses(
    current: dict[str, str], changes: Iterable[dict[str, str]], status: str
) -> dict[str, str]:
    """Components after an update: the changes applied, or all operational once resolved."""
    out = dict(current)
    for change in changes:
        out[change["component_id"]] = change["component_status"]
    if status == RESOLVED:
        return dict.fromkeys(out, OPERATIONAL)
    return out


def track_impacts(impacts: list[Impact], statuses: dict[str, str], at: str) -> None:
    """Close the period of every component whose status changed, and open one for each new outage."""
    open_periods = {i.component_id: i for i in impacts if i.end_at is None}
    for component_id, status in statuses.items():
        period = open_periods.get(component_id)
        if period is not None and period.component_status == status:
            continue
        if period is not None:
            period.end_at = at
        if status != OPERATIONAL:
            impacts.append(Impact(component_id, status, at))


def paginate(
    items: Sequence[T], ident: Callable[[T], str], page_size: int, after: str | None
) -> tuple[list[T], str | None]:
    """One page of ``items`` following the record ``after``, and the cursor for the next page if any."""
    start = 0
    if after is not None:
        ids = [ident(item) for item in items]
        if after not in ids:
            raise Refusal(
                422, [ErrorSingle("invalid_value", f"no record with ID {after!r} to list after", ("after",))]
            )
        start = ids.index(after) + 1
    page = list(items[start : start + page_size])
    more = start + page_size < len(items)
    return page, ident(page[-1]) if more and page else None


# --- the whole state ------------------------------------------------------------------


@dataclass(slots=True)
class State:
    status_pages: list[StatusPage] = field(default_factory=list)
    incidents: dict[str, Incident] = field(default_factory=dict)  # in creation order

    def status_page(self, status_page_id: str, path: tuple[str | int, ...] | None = None) -> StatusPage:
        for page in self.status_pages:
            if page.id == status_page_id:
                return page
        raise not_found("status page", status_page_id, path)

    def incident(self, incident_id: str, path: tuple[str | int, ...] | None = None) -> Incident:
        try:
            return self.incidents[incident_id]
        except KeyError:
            raise not_found("status page incident", incident_id, path) from None

    def ids(self) -> list[str]:
        """Every ID the state holds, so that new ones never collide with them."""
        out = [p.id for p in self.status_pages]
        for page in self.status_pages:
            out += [item.id for item in page.items if isinstance(item, Group)]
            out += [c.component_id for c in page.components()]
        for incident in self.incidents.values():
            out += [incident.id, *(u.id for u in incident.updates)]
        return out

    # --- operations (each takes a body the schema already accepted) ---

    def post_update(self, body: dict[str, Any], at: datetime, new_id: Callable[[], str]) -> Update:
        incident = self.incident(body["status_page_incident_id"], ("status_page_incident_id",))
        changes = body.get("component_statuses", [])
        problems = _unknown_components(self.status_page(incident.status_page_id), changes)
        if len(incident.updates) >= MAX_UPDATES:
            problems.append(
                ErrorSingle(
                    "too_many_updates",
                    f"incident {incident.id} already has {len(incident.updates)} updates; "
                    f"the limit is {MAX_UPDATES} updates per incident",
                    ("status_page_incident_id",),
                )
            )
        if problems:
            raise Refusal(422, problems)
        status = body.get("incident_status", incident.incident_status)
        return _append_update(incident, body, status, changes, at, new_id)

    def create_incident(self, body: dict[str, Any], at: datetime, new_id: Callable[[], str]) -> Incident:
        """A new incident, or the one created earlier with the same idempotency key (so retrying is safe)."""
        key = body["idempotency_key"]
        for incident in self.incidents.values():
            if incident.idempotency_key == key:
                return incident
        page = self.status_page(body["status_page_id"], ("status_page_id",))
        changes = body.get("component_statuses", [])
        problems = _unknown_components(page, changes)
        if problems:
            raise Refusal(422, problems)
        incident = Incident(new_id(), page.id, body["name"], timestamp(at), [], idempotency_key=key)
        _append_update(incident, body, body["incident_status"], changes, at, new_id)
        self.incidents[incident.id] = incident
        return incident

    def rename_incident(self, incident_id: str, name: str) -> Incident:
        incident = self.incident(incident_id)
        incident.name = name
        return incident

    def list_incidents(
        self, status_page_id: str, page_size: int, after: str | None
    ) -> tuple[list[Incident], str | None]:
        page = self.status_page(status_page_id, ("status_page_id",))
        newest_first = [i for i in reversed(self.incidents.values()) if i.status_page_id == page.id]
        return paginate(newest_first, lambda i: i.id, page_size, after)

    def list_status_pages(self, page_size: int, after: str | None) -> tuple[list[StatusPage], str | None]:
        return paginate(self.status_pages, lambda p: p.id, page_size, after)

    # --- persistence ---

    def to_json(self) -> dict[str, Any]:
        return {
            "version": STATE_VERSION,
            "status_pages": [p.to_json() for p in self.status_pages],
            "incidents": [i.to_json() for i in self.incidents.values()],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> State:
        if data.get("version") != STATE_VERSION:
            raise ValueError(f"unsupported state version {data.get('version')!r}; expected {STATE_VERSION}")
        incidents = [Incident.from_json(i) for i in data["incidents"]]
        return cls([StatusPage.from_json(p) for p in data["status_pages"]], {i.id: i for i in incidents})


def _unknown_components(page: StatusPage, changes: Iterable[dict[str, str]]) -> list[ErrorSingle]:
    known = {c.component_id for c in page.components()}
    return [
        ErrorSingle(
            "invalid_value",
            f"component {change['component_id']!r} is not a component of status page {page.name!r}",
            ("component_statuses", i, "component_id"),
        )
        for i, change in enumerate(changes)
        if change["component_id"] not in known
    ]


def _append_update(
    incident: Incident,
    body: dict[str, Any],
    status: str,
    changes: Iterable[dict[str, str]],
    at: datetime,
    new_id: Callable[[], str],
) -> Update:
    current = incident.component_statuses() if incident.updates else {}
    statuses = effective_statuses(current, changes, status)
    stamp = timestamp(at)
    update = Update(
        id=new_id(),
        status_page_incident_id=incident.id,
        published_at=stamp,
        message=body["message"],
        incident_status=status,
        component_statuses=[{"component_id": c, "component_status": s} for c, s in statuses.items()],
        notify_subscribers=body["notify_subscribers"],
    )
    incident.updates.append(update)
    track_impacts(incident.component_impacts, statuses, stamp)
    return update


# --- the state file --------------------------------------------------------------------


def load(path: Path) -> State:
    """The state saved in ``path``; ValueError if the file holds something else."""
    with open(path, encoding="utf-8") as f:
        try:
            return State.from_json(json.load(f))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"{path} is not a sandbox state file ({type(exc).__name__}: {exc})") from None


def save(state: State, path: Path) -> None:
    """Replace ``path`` atomically: a crash leaves the old file or the new one, never half of one."""
    write_atomic(path, json.dumps(state.to_json(), indent=1, ensure_ascii=False).encode())
