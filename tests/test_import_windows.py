"""A maintenance window whose page shows no times: `import` names it in one line and writes nothing for it,
and everything else asked for is still imported."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import httpx
import pytest

from sync import importer
from sync.ledger import LedgerState
from sync.remote import RemoteMaintenance, RemoteUpdate
from sync.sandbox import Sandbox
from sync.sandbox.seed import MAINTENANCE_ID, STATUS_PAGE_ID
from tests.support.cli import SANDBOX_KEY, run_cli, run_json, sync_env

WHY = (
    "the page shows no start or end time (the API gives a maintenance window's times only with its affected "
    "components), and maintenance.yaml needs both"
)


def _window_without_components(sb: Sandbox, name: str = "Office move") -> str:
    """A window created elsewhere with no affected components: the API shows no maintenance periods for it,
    and so no start or end."""
    r = httpx.post(
        f"{sb.base_url}/v2/status_page_maintenances",
        headers={"Authorization": f"Bearer {SANDBOX_KEY}"},
        json={
            "status_page_id": STATUS_PAGE_ID,
            "name": name,
            "maintenance_status": "maintenance_scheduled",
            "idempotency_key": "office-move",
            "affected_component_ids": [],
            "start_at": "2026-12-01T10:00:00Z",
            "end_at": "2026-12-01T12:00:00Z",
            "message": "We are moving offices.",
            "notify_subscribers": False,
        },
    )
    assert r.status_code == 201, r.text
    body = r.json()["status_page_maintenance"]
    assert body["component_maintenance_periods"] == []  # what makes it a window without times
    return str(body["id"])


def test_import_skips_a_window_without_times_naming_it(sandbox: Sandbox, tmp_path: Path) -> None:
    window = _window_without_components(sandbox)
    (tmp_path / "statusfiles").mkdir()
    env = sync_env(sandbox.base_url)
    proc = run_cli("import", "--open", cwd=tmp_path, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    skipped = [line for line in proc.stdout.splitlines() if line.startswith("skipped")]
    assert skipped == [f"skipped   Office move ({window}): {WHY}"]
    # The seeded window, which has times, is imported as usual; nothing is written or recorded for this one.
    declarations = sorted(p.name for p in (tmp_path / "statusfiles").rglob("maintenance.yaml"))
    assert declarations == ["maintenance.yaml"]
    ledger = (tmp_path / "statusfiles" / "ledger.jsonl").read_text()
    assert MAINTENANCE_ID in ledger and window not in ledger
    assert not any("office-move" in p.name for p in (tmp_path / "statusfiles").iterdir())
    # Nothing it wrote is published, and the window is still reported, not dropped, on the next import.
    assert run_cli("plan", "--detailed-exitcode", cwd=tmp_path).returncode == 0
    code, doc = run_json("import", window, "--format", "json", cwd=tmp_path, env=env)
    assert code == 0
    assert doc["imported"] == [] and doc["skipped"] == [{"id": window, "name": "Office move", "reason": WHY}]


def test_importing_only_a_skipped_window_says_so_with_its_name_escaped(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    window = _window_without_components(sandbox, name="Office\x1b[2J move")
    (tmp_path / "statusfiles").mkdir()
    proc = run_cli("import", window, cwd=tmp_path, env=sync_env(sandbox.base_url))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.splitlines() == [
        f"skipped   Office\\x1b[2J move ({window}): {WHY}",
        "Nothing imported: 1 object skipped, as said above.",
    ]
    assert "\x1b" not in proc.stdout


@pytest.mark.parametrize(
    ("start", "end", "missing"), [("2026-12-01T10:00:00Z", None, "end"), (None, None, "start or end")]
)
def test_a_window_missing_a_time_says_which(start: str | None, end: str | None, missing: str) -> None:
    first = RemoteUpdate("U1", "m", "maintenance_scheduled", {}, "2026-11-27T10:00:00Z")
    obj = RemoteMaintenance("M1", "Upgrade", "maintenance_scheduled", (first,), "P1", start, end)
    tree = importer.Tree.of([], LedgerState(), {"": []})
    (imp,) = importer.plan_import([obj], tree)
    assert not imp.files and imp.problem is not None
    assert imp.problem.startswith(f"the page shows no {missing} time ")
    assert tree.tracked == {}  # no folder is taken to track it
    assert "\n" not in imp.problem  # one line


def test_a_window_an_interrupted_import_wrote_is_recorded_by_the_next_not_written_again(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    """Killed after writing maintenance.yaml and before recording it: the next import records that file
    and writes the rest, ending with what one uninterrupted import writes; nothing is published."""
    env = sync_env(sandbox.base_url)
    whole, half = tmp_path / "whole", tmp_path / "half"
    (whole / "statusfiles").mkdir(parents=True)
    assert run_cli("import", MAINTENANCE_ID, cwd=whole, env=env).returncode == 0
    shutil.copytree(whole, half)
    (half / "statusfiles" / "ledger.jsonl").unlink()
    (declaration,) = (half / "statusfiles").rglob("maintenance.yaml")
    for later in declaration.parent.iterdir():
        if later != declaration:
            later.unlink()

    code, doc = run_json("import", MAINTENANCE_ID, cwd=half, env=env)
    assert code == 0, doc
    assert _files(half) == _files(whole)
    assert [r["already_written"] for r in doc["imported"]][:1] == [True]
    records = [json.loads(line) for line in (half / "statusfiles" / "ledger.jsonl").read_text().splitlines()]
    assert [(r["event"], r["path"]) for r in records][:1] == [
        ("created", declaration.relative_to(half / "statusfiles").as_posix())
    ]
    assert records[0]["id"] == MAINTENANCE_ID and records[0]["origin"] == "import"
    before = len(sandbox.requests())
    assert run_cli("plan", "--detailed-exitcode", cwd=half).returncode == 0
    done = run_cli("sync", cwd=half, env=env)
    assert done.returncode == 0 and "Nothing new to publish." in done.stdout, done.stdout + done.stderr
    assert not [r for r in sandbox.requests()[before:] if r["method"] in ("POST", "PUT")]


def _files(root: Path) -> dict[str, bytes]:
    """Every statusfile under ``root`` (not the ledger, whose times and runs differ)."""
    sf = root / "statusfiles"
    return {p.relative_to(sf).as_posix(): p.read_bytes() for p in sf.rglob("*.yaml")}
