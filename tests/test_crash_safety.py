"""Killing ``statusfiles sync`` with SIGKILL at many points never loses or duplicates an update.

Each kill point is a sandbox fault that holds one request — a GET, a POST not
yet applied, a POST already applied — so the test knows exactly where the
process is when it dies (no timers). After every kill the next run resumes;
the final state of the sandbox, not only the ledger, must hold every update
exactly once and in file order per incident.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from sync import ledger
from sync.sandbox import Fault, Sandbox, SandboxConfig
from tests.support import payloads
from tests.support.cli import SANDBOX_KEY, run_cli, sync_env
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
from tests.support.payloads import maintenance_update, update, write_statusfile

# Every request of a killed sync has ended in the sandbox before the next run starts (the tests wait for the
# fault to strike; a hung request is never stored): nothing left unsettled can still appear on the page.
SETTLED = ("--settle-after", "0")
SEEDED = ["01FCNDV6P870EA6S7TK1DSYDG1", "01FCNDV6P870EA6S7TK1DSYDG3"]
COMPONENTS = ["01FCNDV6P870EA6S7TK1DSYDG2", "01FCNDV6P870EA6S7TK1DSYDG4", "01FCNDV6P870EA6S7TK1DSYDG5"]
PER_INCIDENT = 16
STATUSES = ["investigating", "identified", "monitoring"]

# (fault, method) per kill: held before the request is applied, or after it was stored.
KILLS = [
    Fault(kind="hang", method="GET", seconds=300),
    Fault(kind="hang", method="POST", stage="before", seconds=300),
    Fault(kind="hang", method="POST", stage="after", seconds=300, skip=2),
    Fault(kind="hang", method="POST", stage="before", seconds=300, skip=5),
    Fault(kind="hang", method="POST", stage="after", seconds=300),
    Fault(kind="hang", method="GET", seconds=300, skip=1),
    Fault(kind="hang", method="POST", stage="after", seconds=300, skip=7),
    Fault(kind="hang", method="POST", stage="before", seconds=300, skip=3),
    Fault(kind="hang", method="POST", stage="after", seconds=300, skip=11),
]


def make_incident(sb: Sandbox) -> str:
    """A third incident, created through the API as a team would."""
    response = httpx.post(
        f"{sb.base_url}/v2/status_page_incidents",
        headers={"Authorization": f"Bearer {SANDBOX_KEY}"},
        json=payloads.incident("Webhook delays", "Webhooks are delayed.", idempotency_key="crash-test"),
    )
    response.raise_for_status()
    return str(response.json()["status_page_incident"]["id"])


def write_updates(root: Path, incidents: list[str]) -> dict[str, list[str]]:
    expected: dict[str, list[str]] = {}
    for n, incident in enumerate(incidents):
        for i in range(1, PER_INCIDENT + 1):
            message = f"Update {i} of incident {n}: still working on it."
            status = STATUSES[min(i * 3 // PER_INCIDENT, 2)]
            component = {COMPONENTS[n]: "degraded_performance" if i % 2 else "partial_outage"}
            write_statusfile(
                root / f"2026-11-2{n}-incident-{n}" / f"{i}-{status}.yaml",
                update(message, incident=incident, status=status, components=component),
            )
            expected.setdefault(incident, []).append(message)
    return expected


def test_sigkill_at_many_points_never_loses_or_duplicates(tmp_path: Path) -> None:
    with Sandbox(SandboxConfig(api_key=SANDBOX_KEY)) as sb:
        incidents = [*SEEDED, make_incident(sb)]
        expected = write_updates(tmp_path / "statusfiles", incidents)
        env = {**os.environ, **sync_env(sb.base_url), "NO_COLOR": "1"}
        cmd = [sys.executable, "-m", "sync", "sync", "--concurrency", "3", *SETTLED]

        for struck, fault in enumerate(KILLS, 1):
            sb.add_fault(fault)
            proc = subprocess.Popen(
                cmd, cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
            )
            try:
                assert sb.wait_struck(struck, timeout=120), f"kill point {struck} was never reached"
                proc.send_signal(signal.SIGKILL)
            finally:
                proc.wait(timeout=60)
            assert proc.returncode == -signal.SIGKILL
            sb.clear_faults()

        final = run_cli("sync", *SETTLED, cwd=tmp_path, env=sync_env(sb.base_url))
        assert final.returncode == 0, final.stdout + final.stderr

        for incident in incidents:
            seen = [u["message"] for u in sb.updates(incident)][1:]  # without the incident's first update
            assert seen == expected[incident], incident
        state = ledger.read(tmp_path / "statusfiles" / "ledger.jsonl")
        assert len(list(state.posted())) == PER_INCIDENT * len(incidents)
        assert not list(state.unsettled())
        ids = [e.update_id for e in state.posted()]
        assert len(set(ids)) == len(ids)
        again = run_cli("sync", cwd=tmp_path, env=sync_env(sb.base_url))
        assert (again.returncode, again.stdout) == (0, "Nothing new to publish.\n")


@pytest.mark.parametrize("stage", ["before", "after"])
def test_sigkill_during_the_second_copy_of_an_update(tmp_path: Path, stage: str) -> None:
    """Killed while posting an update the incident already shows once: the next run posts it only if it
    is missing, never mistaking the first copy for it."""
    incident = SEEDED[0]
    monitor = update("We are continuing to monitor.", incident=incident, status="monitoring")
    folder = tmp_path / "statusfiles" / "incident"
    write_statusfile(
        folder / "01-identified.yaml", update("Found it.", incident=incident, status="identified")
    )
    write_statusfile(folder / "02-monitoring.yaml", monitor)
    write_statusfile(folder / "03-monitoring.yaml", monitor)
    expected = ["Found it.", monitor["message"], monitor["message"]]
    with Sandbox(SandboxConfig(api_key=SANDBOX_KEY)) as sb:
        sb.add_fault(Fault(kind="hang", method="POST", stage=stage, seconds=300, skip=2))  # the 3rd POST
        kill_when_struck(sb, tmp_path, 1)
        stored = [u["message"] for u in sb.updates(incident)][1:]
        assert stored == (expected if stage == "after" else expected[:2])
        state = ledger.read(tmp_path / "statusfiles" / "ledger.jsonl")
        assert [e.path for e in state.unsettled()] == ["incident/03-monitoring.yaml"]

        final = run_cli("sync", *SETTLED, cwd=tmp_path, env=sync_env(sb.base_url))
        assert final.returncode == 0, final.stdout + final.stderr
        assert [u["message"] for u in sb.updates(incident)][1:] == expected
        state = ledger.read(tmp_path / "statusfiles" / "ledger.jsonl")
        assert len(state.claimed_update_ids()) == 3 and not list(state.unsettled())


# --- declared incidents and maintenance windows: creates, PUTs and maintenance updates in the mix ---

# With --concurrency 1 the objects go in path order (the update elsewhere, the incident, the window), so
# every kill point is reached whatever the machine's speed.
OBJECT_KILLS = [
    Fault(kind="hang", method="POST", path="/v2/status_page_incidents", stage="before", seconds=300),
    Fault(kind="hang", method="POST", path="/v2/status_page_incidents", stage="after", seconds=300),
    Fault(
        kind="hang",
        method="POST",
        path="/v2/status_page_incident_updates",
        stage="after",
        seconds=300,
        skip=1,
    ),
    Fault(kind="hang", method="GET", seconds=300),
    Fault(kind="hang", method="POST", path="/v2/status_page_maintenances", stage="after", seconds=300),
    Fault(kind="hang", method="POST", path="/v2/status_page_maintenance_updates", stage="after", seconds=300),
    Fault(
        kind="hang", method="POST", path="/v2/status_page_maintenance_updates", stage="before", seconds=300
    ),
]
PUT_KILLS = [
    Fault(kind="hang", method="PUT", path="/v2/status_page_incidents/", stage="after", seconds=300),
    Fault(kind="hang", method="PUT", path="/v2/status_page_maintenances/", stage="before", seconds=300),
    Fault(kind="hang", method="POST", path="/v2/status_page_maintenance_updates", stage="after", seconds=300),
]


def kill_when_struck(sb: Sandbox, root: Path, struck: int, *args: str) -> None:
    """Run sync and SIGKILL it once the sandbox's ``struck``-th fault holds it; then clear the faults."""
    env = {**os.environ, **sync_env(sb.base_url), "NO_COLOR": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "sync", "sync", *SETTLED, *args],
        cwd=root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert sb.wait_struck(struck, timeout=120), f"kill point {struck} was never reached: {sb.faults()}"
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    sb.clear_faults()


