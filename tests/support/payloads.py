"""Statusfile payloads: the bodies tests write as files, load in memory or send to the sandbox."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

INCIDENT = "01FCNDV6P870EA6S7TK1DSYDG1"
COMPONENT = "01FCNDV6P870EA6S7TK1DSYDG2"
MODELINE = "# yaml-language-server: $schema=../../schemas/status-page-incident-update.schema.json\n"


def update(
    message: str = "We are investigating.",
    *,
    incident: str = INCIDENT,
    status: str | None = "investigating",
    notify: bool = False,
    components: dict[str, str] | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "status_page_incident_id": incident,
        "message": message,
        "notify_subscribers": notify,
    }
    if status is not None:
        body["incident_status"] = status
    if components:
        body["component_statuses"] = [
            {"component_id": c, "component_status": s} for c, s in components.items()
        ]
    return body


def write_statusfile(path: Path, payload: dict[str, Any] | str | bytes) -> Path:
    """Write a statusfile as a person would: the modeline, then block YAML."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(payload, bytes):
        path.write_bytes(payload)
    elif isinstance(payload, str):
        path.write_text(payload, encoding="utf-8")
    else:
        text = yaml.safe_dump(payload, sort_keys=False, allow_unicode=True, default_style=None)
        path.write_text(MODELINE + text, encoding="utf-8")
    return path
