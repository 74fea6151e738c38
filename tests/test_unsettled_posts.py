"""An update POST whose outcome sync lost, against everything that can happen before the next run.

The first sync's POST is dropped before the sandbox applies it (a ``drop`` fault: sync learns nothing and
records the outcome as unknown). Where the API is meant to apply it after all, the test sends the same body
itself: the late application, at a moment the test chooses instead of a timer.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx

from sync import ledger, timefmt
from sync.planner import SETTLE_AFTER
from sync.sandbox import Fault, Sandbox
from tests.support.cli import SANDBOX_KEY, run_cli, run_json, sync_env
from tests.support.objects import INCIDENT_FOLDER, INCIDENT_NAME, incident_yaml, messages, write
from tests.support.payloads import update

API = "01FCNDV6P870EA6S7TK1DSYDG1"  # "Elevated API error rates" in the sandbox seed
SETTLED = ("--settle-after", "0")


def sync(root: Path, sb: Sandbox, *args: str) -> Any:
    return run_cli("sync", *args, cwd=root, env=sync_env(sb.base_url))


def lose_post(root: Path, sb: Sandbox, path: str = "/v2/status_page_incident_updates") -> None:
    """Sync once with its first update POST dropped unapplied: its outcome is recorded as unknown."""
    sb.add_fault(Fault(kind="drop", method="POST", path=path, stage="before"))
    proc = sync(root, sb)
    assert proc.returncode == 1 and "outcome-unknown" in proc.stdout, proc.stdout + proc.stderr
    assert sb.clear_faults() == 0  # it struck
    assert [e.status for e in ledger.read(root / "statusfiles" / "ledger.jsonl").unsettled()] == ["unknown"]


def apply_late(sb: Sandbox, body: dict[str, Any]) -> None:
    """The API finishes applying the lost POST."""
    response = httpx.post(
        f"{sb.base_url}/v2/status_page_incident_updates",
        headers={"Authorization": f"Bearer {SANDBOX_KEY}"},
        json=body,
    )
    response.raise_for_status()


def test_a_lost_update_repeating_its_declarations_message_is_not_taken_for_the_create(
    tmp_path: Path, sandbox: Sandbox
) -> None:
    """The incident's first update is its create's own: it never settles a lost update in its folder."""
    folder = tmp_path / "statusfiles" / INCIDENT_FOLDER
    declaration = incident_yaml()
    write(folder / "incident.yaml", declaration)
    write(folder / "01-again.yaml", update(declaration["message"], incident=None, status=None))
    lose_post(tmp_path, sandbox)
    assert messages(sandbox, "incident", INCIDENT_NAME) == [declaration["message"]]

    done = sync(tmp_path, sandbox, *SETTLED)
    assert done.returncode == 0, done.stdout
    assert messages(sandbox, "incident", INCIDENT_NAME) == [declaration["message"]] * 2
    state = ledger.read(tmp_path / "statusfiles" / "ledger.jsonl")
    assert not list(state.unsettled()) and len(list(state.posted())) == 1


def test_a_held_update_renamed_with_its_folder_is_not_posted_again(tmp_path: Path, sandbox: Sandbox) -> None:
    """Renaming the folder of an update whose POST may still be applied neither posts that update again
    under its new name nor posts the next one before it lands."""
    first = update("Found it.", status="identified")
    second = update("Fix deployed.", status="monitoring")
    old, new = tmp_path / "statusfiles" / "api", tmp_path / "statusfiles" / "api_errors"
    write(old / "01-identified.yaml", first)
    write(old / "02-monitoring.yaml", second)
    lose_post(tmp_path, sandbox)
    old.rename(new)

    held = sync(tmp_path, sandbox)
    assert held.returncode == 1, held.stdout
    assert (
        "may still be applying that post" in held.stdout
        and "statusfiles/api/01-identified.yaml" in held.stdout
    )
    assert [r["method"] for r in sandbox.requests()].count("POST") == 1  # the lost one only

    apply_late(sandbox, first)
    done = sync(tmp_path, sandbox)
    assert done.returncode == 0, done.stdout
    assert "moved     statusfiles/api_errors/01-identified.yaml" in done.stdout
    assert messages(sandbox, "incident", "Elevated API error rates")[1:] == ["Found it.", "Fix deployed."]
    state = ledger.read(tmp_path / "statusfiles" / "ledger.jsonl")
    assert sorted(e.path for e in state.posted()) == [
        "api_errors/01-identified.yaml",
        "api_errors/02-monitoring.yaml",
    ]
    assert not list(state.unsettled())


def test_a_held_update_whose_file_is_deleted_still_holds_back_its_incident(
    tmp_path: Path, sandbox: Sandbox
) -> None:
    """The lost POST may still land: an update written after it is posted after it, never before."""
    folder = tmp_path / "statusfiles" / "api"
    lost = update("Found it.", status="identified")
    write(folder / "01-identified.yaml", lost)
    lose_post(tmp_path, sandbox)
    (folder / "01-identified.yaml").unlink()
    write(folder / "02-monitoring.yaml", update("Fix deployed.", status="monitoring"))

    held = sync(tmp_path, sandbox)
    assert held.returncode == 1, held.stdout
    assert "statusfiles/api/01-identified.yaml" in held.stdout and "02-monitoring.yaml" in held.stdout
    assert [r["method"] for r in sandbox.requests()].count("POST") == 1

    apply_late(sandbox, lost)
    done = sync(tmp_path, sandbox)
    assert done.returncode == 0, done.stdout
    assert messages(sandbox, "incident", "Elevated API error rates")[1:] == ["Found it.", "Fix deployed."]


def test_import_leaves_a_lost_post_to_sync_whatever_folder_its_file_is_in(
    tmp_path: Path, sandbox: Sandbox
) -> None:
    """Once the lost POST lands it is statusfiles' own update, not one posted elsewhere: import writes no
    file for it, and sync records it instead of posting it a second time."""
    root = tmp_path / "statusfiles"
    write(root / "api" / "01-identified.yaml", update("Found it.", status="identified"))
    assert sync(tmp_path, sandbox).returncode == 0
    lost = update("Fix deployed.", status="monitoring")
    write(root / "api_follow_up" / "01-monitoring.yaml", lost)  # the incident's files in a second folder
    lose_post(tmp_path, sandbox)
    apply_late(sandbox, lost)

    imported = run_cli("import", API, cwd=tmp_path, env=sync_env(sandbox.base_url))
    assert imported.returncode == 0, imported.stdout + imported.stderr
    assert "Nothing to import" in imported.stdout, imported.stdout
    assert sorted(p.name for p in (root / "api").iterdir()) == ["01-identified.yaml"]

    done = sync(tmp_path, sandbox)
    assert done.returncode == 0, done.stdout
    assert "settled   statusfiles/api_follow_up/01-monitoring.yaml" in done.stdout
    assert messages(sandbox, "incident", "Elevated API error rates")[1:] == ["Found it.", "Fix deployed."]


def test_a_lost_post_recorded_at_the_edge_of_time_is_judged_without_a_traceback(
    tmp_path: Path, sandbox: Sandbox
) -> None:
    """A ledger's time as far ahead as a time can be, or one that is out of range once in UTC, is a clock
    that was wrong or no usable time: nothing to wait for. A wait too long to add to the time holds."""
    body = update("Found it.", status="identified")
    write(tmp_path / "statusfiles" / "api" / "01-identified.yaml", body)
    lose_post(tmp_path, sandbox)
    path = tmp_path / "statusfiles" / "ledger.jsonl"
    records = [json.loads(line) for line in path.read_text().splitlines()]

    def at(when: str) -> None:
        path.write_text("".join(json.dumps({**r, "at": when}) + "\n" for r in records))

    at(ledger.now())
    held = sync(tmp_path, sandbox, "--settle-after", "1e12")
    assert held.returncode == 1 and "may still be applying that post" in held.stdout, (
        held.stdout + held.stderr
    )
    for when in ("9999-12-31T23:59:59Z", "0001-01-01T00:00:00+01:00"):
        at(when)
        plan = sync(tmp_path, sandbox, "--dry-run")
        assert plan.returncode == 0 and "Traceback" not in plan.stderr, plan.stdout + plan.stderr
    done = sync(tmp_path, sandbox)
    assert done.returncode == 0, done.stdout + done.stderr
    assert messages(sandbox, "incident", "Elevated API error rates")[1:] == ["Found it."]


def test_an_update_after_its_folder_was_renamed_is_published(tmp_path: Path, sandbox: Sandbox) -> None:
    """Order is judged where the published files are now when the new one is beside them: a renamed
    folder whose new name sorts before the old one (``…-errors/`` before ``…/``) holds nothing back."""
    root = tmp_path / "statusfiles"
    old, new = root / "2026-12-01-checkout", root / "2026-12-01-checkout-errors"
    write(old / "incident.yaml", incident_yaml())
    write(old / "01-identified.yaml", update("Found it.", incident=None, status="identified"))
    assert sync(tmp_path, sandbox).returncode == 0
    old.rename(new)
    write(new / "02-monitoring.yaml", update("Fix deployed.", incident=None, status="monitoring"))

    done = sync(tmp_path, sandbox)
    assert done.returncode == 0, done.stdout
    assert messages(sandbox, "incident", INCIDENT_NAME)[1:] == ["Found it.", "Fix deployed."]


def test_the_publish_job_settles_after_the_time_it_is_given(tmp_path: Path, sandbox: Sandbox) -> None:
    """`github publish` passes --settle-after on to its sync: held by default, posted again with 0."""
    write(tmp_path / "statusfiles" / "api" / "01-identified.yaml", update("Found it.", status="identified"))
    lose_post(tmp_path, sandbox)

    def publish(*args: str) -> Any:
        return run_cli(
            "github", "publish", "--no-import", *args, cwd=tmp_path, env=sync_env(sandbox.base_url)
        )

    held = publish()
    assert held.returncode == 1 and "may still be applying that post" in held.stdout, (
        held.stdout + held.stderr
    )
    assert [r["method"] for r in sandbox.requests()].count("POST") == 1  # the lost one only

    done = publish(*SETTLED)
    assert done.returncode == 0, done.stdout + done.stderr
    assert messages(sandbox, "incident", "Elevated API error rates")[1:] == ["Found it."]
    assert not list(ledger.read(tmp_path / "statusfiles" / "ledger.jsonl").unsettled())


def test_a_held_update_has_its_own_rule_and_the_date_it_may_be_posted(
    tmp_path: Path, sandbox: Sandbox
) -> None:
    write(tmp_path / "statusfiles" / "api" / "01-identified.yaml", update("Found it.", status="identified"))
    lose_post(tmp_path, sandbox)
    (entry,) = ledger.read(tmp_path / "statusfiles" / "ledger.jsonl").unsettled()
    lost_at = timefmt.utc(entry.at)
    assert lost_at is not None
    until = f"{lost_at + timedelta(seconds=SETTLE_AFTER):%Y-%m-%d %H:%M:%S} UTC"

    held = sync(tmp_path, sandbox)
    assert held.returncode == 1
    (line,) = [line for line in held.stdout.splitlines() if "01-identified.yaml:" in line]
    assert line.endswith("[held]") and f"will not post it again before {until}. Run sync" in line, line

    status, report = run_json("sync", cwd=tmp_path, env=sync_env(sandbox.base_url))
    assert status == 1
    errors = [d["rule"] for d in report["diagnostics"] if d["severity"] == "error"]
    assert errors == ["held"]  # not an outcome left unknown: this run posted nothing
