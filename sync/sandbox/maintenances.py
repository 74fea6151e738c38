"""Status-page maintenance windows and their updates.

A window's status and its components' statuses are the ones its latest update
echoes, as for incidents. Its schedule (``start_at``, ``end_at``) shows in the
API only as each affected component's maintenance period. With
``automate_maintenance_status`` the window moves itself to in progress at
``start_at`` and to complete at ``end_at``, publishing an update each time,
until someone posts an update that sets a status.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sync.sandbox.ids import timestamp
from sync.sandbox.statuses import (
    COMPLETE,
    IN_PROGRESS,
    MAINTENANCE_STATUSES,
    OPERATIONAL,
    UNDER_MAINTENANCE,
)

AUTOMATED_MESSAGES = {
    IN_PROGRESS: "This scheduled maintenance is now in progress.",
    COMPLETE: "This scheduled maintenance has completed.",
}


@dataclass(slots=True)
class MaintenanceUpdate:
    id: str
    status_page_maintenance_id: str
    published_at: str
    message: str
    maintenance_status: str
    component_statuses: list[dict[str, str]]
    notify_subscribers: bool  # kept for assertions; the API does not echo it

    def to_api(self) -> dict[str, Any]:
        out = asdict(self)
        del out["notify_subscribers"]
        return out


@dataclass(slots=True)
class Maintenance:
    id: str
    status_page_id: str
    name: str
    published_at: str
    start_at: str
    end_at: str
    affected_component_ids: list[str]
    automate_maintenance_status: bool
    notify_subscribers: bool  # whether the automated updates notify too
    updates: list[MaintenanceUpdate]  # in posting order

    @property
    def maintenance_status(self) -> str:
        return self.updates[-1].maintenance_status

    def component_statuses(self) -> dict[str, str]:
        return {c["component_id"]: c["component_status"] for c in self.updates[-1].component_statuses}

    def to_api(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "status_page_id": self.status_page_id,
            "name": self.name,
            "published_at": self.published_at,
            "maintenance_status": self.maintenance_status,
            "automate_maintenance_status": self.automate_maintenance_status,
            "updates": [u.to_api() for u in reversed(self.updates)],  # newest first, as for incidents
            "component_maintenance_periods": [
                {"component_id": cid, "start_at": self.start_at, "end_at": self.end_at}
                for cid in self.affected_component_ids
            ],
        }

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Maintenance:
        return cls(**{**data, "updates": [MaintenanceUpdate(**u) for u in data["updates"]]})


def append_update(
    window: Maintenance,
    *,
    message: str,
    status: str,
    changes: Iterable[dict[str, str]],
    notify: bool,
    at: datetime,
    new_id: Callable[[], str],
) -> MaintenanceUpdate:
    """Publish an update; completing the window sets every component it lists to operational."""
    statuses = window.component_statuses() if window.updates else {}
    for change in changes:
        statuses[change["component_id"]] = change["component_status"]
    if status == COMPLETE:
        statuses = dict.fromkeys(statuses, OPERATIONAL)
    stamp = timestamp(at)
    if window.updates:  # an automated update due in the past still comes after the ones before it
        stamp = max(stamp, window.updates[-1].published_at)
    update = MaintenanceUpdate(
        id=new_id(),
        status_page_maintenance_id=window.id,
        published_at=stamp,
        message=message,
        maintenance_status=status,
        component_statuses=[{"component_id": c, "component_status": s} for c, s in statuses.items()],
        notify_subscribers=notify,
    )
    window.updates.append(update)
    return update


def opening_changes(affected: Iterable[str], status: str) -> list[dict[str, str]]:
    """The affected components' statuses for a window created (or moved) with ``status``."""
    component_status = UNDER_MAINTENANCE if status == IN_PROGRESS else OPERATIONAL
    return [{"component_id": cid, "component_status": component_status} for cid in affected]


def advance(window: Maintenance, now: datetime, new_id: Callable[[], str]) -> bool:
    """Publish the automated updates that are due by ``now``; True if there were any."""
    if not window.automate_maintenance_status:
        return False
    published = False
    for status, due in ((IN_PROGRESS, window.start_at), (COMPLETE, window.end_at)):
        at = datetime.fromisoformat(due)
        # Automation only moves a window forwards.
        behind = MAINTENANCE_STATUSES.index(window.maintenance_status) < MAINTENANCE_STATUSES.index(status)
        if at <= now and behind:
            append_update(
                window,
                message=AUTOMATED_MESSAGES[status],
                status=status,
                changes=opening_changes(window.affected_component_ids, status),
                notify=window.notify_subscribers,
                at=at,
                new_id=new_id,
            )
            published = True
    return published