def kill_at(sb: Sandbox, root: Path, faults: list[Fault], struck: int) -> int:
    """Kill one sync at each fault in turn; the number of faults struck so far."""
    for fault in faults:
        struck += 1
        sb.add_fault(fault)
        kill_when_struck(sb, root, struck, "--concurrency", "1")
    return struck


def test_sigkill_with_creates_puts_and_maintenance_updates(tmp_path: Path) -> None:
    root = tmp_path / "statusfiles"
    with Sandbox(SandboxConfig(api_key=SANDBOX_KEY)) as sb:
        expected = write_tree(root, incident_updates=4, window_updates=4)
        struck = kill_at(sb, tmp_path, OBJECT_KILLS, 0)
        done = run_cli("sync", *SETTLED, cwd=tmp_path, env=sync_env(sb.base_url))
        assert done.returncode == 0, done.stdout + done.stderr

        # Then a rename, a reschedule and more updates, killed around the PUTs.
        write(root / INCIDENT_FOLDER / "incident.yaml", incident_yaml(name="Checkout errors (EU)"))
        write(root / WINDOW_FOLDER / "maintenance.yaml", maintenance_yaml(start="2030-01-01T09:00:00Z"))
        for i in (5, 6):
            message = f"Maintenance note {i}."
            write(root / WINDOW_FOLDER / f"{i:02d}-note.yaml", maintenance_update(message))
            expected["window"].append(message)
        kill_at(sb, tmp_path, PUT_KILLS, struck)
        final = run_cli("sync", *SETTLED, cwd=tmp_path, env=sync_env(sb.base_url))
        assert final.returncode == 0, final.stdout + final.stderr

        assert not objects(sb, "incident", INCIDENT_NAME)
        assert messages(sb, "incident", "Checkout errors (EU)") == expected["incident"]
        assert messages(sb, "maintenance", WINDOW_NAME) == expected["window"]
        (window,) = objects(sb, "maintenance", WINDOW_NAME)
        assert window["start_at"] == "2030-01-01T09:00:00.000000Z"
        elsewhere = [u["message"] for u in sb.updates(SEEDED[0])]
        assert elsewhere.count(expected["elsewhere"][0]) == 1
        state = ledger.read(root / "ledger.jsonl")
        assert not list(state.unsettled()) and all(o.created for o in state.objects.values())
        again = run_cli("sync", cwd=tmp_path, env=sync_env(sb.base_url))
        assert "Nothing new to publish." in again.stdout, again.stdout
