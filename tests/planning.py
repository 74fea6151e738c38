"""Building statusfiles, ledgers and page state for planner tests, without touching the disk."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sync import ledger
from sync.planner import Plan
from sync.remote import RemoteIncident, RemoteUpdate
from sync.statusfile import Source, Statusfile, load_bytes


def sf(
    rel: str,
    message: str = "m",
    *,
    incident: str = "I1",
    status: str | None = None,
    notify: bool = False,
    components: dict[str, str] | None = None,
) -> Statusfile:
    payload: dict[str, Any] = {
        "status_page_incident_id": incident,
        "message": message,
        "notify_subscribers": notify,
    }
    if status:
        payload["incident_status"] = status
    if components:
        payload["component_statuses"] = [
            {"component_id": c, "component_status": s} for c, s in components.items()
        ]
    return load_bytes(json.dumps(payload).encode(), Source(Path(rel), f"statusfiles/{rel}", rel))


class Ledger:
    """Ledger text built record by record, as sync would write it."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.ids = 0

    def add(self, event: str, **fields: Any) -> Ledger:
        self.lines.append(ledger.encode({"v": 1, "event": event, "at": "t", "run": "r", **fields}).decode())
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
