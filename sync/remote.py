"""What the status page already shows, as plain data, and how a statusfile is recognised in it.

The API has no idempotency key for updates, so "was this posted?" is answered by
reading the incident back and matching its updates against the statusfile. The
API echoes the incident's *effective* status and components on every update, so
a field the statusfile leaves out matches anything, and the components a file
sets must appear (with those statuses) among the ones echoed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sync.snapshot import Component, Page

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


# --- status pages and their structure -------------------------------------------------------


class UnexpectedShape(ValueError):
    """A response not shaped as the API documents it: nothing read from it can be trusted."""


def _field(data: Any, name: str, where: str) -> str:
    value = data.get(name) if isinstance(data, Mapping) else None
    if not isinstance(value, str) or not value:
        raise UnexpectedShape(f"{where}: {name} is missing or not a string")
    return value


def _items(data: Any, name: str, where: str) -> list[Any]:
    value = data.get(name) if isinstance(data, Mapping) else None
    if not isinstance(value, list):
        raise UnexpectedShape(f"{where}: {name} is missing or not a list")
    return value


def parse_status_pages(data: Any) -> tuple[list[Page], str | None]:
    """From GET /v2/status_pages: the pages in this response and the cursor of the next (None: last)."""
    where = "GET /v2/status_pages"
    pages = [
        Page(_field(p, "id", f"{where}: status_pages[{i}]"), _field(p, "name", f"{where}: status_pages[{i}]"))
        for i, p in enumerate(_items(data, "status_pages", where))
    ]
    meta = data.get("pagination_meta")  # data is a mapping: _items checked it
    if not isinstance(meta, Mapping):
        raise UnexpectedShape("GET /v2/status_pages: pagination_meta is missing")
    after = meta.get("after")
    if after is not None and not isinstance(after, str):
        raise UnexpectedShape("GET /v2/status_pages: pagination_meta.after is not a string")
    return pages, after or None


def parse_structure(page_id: str, data: Any) -> list[Component]:
    """From GET /v2/status_page_structures/{id}: every component the page shows, with its group and sub-page.

    An item holding none of component, group and sub_page is of a kind added after this was written, and
    holds no component this could know of, so it is passed over.
    """
    where = f"the structure of status page {page_id}"
    structure = data.get("current_structure") if isinstance(data, Mapping) else None
    if not isinstance(structure, Mapping):
        raise UnexpectedShape(f"{where}: current_structure is missing")
    out: list[Component] = []

    def walk(items: list[Any], sub_page: str | None, at: str) -> None:
        for i, item in enumerate(items):
            here = f"{at}[{i}]"
            if not isinstance(item, Mapping):
                raise UnexpectedShape(f"{here} is not an object")
            if "component" in item:
                c, at_c = item["component"], f"{here}.component"
                out.append(
                    Component(
                        _field(c, "component_id", at_c), _field(c, "name", at_c), None, page_id, sub_page
                    )
                )
            if "group" in item:
                g = item["group"]
                name = _field(g, "name", f"{here}.group")
                for j, c in enumerate(_items(g, "components", f"{here}.group")):
                    at_c = f"{here}.group.components[{j}]"
                    out.append(
                        Component(
                            _field(c, "component_id", at_c), _field(c, "name", at_c), name, page_id, sub_page
                        )
                    )
            if "sub_page" in item:
                if sub_page is not None:
                    raise UnexpectedShape(f"{here} nests a sub-page in a sub-page")
                s = item["sub_page"]
                walk(
                    _items(s, "items", f"{here}.sub_page"),
                    _field(s, "name", f"{here}.sub_page"),
                    f"{here}.sub_page.items",
                )

    try:
        walk(_items(structure, "items", "current_structure"), None, "items")
    except UnexpectedShape as exc:
        raise UnexpectedShape(f"{where}: {exc}") from None
    return out
