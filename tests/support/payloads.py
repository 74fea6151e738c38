"""Statusfile payloads: the bodies tests write as files, load in memory or send to the sandbox.

`payload` is the one builder and the one place the support code spells a payload's field names (the corpora
write YAML by hand, since their positions are the point). `update`, `incident`, `maintenance` and
`maintenance_update` are its kinds with their usual defaults. Each takes keyword overrides (a named one given
None leaves its field out), and any other keyword is an API field added or replaced as it is, so a test can
write what no builder offers: ``update(status_page_incident_id="01ABC")``.
Outputs: the dict itself, `yaml_text` (what a person writes), `write_statusfile` (that text on disk) and
`planning.load` (a loaded Statusfile, in memory).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

PAGE = "01FCNDV6P870EA6S7TK1DSYDG0"
INCIDENT = "01FCNDV6P870EA6S7TK1DSYDG1"
COMPONENT = "01FCNDV6P870EA6S7TK1DSYDG2"
MODELINE = "# yaml-language-server: $schema=../../schemas/status-page-incident-update.schema.json\n"


def component_statuses(components: Mapping[str, str]) -> list[dict[str, str]]:
    """``{component ID: status}`` as the API's list of component statuses."""
    return [{"component_id": c, "component_status": s} for c, s in components.items()]


def payload(
    message: str,
    *,
    notify: bool = False,
    incident: str | None = None,
    maintenance: str | None = None,
    page: str | None = None,
    name: str | None = None,
    incident_status: str | None = None,
    maintenance_status: str | None = None,
    affected: Iterable[str] | None = None,
    start: str | None = None,
    end: str | None = None,
    automate: bool | None = None,
    components: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """A body of any kind, its fields in the order people write them; None (and no components) leaves a
    field out. A declaration's status comes before its message, an update's after it."""
    head = {
        "status_page_incident_id": incident,
        "status_page_maintenance_id": maintenance,
        "status_page_id": page,
        "name": name,
    }
    declared = page is not None
    statuses = {"incident_status": incident_status, "maintenance_status": maintenance_status}
    window = {
        "affected_component_ids": None if affected is None else list(affected),
        "start_at": start,
        "end_at": end,
    }
    body = {
        **head,
        **(statuses if declared else {}),
        **window,
        "message": message,
        "notify_subscribers": notify,
        "automate_maintenance_status": automate,
        **({} if declared else statuses),
        "component_statuses": component_statuses(components) if components else None,
    }
    return {k: v for k, v in body.items() if v is not None}


def update(
    message: str = "We are investigating.",
    *,
    incident: str | None = INCIDENT,
    status: str | None = "investigating",
    notify: bool = False,
    components: Mapping[str, str] | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """An incident update; with ``incident=None``, one in a declared incident's folder (which names it)."""
    return (
        payload(message, incident=incident, incident_status=status, notify=notify, components=components)
        | fields
    )


def incident(
    name: str = "Elevated API errors",
    message: str = "We are investigating.",
    *,
    page: str = PAGE,
    status: str = "investigating",
    notify: bool = False,
    components: Mapping[str, str] | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """A declared incident (incident.yaml), or with an ``idempotency_key`` the body that creates one."""
    return (
        payload(
            message,
            page=page,
            name=name,
            incident_status=status,
            notify=notify,
            components=components,
        )
        | fields
    )


def maintenance(
    name: str = "Database upgrade",
    message: str = "We will upgrade the database.",
    *,
    page: str = PAGE,
    status: str = "maintenance_scheduled",
    affected: Iterable[str] = (COMPONENT,),
    start: str = "2030-01-01T10:00:00Z",
    end: str = "2030-01-01T12:00:00Z",
    automate: bool | None = None,
    notify: bool = False,
    **fields: Any,
) -> dict[str, Any]:
    """A declared maintenance window (maintenance.yaml), or with an ``idempotency_key`` the body that
    creates one."""
    return (
        payload(
            message,
            page=page,
            name=name,
            maintenance_status=status,
            affected=affected,
            start=start,
            end=end,
            automate=automate,
            notify=notify,
        )
        | fields
    )


def maintenance_update(
    message: str = "Started.",
    *,
    maintenance: str | None = None,
    status: str | None = None,
    notify: bool = False,
    components: Mapping[str, str] | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """An update to a maintenance window: in its folder by default, or to the window ``maintenance``."""
    return (
        payload(
            message,
            maintenance=maintenance,
            maintenance_status=status,
            notify=notify,
            components=components,
        )
        | fields
    )


def yaml_text(body: Mapping[str, Any], *, modeline: bool = True) -> str:
    """A payload as a person writes it: block YAML, after the editor's schema modeline."""
    text = yaml.safe_dump(dict(body), sort_keys=False, allow_unicode=True, default_style=None)
    return MODELINE + text if modeline else text


# The first two lines of a hand-written update to INCIDENT; its `message:` is line 3.
HEAD = yaml_text({k: v for k, v in update(status=None).items() if k != "message"}, modeline=False)


def write_statusfile(path: Path, body: Mapping[str, Any] | str | bytes, *, modeline: bool = True) -> Path:
    """Write a statusfile as a person would (a payload as `yaml_text`), or exactly the text or bytes given."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(body, bytes):
        path.write_bytes(body)
    elif isinstance(body, str):
        path.write_text(body, encoding="utf-8")
    else:
        path.write_text(yaml_text(body, modeline=modeline), encoding="utf-8")
    return path
