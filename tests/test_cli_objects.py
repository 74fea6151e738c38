"""``statusfiles sync`` and ``plan`` with declared incidents and maintenance windows, end to end."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from sync import ledger
from sync.sandbox import Fault, Sandbox
from sync.sandbox.seed import API_INCIDENT_ID
from tests.support.cli import run_cli, run_json, sync_env
from tests.support.objects import (
    INCIDENT_FOLDER,
    INCIDENT_NAME,
    WINDOW_FOLDER,
    WINDOW_NAME,
    incident_yaml,
    maintenance_yaml,
    messages,
    objects,
    write,
    write_tree,
)


def sync(root: Path, sb: Sandbox, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli("sync", *args, cwd=root, env=sync_env(sb.base_url))


def test_objects_are_created_once_then_their_updates_in_order(tmp_path: Path, sandbox: Sandbox) -> None:
    expected = write_tree(tmp_path / "statusfiles")
    before = len(sandbox.updates(API_INCIDENT_ID))
    first = sync(tmp_path, sandbox)
    assert first.returncode == 0, first.stdout + first.stderr
    assert messages(sandbox, "incident", INCIDENT_NAME) == expected["incident"]
    assert messages(sandbox, "maintenance", WINDOW_NAME) == expected["window"]
    assert len(sandbox.updates(API_INCIDENT_ID)) == before + 1
    assert "created" in first.stdout and "Created 1 incident" not in first.stdout
    state = ledger.read(tmp_path / "statusfiles" / "ledger.jsonl")
    (window,) = objects(sandbox, "maintenance", WINDOW_NAME)
    assert state.objects[f"{WINDOW_FOLDER}/maintenance.yaml"].id == window["id"]
    assert {e.kind for e in state.entries.values() if e.path.startswith(WINDOW_FOLDER)} == {"maintenance"}
    # Every create carried the key derived from the files; every update the created object's ID.
    sent = [r for r in sandbox.requests() if r["method"] == "POST"]
    keys = [r["body"]["idempotency_key"] for r in sent if "idempotency_key" in r["body"]]
    assert sorted(keys) == sorted(o.key for o in state.objects.values()) and len(keys) == 2
    assert all(
        r["body"]["status_page_maintenance_id"] == window["id"]
        for r in sent
        if r["path"].endswith("maintenance_updates")
    )

    again = sync(tmp_path, sandbox)
    assert again.returncode == 0 and "Nothing new to publish." in again.stdout, again.stdout
    assert len(objects(sandbox, "incident", INCIDENT_NAME)) == 1


def test_a_rename_and_a_reschedule_are_planned_then_put(tmp_path: Path, sandbox: Sandbox) -> None:
    root = tmp_path / "statusfiles"
    write_tree(root, incident_updates=1, window_updates=0)
    assert sync(tmp_path, sandbox).returncode == 0
    write(root / INCIDENT_FOLDER / "incident.yaml", incident_yaml(name="Checkout errors in the EU"))
    write(
        root / WINDOW_FOLDER / "maintenance.yaml",
        maintenance_yaml(start="2030-01-01T12:00:00+01:00", end="2030-01-01T14:00:00+01:00"),
    )
    plan = run_cli("plan", "--detailed-exitcode", cwd=tmp_path)
    assert plan.returncode == 2, plan.stdout + plan.stderr
    assert 'rename: "Checkout errors" → "Checkout errors in the EU"' in plan.stdout
    assert "reschedule: 10:00 → 11:00 UTC (2030-01-01)" in plan.stdout
    code, doc = run_json("plan", cwd=tmp_path)
    assert code == 0
    puts = [
        o["declaration"] for o in doc["incidents"] if o["declaration"] and o["declaration"]["action"] == "put"
    ]
    assert [p["changes"] for p in puts] == [
        [{"field": "name", "before": "Checkout errors", "after": "Checkout errors in the EU"}],
        [
            {"field": "start_at", "before": "2030-01-01T10:00:00Z", "after": "2030-01-01T12:00:00+01:00"},
            {"field": "end_at", "before": "2030-01-01T12:00:00Z", "after": "2030-01-01T14:00:00+01:00"},
        ],
    ]
    done = sync(tmp_path, sandbox)
    assert done.returncode == 0, done.stdout + done.stderr
    assert objects(sandbox, "incident", "Checkout errors in the EU")
    (window,) = objects(sandbox, "maintenance", WINDOW_NAME)
    assert (window["start_at"], window["end_at"]) == (
        "2030-01-01T11:00:00.000000Z",
        "2030-01-01T13:00:00.000000Z",
    )
    assert run_cli("plan", "--detailed-exitcode", cwd=tmp_path).returncode == 0
    edited = incident_yaml(name="Checkout errors in the EU", message="Other first words.")
    write(root / INCIDENT_FOLDER / "incident.yaml", edited)
    refused = run_cli("plan", cwd=tmp_path)
    assert refused.returncode == 1 and "changed-after-publish" in refused.stdout


def test_a_lost_ledger_creates_and_posts_nothing_again(tmp_path: Path, sandbox: Sandbox) -> None:
    write_tree(tmp_path / "statusfiles")
    assert sync(tmp_path, sandbox).returncode == 0
    before = json.dumps(sandbox.state.to_json(), sort_keys=True)
    (tmp_path / "statusfiles" / "ledger.jsonl").unlink()
    again = sync(tmp_path, sandbox)
    assert again.returncode == 0, again.stdout + again.stderr
    assert json.dumps(sandbox.state.to_json(), sort_keys=True) == before  # nothing created or posted
    assert again.stdout.count("adopted") == 2 + 3 + 2 + 1
    assert "Nothing new to publish." in sync(tmp_path, sandbox).stdout


def test_updates_wait_for_a_create_that_failed(tmp_path: Path, sandbox: Sandbox) -> None:
    expected = write_tree(tmp_path / "statusfiles")
    sandbox.add_fault(Fault(kind="error", method="POST", path="/v2/status_page_incidents", status=422))
    failed = sync(tmp_path, sandbox)
    assert failed.returncode == 1
    assert failed.stdout.count("skipped") == 3 and not objects(sandbox, "incident", INCIDENT_NAME)
    assert messages(sandbox, "maintenance", WINDOW_NAME) == expected["window"]  # other objects go on
    fixed = sync(tmp_path, sandbox)
    assert fixed.returncode == 0, fixed.stdout
    assert messages(sandbox, "incident", INCIDENT_NAME) == expected["incident"]


def test_a_lost_create_response_is_retried_with_the_same_key(tmp_path: Path, sandbox: Sandbox) -> None:
    expected = write_tree(tmp_path / "statusfiles")
    for path in ("/v2/status_page_incidents", "/v2/status_page_maintenances"):
        sandbox.add_fault(Fault(kind="drop", method="POST", path=path, stage="after"))
    done = sync(tmp_path, sandbox)
    assert done.returncode == 0, done.stdout + done.stderr
    assert messages(sandbox, "incident", INCIDENT_NAME) == expected["incident"]
    assert messages(sandbox, "maintenance", WINDOW_NAME) == expected["window"]


def test_lost_responses_to_puts_and_maintenance_updates(tmp_path: Path, sandbox: Sandbox) -> None:
    root = tmp_path / "statusfiles"
    expected = write_tree(root, incident_updates=1, window_updates=1)
    # A maintenance update's response is lost: it is read back, found, and never posted again.
    sandbox.add_fault(
        Fault(kind="drop", method="POST", path="/v2/status_page_maintenance_updates", stage="after")
    )
    first = sync(tmp_path, sandbox)
    assert first.returncode == 0, first.stdout + first.stderr
    assert messages(sandbox, "maintenance", WINDOW_NAME) == expected["window"]
    # A PUT's response is lost: a PUT sets state, so it is simply sent again.
    write(root / WINDOW_FOLDER / "maintenance.yaml", maintenance_yaml(name="Database upgrade, part 1"))
    sandbox.add_fault(Fault(kind="drop", method="PUT", path="/v2/status_page_maintenances/", stage="after"))
    second = sync(tmp_path, sandbox)
    assert second.returncode == 0, second.stdout + second.stderr
    assert messages(sandbox, "maintenance", "Database upgrade, part 1") == expected["window"]
    puts = [r for r in sandbox.requests() if r["method"] == "PUT"]
    assert len(puts) == 2 and puts[0]["status"] is None  # dropped, then repeated
    state = ledger.read(root / "ledger.jsonl")
    assert state.objects[f"{WINDOW_FOLDER}/maintenance.yaml"].payload["name"] == "Database upgrade, part 1"
