"""Status-page incidents and their updates.

An incident's *effective* state (its status and its components' statuses) is
the one its latest update echoes: the API's update object carries the state
after the update, not just the fields that were sent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sync.sandbox.ids import timestamp
from sync.sandbox.statuses import OPERATIONAL, RESOLVED


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


def append_update(
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
