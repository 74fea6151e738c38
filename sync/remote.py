"""What the status page already shows, as plain data, and how a statusfile is recognised in it.

The API has no idempotency key for updates, so "was this posted?" is answered by
reading the incident back and matching its updates against the statusfile. The
API echoes the incident's *effective* status and components on every update, so
a field the statusfile leaves out matches anything, and the components a file
sets must appear (with those statuses) among the ones echoed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

# Facts of the API that the client, the planner and the sandbox all rely on.
MAX_UPDATES = 100  # per incident, counting every update on it, the first included
WRITE_SCOPE = "Create status page incidents, status page maintenance windows, and publish status page updates"


@dataclass(frozen=True, slots=True)
class RemoteUpdate:
    id: str
    message: str
    incident_status: str | None
    components: Mapping[str, str]
    published_at: str


@dataclass(frozen=True, slots=True)
class RemoteIncident:
    id: str
    name: str
    incident_status: str | None
    updates: tuple[RemoteUpdate, ...]  # in the order the API returned them (not relied on)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def parse_update(data: Mapping[str, Any]) -> RemoteUpdate:
    components = {
        _text(c.get("component_id")): _text(c.get("component_status"))
        for c in data.get("component_statuses") or []
        if isinstance(c, Mapping)
    }
    return RemoteUpdate(
        id=_text(data.get("id")),
        message=_text(data.get("message")),
        incident_status=data.get("incident_status") if isinstance(data.get("incident_status"), str) else None,
        components=components,
        published_at=_text(data.get("published_at")),
    )


def parse_incident(data: Mapping[str, Any]) -> RemoteIncident:
    """From the body of GET /v2/status_page_incidents/{id}; tolerant of new fields and enum values."""
    body = data.get("status_page_incident", data)
    return RemoteIncident(
        id=_text(body.get("id")),
        name=_text(body.get("name")),
        incident_status=body.get("incident_status") if isinstance(body.get("incident_status"), str) else None,
        updates=tuple(parse_update(u) for u in body.get("updates") or [] if isinstance(u, Mapping)),
    )


def chronological(updates: Iterable[RemoteUpdate]) -> list[RemoteUpdate]:
    """Oldest first, by published_at (RFC 3339 from one API sorts as text); ties keep the API's order."""
    return sorted(updates, key=lambda u: u.published_at)


def normalise_message(message: str) -> str:
    return message.replace("\r\n", "\n").replace("\r", "\n").strip()


def matches(payload: Mapping[str, Any], update: RemoteUpdate) -> bool:
    """Whether ``update`` on the status page is what posting ``payload`` produces."""
    if normalise_message(str(payload.get("message", ""))) != normalise_message(update.message):
        return False
    status = payload.get("incident_status")
    if status is not None and status != update.incident_status:
        return False
    for item in payload.get("component_statuses") or []:
        # A component set back to operational may no longer be listed among the affected ones.
        if update.components.get(item["component_id"], "operational") != item["component_status"]:
            return False
    return True
