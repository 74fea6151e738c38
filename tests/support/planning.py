"""Building statusfiles, ledgers and page state for planner tests, without touching the disk."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sync import ledger
from sync.kinds import ELSEWHERE, Placement
from sync.planner import Plan
from sync.remote import RemoteIncident, RemoteMaintenance, RemoteUpdate
from sync.statusfile import Source, Statusfile, load_bytes
from tests.support import payloads
from tests.support.payloads import PAGE, update


def load(rel: str, body: dict[str, Any], placement: Placement = ELSEWHERE) -> Statusfile:
    """``body`` loaded as the statusfile ``statusfiles/<rel>``, without touching the disk."""
    source = Source(Path(rel), f"statusfiles/{rel}", rel)
    return load_bytes(json.dumps(body).encode(), source, placement=placement)


def sf(
    rel: str,
    message: str = "m",
    *,
    incident: str = "I1",
    status: str | None = None,
    notify: bool = False,
    components: dict[str, str] | None = None,
) -> Statusfile:
    return load(rel, update(message, incident=incident, status=status, notify=notify, components=components))


class Ledger:
    """Ledger text built record by record, as sync would write it."""

    def __init__(self, at: str = "t") -> None:
        self.lines: list[str] = []
        self.ids = 0
        self.at = at  # every record's time; "t" is none, so nothing unsettled is held back

    def add(self, event: str, **fields: Any) -> Ledger:
        self.lines.append(
            ledger.encode({"v": 1, "event": event, "at": self.at, "run": "r", **fields}).decode()
        )
        return self

    def add2(self, event: str, **fields: Any) -> Ledger:
        """A format-2 record."""
        self.lines.append(
            ledger.encode({"v": 2, "event": event, "at": self.at, "run": "r", **fields}).decode()
        )
        return self

    def intent(self, f: Statusfile, path: str | None = None) -> Ledger:
        return self.add(
            "intent", path=path or f.rel, sha256=f.sha256, incident=f.incident_id, payload=f.payload
        )

    def posted(self, f: Statusfile, path: str | None = None, update_id: str | None = None) -> Ledger:
        self.ids += 1
        self.intent(f, path)
        return self.add(
            "posted",
            path=path or f.rel,
            sha256=f.sha256,
            incident=f.incident_id,
            update_id=update_id or f"U{self.ids}",
            published_at=f"2026-11-26T00:00:{self.ids:02d}Z",
        )

    def moved(self, f: Statusfile, old: str) -> Ledger:
        return self.add("moved", path=f.rel, sha256=f.sha256, incident=f.incident_id, **{"from": old})

    def unknown(self, f: Statusfile) -> Ledger:
        return self.add("unknown", path=f.rel, sha256=f.sha256, incident=f.incident_id, error="lost")

    def apply(self, plan: Plan) -> Ledger:
        """What sync records after carrying out ``plan`` successfully."""
        for s in plan.settlements:
            self.add(
                "adopted",
                path=s.entry.path,
                sha256=s.entry.sha256,
                incident=s.entry.incident,
                update_id=s.remote.id,
                published_at=s.remote.published_at,
                payload=s.entry.payload or {},
            )
        for m in plan.moves:
            self.moved(m.file, m.entry.path)
        for inc in plan.incidents:
            for p in inc.updates:
                if p.action == "adopt":
                    assert p.remote is not None
                    self.add(
                        "adopted",
                        path=p.file.rel,
                        sha256=p.file.sha256,
                        incident=p.file.incident_id,
                        update_id=p.remote.id,
                        published_at=p.remote.published_at,
                        payload=p.file.payload,
                    )
                else:
                    self.posted(p.file)
        return self

    @property
    def state(self) -> ledger.LedgerState:
        return ledger.parse("".join(self.lines))


def remote_update(f: Statusfile, update_id: str, status: str | None = None) -> RemoteUpdate:
    return RemoteUpdate(
        id=update_id,
        message=f.message,
        incident_status=f.incident_status or status or "investigating",
        components={c["component_id"]: c["component_status"] for c in f.components},
        published_at=f"2026-11-26T01:00:{len(update_id):02d}Z",
    )


def incident(incident_id: str, *updates: RemoteUpdate, status: str = "investigating") -> RemoteIncident:
    return RemoteIncident(id=incident_id, name="Name", incident_status=status, updates=tuple(updates))


# --- declared incidents and maintenance windows ---


def declared_incident(
    folder: str, name: str = "API errors", message: str = "Looking.", *, notify: bool = False
) -> Statusfile:
    rel = f"{folder}/incident.yaml"
    return load(rel, payloads.incident(name, message, notify=notify), Placement("incident", rel))


def declared_window(
    folder: str,
    name: str = "DB upgrade",
    *,
    start: str = "2030-01-01T10:00:00Z",
    end: str = "2030-01-01T12:00:00Z",
    message: str = "Upgrading the database.",
    automate: bool | None = None,
) -> Statusfile:
    rel = f"{folder}/maintenance.yaml"
    body = payloads.maintenance(name, message, start=start, end=end, automate=automate)
    return load(rel, body, Placement("maintenance", rel))


def folder_update(rel: str, message: str = "m", status: str | None = None) -> Statusfile:
    """An update in a declared folder (no ID: its declaration's object)."""
    folder = rel.rsplit("/", 1)[0]
    if folder.startswith("mw") or "maint" in folder:
        body = payloads.maintenance_update(message, status=status)
        placement = Placement("maintenance-update", f"{folder}/maintenance.yaml")
    else:
        body = update(message, incident=None, status=status)
        placement = Placement("incident-update", f"{folder}/incident.yaml")
    return load(rel, body, placement)


def created(ledger_: Ledger, d: Statusfile, object_id: str) -> Ledger:
    """The records of a successful create of declaration ``d``."""
    kind = d.kind
    key = f"statusfiles-{kind}-{d.rel}"
    ledger_.add2("create", path=d.rel, sha256=d.sha256, object=kind, key=key, payload=d.payload)
    return ledger_.add2(
        "created",
        path=d.rel,
        sha256=d.sha256,
        object=kind,
        key=key,
        id=object_id,
        published_at="2026-11-26T00:00:00Z",
        payload=d.payload,
    )


def posted_in(ledger_: Ledger, f: Statusfile, object_id: str, update_id: str) -> Ledger:
    field = "maintenance" if f.kind == "maintenance-update" else "incident"
    ledger_.add2("intent", path=f.rel, sha256=f.sha256, payload=f.payload, **{field: object_id})
    return ledger_.add2(
        "posted", path=f.rel, sha256=f.sha256, update_id=update_id, published_at="t", **{field: object_id}
    )


def window(
    window_id: str, name: str, *updates: RemoteUpdate, start: str = "2030-01-01T10:00:00Z"
) -> RemoteMaintenance:
    return RemoteMaintenance(
        id=window_id,
        name=name,
        incident_status="maintenance_scheduled",
        updates=tuple(updates),
        status_page_id=PAGE,
        start_at=start,
        end_at="2030-01-01T12:00:00Z",
    )


def update_on_page(
    update_id: str, message: str, status: str = "investigating", second: int = 0
) -> RemoteUpdate:
    return RemoteUpdate(update_id, message, status, {}, f"2026-11-26T02:00:{second:02d}Z")
