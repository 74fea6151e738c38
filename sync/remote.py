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
from typing import Literal, TypeVar

from sync import timefmt
from sync.jsonvalue import JSON
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
    kind: Literal["incident"] = "incident"


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
    kind: Literal["maintenance"] = "maintenance"
    component_ids: tuple[str, ...] = ()  # the affected components, from the maintenance periods


RemoteObject = RemoteIncident | RemoteMaintenance


_T = TypeVar("_T")


class ShapeError(ValueError):
    """A response body that is not what the API documents; the text names where it differs."""


def _text(value: JSON) -> str:
    return value if isinstance(value, str) else ""


def _json_type(value: JSON) -> str:
    """What JSON calls the type of a parsed value, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "an object" if isinstance(value, Mapping) else "a list"


def _field(data: Mapping[str, JSON], name: str, kind: type[_T], where: str) -> _T:
    """``data[name]`` if it is of ``kind``, else ShapeError naming the field by its path in the body."""
    value = data.get(name)
    if not isinstance(value, kind) or isinstance(value, bool):
        found = "nothing" if name not in data else _json_type(value)
        raise ShapeError(f"{where}{name} should be {_json_type(kind())}, found {found}")
    return value


def parse_update(data: JSON, incident_id: str, where: str = "", *, kind: str = "incident") -> RemoteUpdate:
    """One update object, checked in every field that matching and the ledger rely on.

    A field that is missing or of the wrong type would make a matching update
    look different, and a published update then looks absent and is posted
    again: refusing the body is the only safe reading.
    """
    if not isinstance(data, Mapping):
        raise ShapeError(f"{where[:-1] or 'the update'} should be an object, found {_json_type(data)}")
    update_id = _field(data, "id", str, where)
    if not update_id:
        raise ShapeError(f"{where}id is empty")
    owner_field = f"status_page_{kind}_id"  # a maintenance window's updates name it, and carry its status
    owner = data.get(owner_field, incident_id)
    if owner != incident_id:
        raise ShapeError(f"{where}{owner_field} is {owner!r}, not {incident_id!r}")
    components: dict[str, str] = {}
    for i, c in enumerate(_field(data, "component_statuses", list, where)):
        at = f"{where}component_statuses[{i}]."
        if not isinstance(c, Mapping):
            raise ShapeError(f"{at[:-1]} should be an object, found {_json_type(c)}")
        components[_field(c, "component_id", str, at)] = _field(c, "component_status", str, at)
    return RemoteUpdate(
        id=update_id,
        message=_field(data, "message", str, where),
        incident_status=_field(data, f"{kind}_status", str, where),
        components=components,
        published_at=_field(data, "published_at", str, where),
    )


def parse_created_update(data: JSON, incident_id: str) -> RemoteUpdate:
    """The body of a 201 from POST /v2/status_page_incident_updates."""
    if not isinstance(data, Mapping):
        raise ShapeError("the body is not a JSON object")
    return parse_update(
        _field(data, "status_page_incident_update", dict, ""), incident_id, "status_page_incident_update."
    )


def parse_incident(data: JSON, incident_id: str) -> RemoteIncident:
    """The body of GET /v2/status_page_incidents/{id}: that incident, or ShapeError.

    Strict where an answer is relied on (the id asked for, a list of complete
    updates) and tolerant of new fields and enum values elsewhere.
    """
    if not isinstance(data, Mapping):
        raise ShapeError("the body is not a JSON object")
    body = _field(data, "status_page_incident", dict, "")
    where = "status_page_incident."
    if _field(body, "id", str, where) != incident_id:
        raise ShapeError(f"{where}id is {body['id']!r}, not the incident asked for ({incident_id!r})")
    updates = tuple(
        parse_update(u, incident_id, f"{where}updates[{i}].")
        for i, u in enumerate(_field(body, "updates", list, where))
    )
    if len({u.id for u in updates}) != len(updates):
        raise ShapeError(f"{where}updates holds the same update id twice")
    return RemoteIncident(
        id=incident_id,
        name=_text(body.get("name")),
        incident_status=body.get("incident_status") if isinstance(body.get("incident_status"), str) else None,
        updates=updates,
        status_page_id=_text(body.get("status_page_id")),  # sync checks components against this page
    )


def _flag(data: Mapping[str, JSON], name: str, where: str) -> bool:
    value = data.get(name)
    if not isinstance(value, bool):
        raise ShapeError(
            f"{where}{name} should be a boolean, found {_json_type(value) if name in data else 'nothing'}"
        )
    return value


def _object(data: JSON, wrapper: str, asked: str | None) -> tuple[Mapping[str, JSON], str, str]:
    """The object of a show / create / PUT body (``{wrapper: {...}}``) or a list item, its path in the
    body, and its ID (which must be the one ``asked`` for, if any)."""
    if not isinstance(data, Mapping):
        raise ShapeError("the body is not a JSON object")
    body, where = (_field(data, wrapper, dict, ""), f"{wrapper}.") if wrapper in data else (data, "")
    found = _field(body, "id", str, where)
    if not found or (asked is not None and found != asked):
        raise ShapeError(f"{where}id is {found!r}, not the one asked for ({asked!r})")
    return body, where, found


def _updates(body: Mapping[str, JSON], owner: str, where: str, kind: str) -> tuple[RemoteUpdate, ...]:
    updates = tuple(
        parse_update(u, owner, f"{where}updates[{i}].", kind=kind)
        for i, u in enumerate(_field(body, "updates", list, where))
    )
    if len({u.id for u in updates}) != len(updates):
        raise ShapeError(f"{where}updates holds the same update id twice")
    return updates


def parse_created_incident(data: JSON, incident_id: str | None = None) -> RemoteIncident:
    """An incident from a create / PUT body or a list item (``incident_id``: the one asked for)."""
    body, where, found = _object(data, "status_page_incident", incident_id)
    return RemoteIncident(
        id=found,
        name=_field(body, "name", str, where),
        incident_status=_field(body, "incident_status", str, where),
        updates=_updates(body, found, where, "incident"),
        status_page_id=_field(body, "status_page_id", str, where),
    )


def parse_maintenance(data: JSON, maintenance_id: str | None = None) -> RemoteMaintenance:
    """A maintenance window from a show / create / PUT body or a list item. Its schedule is only in
    ``component_maintenance_periods``."""
    body, where, found = _object(data, "status_page_maintenance", maintenance_id)
    starts, ends, components = [], [], []
    for i, period in enumerate(_field(body, "component_maintenance_periods", list, where)):
        at = f"{where}component_maintenance_periods[{i}]."
        if not isinstance(period, Mapping):
            raise ShapeError(f"{at[:-1]} should be an object, found {_json_type(period)}")
        starts.append(_field(period, "start_at", str, at))
        if isinstance(period.get("component_id"), str) and period["component_id"] not in components:
            components.append(period["component_id"])
        if "end_at" in period:
            ends.append(_field(period, "end_at", str, at))
    return RemoteMaintenance(
        id=found,
        name=_field(body, "name", str, where),
        incident_status=_field(body, "maintenance_status", str, where),
        updates=_updates(body, found, where, "maintenance"),
        status_page_id=_field(body, "status_page_id", str, where),
        start_at=min(starts, key=timefmt.order, default=None),
        end_at=max(ends, key=timefmt.order, default=None),
        automate=_flag(body, "automate_maintenance_status", where),
        component_ids=tuple(components),
    )


def parse_maintenance_update(data: JSON, maintenance_id: str) -> RemoteUpdate:
    """The body of a 201 from POST /v2/status_page_maintenance_updates."""
    if not isinstance(data, Mapping):
        raise ShapeError("the body is not a JSON object")
    body = _field(data, "status_page_maintenance_update", dict, "")
    return parse_update(body, maintenance_id, "status_page_maintenance_update.", kind="maintenance")


def parse_listing(data: JSON, name: str) -> tuple[list[JSON], str | None]:
    """The records of one page of a list response and the cursor for the next (None: the last page)."""
    if not isinstance(data, Mapping):
        raise ShapeError("the body is not a JSON object")
    records = _field(data, name, list, "")
    meta = _field(data, "pagination_meta", dict, "")
    after = meta.get("after")
    if after is not None and not isinstance(after, str):
        raise ShapeError(f"pagination_meta.after should be a string, found {_json_type(after)}")
    return records, after or None


def first_update(obj: RemoteObject) -> RemoteUpdate | None:
    """The update the create itself published (the oldest)."""
    ordered = chronological(obj.updates)
    return ordered[0] if ordered else None


def chronological(updates: Iterable[RemoteUpdate]) -> list[RemoteUpdate]:
    """Oldest first, by the instant published_at names; ties keep the API's order."""
    return sorted(updates, key=lambda u: timefmt.order(u.published_at))


