"""``statusfiles sync`` against a server that answers wrongly."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers import INCIDENT, run_cli, sync_env, update, write_statusfile
from hostile import Hostile, Raw, Request

KEY = "hostile-test-key-6f1d0c"
MESSAGE = "We are investigating."


@pytest.fixture
def server() -> Iterator[Hostile]:
    with Hostile() as s:
        yield s


@pytest.fixture
def project(tmp_path: Path) -> Path:
    write_statusfile(tmp_path / "statusfiles" / "2026-11-27-outage" / "01.yaml", update(MESSAGE))
    return tmp_path


def sync(project: Path, base_url: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return run_cli("sync", *args, cwd=project, env={**sync_env(base_url, KEY), **env}, timeout=60)


def ledger_events(project: Path) -> list[dict[str, Any]]:
    path = project / "statusfiles" / "ledger.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


# --- a read-back that is not the incident ------------------------------------------------


def _incident(**fields: Any) -> dict[str, Any]:
    return {
        "status_page_incident": {"id": INCIDENT, "name": "x", "incident_status": "investigating", **fields}
    }


def _update(**fields: Any) -> dict[str, Any]:
    base = {
        "id": "01OTHER",
        "status_page_incident_id": INCIDENT,
        "published_at": "2026-11-27T09:00:00Z",
        "message": "Earlier.",
        "incident_status": "investigating",
        "component_statuses": [],
    }
    return {k: v for k, v in {**base, **fields}.items() if v is not ...}


# Each shape is checked in tests/test_api.py; these go through the whole CLI.
NOT_THE_INCIDENT = {
    "html": "<html><body>Service temporarily unavailable</body></html>",
    "empty object": {},
    "null": None,
    "a list": [_incident(updates=[])],
    "no updates": _incident(),
    "an update without components": _incident(updates=[_update(component_statuses=...)]),
    "another incident": {
        "status_page_incident": {**_incident(updates=[])["status_page_incident"], "id": "01X"}
    },
}


@pytest.mark.parametrize("body", NOT_THE_INCIDENT.values(), ids=NOT_THE_INCIDENT.keys())
def test_a_read_back_that_is_not_the_incident_posts_nothing(
    project: Path, server: Hostile, body: Any
) -> None:
    server.script("GET", "/v2/status_page_incidents/", Raw(200, body))
    proc = sync(project, server.base_url, "--format", "json")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    report = json.loads(proc.stdout)
    assert [d["rule"] for d in report["diagnostics"]] == ["api-read"]
    assert "not with the incident" in report["diagnostics"][0]["message"]
    assert server.seen("POST") == []
    assert ledger_events(project) == []


def test_an_unsettled_intent_is_not_reposted_on_a_bad_read_back(project: Path, server: Hostile) -> None:
    """The duplicate: a POST's outcome is unknown, and the next run's read-back is junk: post nothing."""
    server.script("POST", "/v2/", lambda r, s: Raw(500, {}) if s.store(r) else None)  # stored, then a 500
    server.script("GET", "/v2/", lambda r, s: Raw(502, {}) if s.seen("POST") else None)  # no read-back
    first = sync(project, server.base_url, STATUSFILES_RETRY_ATTEMPTS="1")
    assert first.returncode == 1 and [e["event"] for e in ledger_events(project)] == ["intent", "unknown"]
    server.script("GET", "/v2/", Raw(200, _incident(updates={})))
    second = sync(project, server.base_url)
    assert second.returncode == 1 and "api-read" in second.stdout
    assert len(server.seen("POST")) == 1 and len(server.updates) == 1


# --- a 2xx to a POST without a usable update ---------------------------------------------------


UNUSABLE_POST_ANSWERS = {
    "empty object": {},
    "html": "<p>Created</p>",
    "no id": {"status_page_incident_update": _update(id=...)},
    "empty id": {"status_page_incident_update": _update(id="")},
    "update not an object": {"status_page_incident_update": "01UPDATE"},
}


@pytest.mark.parametrize("body", UNUSABLE_POST_ANSWERS.values(), ids=UNUSABLE_POST_ANSWERS.keys())
def test_a_2xx_without_the_update_is_settled_by_reading_back(
    project: Path, server: Hostile, body: Any
) -> None:
    def stored_but_unsaid(request: Request, s: Hostile) -> Raw:
        s.store(request)
        return Raw(201, body)

    server.script("POST", "/v2/", stored_but_unsaid)
    proc = sync(project, server.base_url)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    [posted] = [e for e in ledger_events(project) if e["event"] == "posted"]
    assert posted["update_id"] == server.updates[0]["id"]
    assert len(server.seen("POST")) == 1


def test_a_2xx_without_the_update_and_not_on_the_page_is_unknown(project: Path, server: Hostile) -> None:
    server.script("POST", "/v2/", Raw(201, {"status_page_incident_update": {}}))
    proc = sync(project, server.base_url)
    assert proc.returncode == 1
    assert "outcome-unknown" in proc.stdout and "without a usable update" in proc.stdout
    assert [e["event"] for e in ledger_events(project)] == ["intent", "unknown"]
    assert len(server.seen("POST")) == 1
    again = sync(project, server.base_url)  # still absent: the next run posts it, once
    assert again.returncode == 1 and len(server.seen("POST")) == 2
