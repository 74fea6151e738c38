"""A statusfiles tree with a declared incident, a declared maintenance window and an update to an
incident created elsewhere, for the end-to-end, crash and contract tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sync.sandbox import Sandbox
from sync.sandbox.seed import API_INCIDENT_ID, PUBLIC_API_ID, STATUS_PAGE_ID
from tests.support import payloads
from tests.support.payloads import maintenance_update, update, write_statusfile

INCIDENT_FOLDER = "2026-12-01-checkout-errors"
WINDOW_FOLDER = "2026-12-02-db-upgrade"
INCIDENT_NAME = "Checkout errors"
WINDOW_NAME = "Database upgrade"


def write(path: Path, body: dict[str, Any]) -> None:
    write_statusfile(path, body, modeline=False)


def incident_yaml(
    name: str = INCIDENT_NAME, message: str = "Checkout fails for some customers."
) -> dict[str, Any]:
    return payloads.incident(
        name, message, page=STATUS_PAGE_ID, components={PUBLIC_API_ID: "degraded_performance"}
    )


def maintenance_yaml(
    name: str = WINDOW_NAME, start: str = "2030-01-01T10:00:00Z", end: str = "2030-01-01T12:00:00Z"
) -> dict[str, Any]:
    return payloads.maintenance(name, page=STATUS_PAGE_ID, affected=[PUBLIC_API_ID], start=start, end=end)


def write_tree(root: Path, *, incident_updates: int = 3, window_updates: int = 2) -> dict[str, list[str]]:
    """The tree under ``root``; what each object should show afterwards (messages in order)."""
    write(root / INCIDENT_FOLDER / "incident.yaml", incident_yaml())
    statuses = ["identified", "monitoring", "monitoring", "resolved"]
    incident_messages = ["Checkout fails for some customers."]
    for i in range(1, incident_updates + 1):
        message = f"Checkout update {i}."
        write(
            root / INCIDENT_FOLDER / f"{i:02d}-update.yaml",
            update(message, incident=None, status=statuses[min(i - 1, 2)]),
        )
        incident_messages.append(message)
    write(root / WINDOW_FOLDER / "maintenance.yaml", maintenance_yaml())
    window_messages = ["We will upgrade the database."]
    for i in range(1, window_updates + 1):
        message = f"Maintenance note {i}."
        write(root / WINDOW_FOLDER / f"{i:02d}-note.yaml", maintenance_update(message))
        window_messages.append(message)
    write_statusfile(
        root / "2026-11-30-api" / "01-more.yaml",
        update("Still looking at the API.", incident=API_INCIDENT_ID),
    )
    return {
        "incident": incident_messages,
        "window": window_messages,
        "elsewhere": ["Still looking at the API."],
    }


def objects(sb: Sandbox, kind: str, name: str) -> list[dict[str, Any]]:
    """Every incident or maintenance window on the seed page with this name."""
    state = sb.state.to_json()
    key = "incidents" if kind == "incident" else "maintenances"
    return [o for o in state[key] if o["name"] == name]


def messages(sb: Sandbox, kind: str, name: str) -> list[str]:
    (obj,) = objects(sb, kind, name)
    updates = sb.updates(obj["id"]) if kind == "incident" else sb.maintenance_updates(obj["id"])
    return [u["message"].strip() for u in updates]
