"""The sandbox's in-memory model: status pages, incidents and maintenance windows, and its JSON file.

Nothing here knows about HTTP. Operations take the request body as already
checked against the schema, plus the time and an ID source, so the server
decides when things happen and the model stays deterministic. Refusals are
raised as :class:`~sync.sandbox.refusals.Refusal`; the server turns them into
the API's error body.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol, TypeVar

from sync.fsutil import NotRegularFile, read_regular, write_atomic
from sync.jsonvalue import TooDeep, loads
from sync.remote import MAX_UPDATES
from sync.sandbox import incidents, maintenances
from sync.sandbox.ids import timestamp
from sync.sandbox.incidents import Incident, Update
from sync.sandbox.maintenances import Maintenance, MaintenanceUpdate
from sync.sandbox.pages import Group, StatusPage
from sync.sandbox.refusals import ErrorSingle, Refusal, not_found

STATE_VERSION = 2  # 2: maintenance windows, and the original response of each idempotent create
INCIDENT = "status_page_incident"
MAINTENANCE = "status_page_maintenance"

T = TypeVar("T")


class OnPage(Protocol):
    """An object that belongs to one status page: an incident or a maintenance window."""

    @property
    def id(self) -> str: ...

    @property
    def status_page_id(self) -> str: ...


P = TypeVar("P", bound=OnPage)
NewId = Callable[[], str]
FieldPath = tuple[str | int, ...]


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


def _instant(text: str) -> str:
    """An RFC 3339 time (already checked) as the API writes times: UTC, with microseconds."""
    return timestamp(datetime.fromisoformat(text))


def _too_many_updates(what: str, ident: str, count: int, field: str) -> ErrorSingle:
    return ErrorSingle(
        "too_many_updates",
        f"{what} {ident} already has {count} updates; the limit is {MAX_UPDATES} updates per {what}",
        (field,),
    )


@dataclass(slots=True)
class State:
    status_pages: list[StatusPage] = field(default_factory=list)
    incidents: dict[str, Incident] = field(default_factory=dict)  # in creation order
    maintenances: dict[str, Maintenance] = field(default_factory=dict)  # in creation order
    # For each kind of idempotent create, the original response body by idempotency key.
    created: dict[str, dict[str, dict[str, Any]]] = field(
        default_factory=lambda: {INCIDENT: {}, MAINTENANCE: {}}
    )

    def status_page(self, status_page_id: str, path: FieldPath | None = None) -> StatusPage:
        for page in self.status_pages:
            if page.id == status_page_id:
                return page
        raise not_found("status page", status_page_id, path)

    def incident(self, incident_id: str, path: FieldPath | None = None) -> Incident:
        try:
            return self.incidents[incident_id]
        except KeyError:
            raise not_found("status page incident", incident_id, path) from None

    def maintenance(self, maintenance_id: str, path: FieldPath | None = None) -> Maintenance:
        try:
            return self.maintenances[maintenance_id]
        except KeyError:
            raise not_found("status page maintenance window", maintenance_id, path) from None

    def ids(self) -> list[str]:
        """Every ID the state holds, so that new ones never collide with them."""
        out = [p.id for p in self.status_pages]
        for page in self.status_pages:
            out += [item.id for item in page.items if isinstance(item, Group)]
            out += [c.component_id for c in page.components()]
        for incident in self.incidents.values():
            out += [incident.id, *(u.id for u in incident.updates)]
        for window in self.maintenances.values():
            out += [window.id, *(u.id for u in window.updates)]
        return out

    # --- operations (each takes a body the schema already accepted) ---

    def create_once(self, kind: str, key: str, create: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        """The response to an idempotent create: ``create()``'s the first time, the original ever after."""
        originals = self.created.setdefault(kind, {})
        if key not in originals:
            originals[key] = create()
        return originals[key]

    def post_update(self, body: dict[str, Any], at: datetime, new_id: NewId) -> Update:
        incident = self.incident(body["status_page_incident_id"], ("status_page_incident_id",))
        changes = body.get("component_statuses", [])
        page = self.status_page(incident.status_page_id)
        problems = page.unknown_components([c["component_id"] for c in changes], "component_statuses")
        if len(incident.updates) >= MAX_UPDATES:
            count = len(incident.updates)
            problems.append(_too_many_updates("incident", incident.id, count, "status_page_incident_id"))
        if problems:
            raise Refusal(422, problems)
        status = body.get("incident_status", incident.incident_status)
        return incidents.append_update(incident, body, status, changes, at, new_id)

    def create_incident(self, body: dict[str, Any], at: datetime, new_id: NewId) -> Incident:
        page = self.status_page(body["status_page_id"], ("status_page_id",))
        changes = body.get("component_statuses", [])
        problems = page.unknown_components([c["component_id"] for c in changes], "component_statuses")
        if problems:
            raise Refusal(422, problems)
        incident = Incident(new_id(), page.id, body["name"], timestamp(at), [])
        incidents.append_update(incident, body, body["incident_status"], changes, at, new_id)
        self.incidents[incident.id] = incident
        return incident

    def rename_incident(self, incident_id: str, name: str) -> Incident:
        incident = self.incident(incident_id)
        incident.name = name
        return incident

    def _newest_first(
        self, objects: Iterable[P], status_page_id: str, page_size: int, after: str | None
    ) -> tuple[list[P], str | None]:
        page = self.status_page(status_page_id, ("status_page_id",))
        newest_first = [o for o in reversed(list(objects)) if o.status_page_id == page.id]
        return paginate(newest_first, lambda o: o.id, page_size, after)

    def list_incidents(
        self, status_page_id: str, page_size: int, after: str | None
    ) -> tuple[list[Incident], str | None]:
        return self._newest_first(self.incidents.values(), status_page_id, page_size, after)

    def list_status_pages(self, page_size: int, after: str | None) -> tuple[list[StatusPage], str | None]:
        return paginate(self.status_pages, lambda p: p.id, page_size, after)

    def create_maintenance(self, body: dict[str, Any], at: datetime, new_id: NewId) -> Maintenance:
        page = self.status_page(body["status_page_id"], ("status_page_id",))
        affected = body["affected_component_ids"]
        problems = page.unknown_components(affected, "affected_component_ids")
        if problems:
            raise Refusal(422, problems)
        status = body["maintenance_status"]
        window = Maintenance(
            id=new_id(),
            status_page_id=page.id,
            name=body["name"],
            published_at=timestamp(at),
            start_at=_instant(body["start_at"]),
            end_at=_instant(body["end_at"]),
            affected_component_ids=list(affected),
            automate_maintenance_status=body.get("automate_maintenance_status", False),
            notify_subscribers=body["notify_subscribers"],
            updates=[],
        )
        maintenances.append_update(
            window,
            message=body["message"],
            status=status,
            changes=maintenances.opening_changes(affected, status),
            notify=body["notify_subscribers"],
            at=at,
            new_id=new_id,
        )
        self.maintenances[window.id] = window
        return window

    def reschedule_maintenance(self, maintenance_id: str, body: dict[str, Any]) -> Maintenance:
        window = self.maintenance(maintenance_id)
        window.name = body["name"]
        window.start_at, window.end_at = _instant(body["start_at"]), _instant(body["end_at"])
        return window

    def post_maintenance_update(self, body: dict[str, Any], at: datetime, new_id: NewId) -> MaintenanceUpdate:
        window = self.maintenance(body["status_page_maintenance_id"], ("status_page_maintenance_id",))
        changes = body.get("component_statuses", [])
        page = self.status_page(window.status_page_id)
        problems = page.unknown_components([c["component_id"] for c in changes], "component_statuses")
        if len(window.updates) >= MAX_UPDATES:
            count = len(window.updates)
            problems.append(
                _too_many_updates("maintenance window", window.id, count, "status_page_maintenance_id")
            )
        if problems:
            raise Refusal(422, problems)
        if "maintenance_status" in body:  # the window is in someone's hands now
            window.automate_maintenance_status = False
        return maintenances.append_update(
            window,
            message=body["message"],
            status=body.get("maintenance_status", window.maintenance_status),
            changes=changes,
            notify=body["notify_subscribers"],
            at=at,
            new_id=new_id,
        )

    def list_maintenances(
        self, status_page_id: str, page_size: int, after: str | None
    ) -> tuple[list[Maintenance], str | None]:
        return self._newest_first(self.maintenances.values(), status_page_id, page_size, after)

    def advance(self, now: datetime, new_id: NewId) -> bool:
        """Publish every automated maintenance update due by ``now``; True if there were any."""
        return any([maintenances.advance(m, now, new_id) for m in self.maintenances.values()])

    # --- persistence ---

    def to_json(self) -> dict[str, Any]:
        return {
            "version": STATE_VERSION,
            "status_pages": [p.to_json() for p in self.status_pages],
            "incidents": [i.to_json() for i in self.incidents.values()],
            "maintenances": [m.to_json() for m in self.maintenances.values()],
            "created": self.created,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> State:
        version = data.get("version")
        if version not in (1, STATE_VERSION):
            raise ValueError(f"unsupported state version {version!r}; expected {STATE_VERSION}")
        found = [Incident.from_json(i) for i in data["incidents"]]
        state = cls([StatusPage.from_json(p) for p in data["status_pages"]], {i.id: i for i in found})
        if version == 1:  # incidents held their key; the original response is not known, the incident is
            for raw, incident in zip(data["incidents"], found, strict=True):
                if raw.get("idempotency_key") is not None:
                    state.created[INCIDENT][raw["idempotency_key"]] = {INCIDENT: incident.to_api()}
            return state
        state.maintenances = {m.id: m for m in map(Maintenance.from_json, data["maintenances"])}
        state.created = {kind: dict(by_key) for kind, by_key in data["created"].items()}
        return state


def load(path: Path) -> State:
    """The state saved in ``path``; ValueError if the file holds something else."""
    try:
        data = read_regular(path)  # a FIFO would block and a device never end
    except NotRegularFile:
        raise ValueError(f"{path} is not a sandbox state file (not a regular file)") from None
    try:
        return State.from_json(loads(data))
    except TooDeep:
        raise ValueError(f"{path} is not a sandbox state file (nested too deeply)") from None
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"{path} is not a sandbox state file ({type(exc).__name__}: {exc})") from None


def save(state: State, path: Path) -> None:
    """Replace ``path`` atomically: a crash leaves the old file or the new one, never half of one."""
    write_atomic(path, json.dumps(state.to_json(), indent=1, ensure_ascii=False).encode())
