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

from sync.snapshot import Component, Page

# Facts of the API that the client, the planner and the sandbox all rely on.
MAX_UPDATES = 100  # per incident, counting every update on it, the first included
WRITE_SCOPE = "Create status page incidents, status page maintenance windows, and publish status page updates"


@dataclass(frozen=True, slots=True)
class RemoteUpdate:
    """An update of an incident or a maintenance window (``incident_status`` holds the window's status)."""

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
    status_page_id: str = ""
    kind: str = "incident"


@dataclass(frozen=True, slots=True)
class RemoteMaintenance:
    """A maintenance window. The API shows its schedule only as each component's maintenance period."""

    id: str
    name: str
    incident_status: str | None  # the window's maintenance_status, named as for incidents
    updates: tuple[RemoteUpdate, ...]
    status_page_id: str = ""
    start_at: str | None = None
    end_at: str | None = None
    automate: bool = False
    kind: str = "maintenance"


RemoteObject = RemoteIncident | RemoteMaintenance


class Malformed(ValueError):
    """A response body not shaped as the API documents it: nothing in it can be relied on."""


def _field(data: Any, name: str, kind: type, where: str) -> Any:
    if not isinstance(data, Mapping):
        raise Malformed(f"{where} is not a JSON object")
    value = data.get(name)
    if not isinstance(value, kind) or isinstance(value, bool) is not (kind is bool):
        raise Malformed(f"{where} lacks {name!r} or it is not a {kind.__name__}")
    return value


def _unwrap(data: Any, name: str) -> Any:
    """The object in a ``{name: {...}}`` response; a list item is the object itself."""
    if isinstance(data, Mapping) and name in data:
        return _field(data, name, Mapping, "the response")
    return data


def _strict_update(data: Any, status_field: str, where: str) -> RemoteUpdate:
    components = {}
    for item in _field(data, "component_statuses", list, where):
        cid = _field(item, "component_id", str, f"{where}.component_statuses[]")
        components[cid] = _field(item, "component_status", str, f"{where}.component_statuses[]")
    return RemoteUpdate(
        id=_field(data, "id", str, where),
        message=_field(data, "message", str, where),
        incident_status=_field(data, status_field, str, where),
        components=components,
        published_at=_field(data, "published_at", str, where),
    )


def parse_created_incident(data: Any) -> RemoteIncident:
    """The incident in a create / PUT / list response; raises :class:`Malformed` for any other shape."""
    body = _unwrap(data, "status_page_incident")
    where = "status_page_incident"
    return RemoteIncident(
        id=_field(body, "id", str, where),
        name=_field(body, "name", str, where),
        incident_status=_field(body, "incident_status", str, where),
        updates=tuple(
            _strict_update(u, "incident_status", f"{where}.updates[]")
            for u in _field(body, "updates", list, where)
        ),
        status_page_id=_field(body, "status_page_id", str, where),
    )


def parse_maintenance(data: Any) -> RemoteMaintenance:
    """A maintenance window from a show / create / PUT / list response; :class:`Malformed` otherwise."""
    body = _unwrap(data, "status_page_maintenance")
    where = "status_page_maintenance"
    periods = _field(body, "component_maintenance_periods", list, where)
    starts = [_field(p, "start_at", str, f"{where}.component_maintenance_periods[]") for p in periods]
    ends = [p["end_at"] for p in periods if isinstance(p.get("end_at"), str)]
    return RemoteMaintenance(
        id=_field(body, "id", str, where),
        name=_field(body, "name", str, where),
        incident_status=_field(body, "maintenance_status", str, where),
        updates=tuple(
            _strict_update(u, "maintenance_status", f"{where}.updates[]")
            for u in _field(body, "updates", list, where)
        ),
        status_page_id=_field(body, "status_page_id", str, where),
        start_at=min(starts, default=None),
        end_at=max(ends, default=None),
        automate=_field(body, "automate_maintenance_status", bool, where),
    )