def normalise_message(message: str) -> str:
    return message.replace("\r\n", "\n").replace("\r", "\n").strip()


def matches(payload: Mapping[str, JSON], update: RemoteUpdate) -> bool:
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


def _named(data: JSON, id_field: str, where: str) -> tuple[str, str]:
    """An object's ID (never empty: it is what everything else refers to) and name."""
    if not isinstance(data, Mapping):
        raise ShapeError(f"{where} should be an object, found {_json_type(data)}")
    ident = _field(data, id_field, str, f"{where}.")
    if not ident:
        raise ShapeError(f"{where} has an empty {id_field!r}")
    return ident, _field(data, "name", str, f"{where}.")


def parse_status_pages(data: JSON) -> tuple[list[Page], str | None]:
    """From GET /v2/status_pages: the pages in this response and the cursor of the next (None: last)."""
    records, after = parse_listing(data, "status_pages")
    return [Page(*_named(p, "id", f"status_pages[{i}]")) for i, p in enumerate(records)], after


def parse_structure(page_id: str, data: JSON) -> list[Component]:
    """From GET /v2/status_page_structures/{id}: every component the page shows, with its group and sub-page.

    An item holding none of component, group and sub_page is of a kind added after this was written, and
    holds no component this could know of, so it is passed over.
    """
    out: list[Component] = []

    def walk(items: list[JSON], sub_page: str | None, at: str) -> None:
        for i, item in enumerate(items):
            here = f"{at}[{i}]"
            if not isinstance(item, Mapping):
                raise ShapeError(f"{here} is not a JSON object")
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
                for j, c in enumerate(_field(item["group"], "components", list, f"{here}.group.")):
                    at_c = f"{here}.group.components[{j}]"
                    out.append(Component(*_named(c, "component_id", at_c), group, page_id, sub_page))
            if "sub_page" in item:
                if sub_page is not None:
                    raise ShapeError(f"{here} nests a sub-page in a sub-page")
                name = _named(item["sub_page"], "id", f"{here}.sub_page")[1]
                walk(
                    _field(item["sub_page"], "items", list, f"{here}.sub_page."),
                    name,
                    f"{here}.sub_page.items",
                )

    if not isinstance(data, Mapping):
        raise ShapeError("the body is not a JSON object")
    structure = _field(data, "current_structure", dict, "")
    walk(_field(structure, "items", list, "current_structure."), None, "current_structure.items")
    return out