def parse_maintenance_update(data: Any) -> RemoteUpdate:
    body = _field(data, "status_page_maintenance_update", Mapping, "the response")
    return _strict_update(body, "maintenance_status", "status_page_maintenance_update")


def parse_listing(data: Any, name: str) -> tuple[list[Any], str | None]:
    """The records of one page of a list response and the cursor for the next (None: the last page)."""
    records = _field(data, name, list, "the response")
    meta = _field(data, "pagination_meta", Mapping, "the response")
    after = meta.get("after")
    if after is not None and not isinstance(after, str):
        raise Malformed("pagination_meta.after is not a string")
    return records, after or None


def first_update(obj: RemoteObject) -> RemoteUpdate | None:
    """The update the create itself published (the oldest)."""
    ordered = chronological(obj.updates)
    return ordered[0] if ordered else None


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
        status_page_id=_text(body.get("status_page_id")),
    )


def chronological(updates: Iterable[RemoteUpdate]) -> list[RemoteUpdate]:
    """Oldest first, by published_at (RFC 3339 from one API sorts as text); ties keep the API's order."""
    return sorted(updates, key=lambda u: u.published_at)


def normalise_message(message: str) -> str:
    return message.replace("\r\n", "\n").replace("\r", "\n").strip()


def matches(payload: Mapping[str, Any], update: RemoteUpdate) -> bool:
    """Whether ``update`` on the status page is what posting ``payload`` produces (either kind of update)."""
    if normalise_message(str(payload.get("message", ""))) != normalise_message(update.message):
        return False
    status = payload.get("incident_status", payload.get("maintenance_status"))
    if status is not None and status != update.incident_status:
        return False
    for item in payload.get("component_statuses") or []:
        # A component set back to operational may no longer be listed among the affected ones.
        if update.components.get(item["component_id"], "operational") != item["component_status"]:
            return False
    return True


# --- status pages and their structure -------------------------------------------------------


def _named(data: Any, id_field: str, where: str) -> tuple[str, str]:
    """An object's ID (never empty: it is what everything else refers to) and name."""
    ident = _field(data, id_field, str, where)
    if not ident:
        raise Malformed(f"{where} has an empty {id_field!r}")
    return ident, _field(data, "name", str, where)


def parse_status_pages(data: Any) -> tuple[list[Page], str | None]:
    """From GET /v2/status_pages: the pages in this response and the cursor of the next (None: last)."""
    records, after = parse_listing(data, "status_pages")
    return [Page(*_named(p, "id", f"status_pages[{i}]")) for i, p in enumerate(records)], after


def parse_structure(page_id: str, data: Any) -> list[Component]:
    """From GET /v2/status_page_structures/{id}: every component the page shows, with its group and sub-page.

    An item holding none of component, group and sub_page is of a kind added after this was written, and
    holds no component this could know of, so it is passed over.
    """
    out: list[Component] = []

    def walk(items: list[Any], sub_page: str | None, at: str) -> None:
        for i, item in enumerate(items):
            here = f"{at}[{i}]"
            if not isinstance(item, Mapping):
                raise Malformed(f"{here} is not a JSON object")
            if "component" in item:
                out.append(
                    Component(
                        *_named(item["component"], "component_id", f"{here}.component"),
                        None,
                        page_id,
                        sub_page,
                    )
                )
            if "group" in item:
                group = _named(item["group"], "id", f"{here}.group")[1]
                for j, c in enumerate(_field(item["group"], "components", list, f"{here}.group")):
                    at_c = f"{here}.group.components[{j}]"
                    out.append(Component(*_named(c, "component_id", at_c), group, page_id, sub_page))
            if "sub_page" in item:
                if sub_page is not None:
                    raise Malformed(f"{here} nests a sub-page in a sub-page")
                name = _named(item["sub_page"], "id", f"{here}.sub_page")[1]
                walk(
                    _field(item["sub_page"], "items", list, f"{here}.sub_page"),
                    name,
                    f"{here}.sub_page.items",
                )

    structure = _field(data, "current_structure", Mapping, "the response")
    walk(_field(structure, "items", list, "current_structure"), None, "current_structure.items")
    return out
