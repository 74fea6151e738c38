"""Each kind of statusfile is checked against its own schema, whatever set of files a run is given."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from sync.kinds import Placement
from sync.statusfile import Source, load_all, load_statusfile
from tests.support import payloads
from tests.support.cli import run_cli, run_json
from tests.support.payloads import incident, maintenance, update, write_statusfile
from tests.support.repo import REPO


def window(end: str = "2026-12-01T12:00:00Z") -> dict[str, Any]:
    return maintenance(start="2026-12-01T10:00:00Z", end=end)


def folder_update(**over: Any) -> dict[str, Any]:
    return update("A fix is deployed.", incident=None, status="monitoring", **over)


def maintenance_update() -> dict[str, Any]:
    return payloads.maintenance_update(status="maintenance_in_progress")


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "statusfiles"
    write_statusfile(root / "2026-11-27-api" / "incident.yaml", incident())
    write_statusfile(root / "2026-11-27-api" / "01-monitoring.yaml", folder_update())
    write_statusfile(root / "2026-12-01-db" / "maintenance.yaml", window())
    write_statusfile(root / "2026-12-01-db" / "01-started.yaml", maintenance_update())
    write_statusfile(root / "2026-11-25-eu" / "01-investigating.yaml", update())
    return tmp_path


def test_each_kind_validates_against_its_own_schema(tree: Path) -> None:
    proc = run_cli("validate", cwd=tree)
    assert (proc.returncode, proc.stdout) == (0, "5 files checked, 0 failed.\n")


def test_loader_places_every_file(tree: Path) -> None:
    root = tree / "statusfiles"
    sources = [Source(p, str(p), p.relative_to(root).as_posix()) for p in sorted(root.rglob("*.yaml"))]
    placed = {f.rel: (f.kind, f.declaration) for f in load_all(sources).files}
    assert placed == {
        "2026-11-27-api/incident.yaml": ("incident", "2026-11-27-api/incident.yaml"),
        "2026-11-27-api/01-monitoring.yaml": ("incident-update", "2026-11-27-api/incident.yaml"),
        "2026-12-01-db/maintenance.yaml": ("maintenance", "2026-12-01-db/maintenance.yaml"),
        "2026-12-01-db/01-started.yaml": ("maintenance-update", "2026-12-01-db/maintenance.yaml"),
        "2026-11-25-eu/01-investigating.yaml": ("incident-update", None),
    }
    # payloads hold exactly what the files say: nothing injected
    by_rel = {f.rel: f for f in load_all(sources).files}
    assert "idempotency_key" not in by_rel["2026-11-27-api/incident.yaml"].payload
    assert "status_page_incident_id" not in by_rel["2026-11-27-api/01-monitoring.yaml"].payload
    # one file alone is placed by the folder it is in on disk
    one = root / "2026-12-01-db" / "01-started.yaml"
    alone = load_statusfile(Source(one, str(one), "2026-12-01-db/01-started.yaml"))
    assert alone.placement == Placement("maintenance-update", "2026-12-01-db/maintenance.yaml")


def test_a_run_over_some_files_reads_them_by_their_folder(tree: Path) -> None:
    # pre-commit passes only the changed files: the update beside an unchanged incident.yaml
    proc = run_cli("validate", "statusfiles/2026-11-27-api/01-monitoring.yaml", cwd=tree)
    assert (proc.returncode, proc.stdout) == (0, "1 file checked, 0 failed.\n")
    proc = run_cli("validate", "statusfiles/2026-12-01-db/01-started.yaml", cwd=tree)
    assert (proc.returncode, proc.stdout) == (0, "1 file checked, 0 failed.\n")


def test_a_file_is_checked_against_the_schema_of_its_kind(tree: Path) -> None:
    root = tree / "statusfiles"
    # an update without its incident's ID, in a folder that does not declare one
    write_statusfile(root / "2026-11-25-eu" / "02-monitoring.yaml", folder_update())
    # a maintenance status in an incident's folder
    write_statusfile(
        root / "2026-11-27-api" / "02-bad.yaml", folder_update(incident_status="maintenance_complete")
    )
    # an incident status in a maintenance window's folder
    write_statusfile(
        root / "2026-12-01-db" / "02-bad.yaml", {**maintenance_update(), "incident_status": "resolved"}
    )
    code, report = run_json("validate", cwd=tree)
    assert code == 1
    found = {(d["file"].split("statusfiles/")[1], d["field"], d["rule"]) for d in report["diagnostics"]}
    assert found == {
        ("2026-11-25-eu/02-monitoring.yaml", "status_page_incident_id", "required"),
        ("2026-11-27-api/02-bad.yaml", "incident_status", "enum"),
        ("2026-12-01-db/02-bad.yaml", "incident_status", "unknown-field"),
    }


def test_a_folder_declares_one_object(tree: Path) -> None:
    root = tree / "statusfiles"
    write_statusfile(root / "2026-11-27-api" / "maintenance.yaml", window())
    proc = run_cli("validate", cwd=tree)
    assert proc.returncode == 1
    assert proc.stdout.splitlines() == [
        "statusfiles/2026-11-27-api/maintenance.yaml:1:1: error: this folder already holds incident.yaml: "
        "a folder declares one incident or one maintenance window; move maintenance.yaml and its updates "
        "into a folder of their own [two-declarations]",
        "6 files checked, 1 failed (1 error).",
    ]
    # named alone, as pre-commit does, it is still the second declaration in its folder
    proc = run_cli("validate", "statusfiles/2026-11-27-api/maintenance.yaml", cwd=tree)
    assert proc.returncode == 1 and "[two-declarations]" in proc.stdout


def test_messages_say_what_to_write(tree: Path) -> None:
    root = tree / "statusfiles"
    write_statusfile(
        root / "2026-11-27-api" / "02-identified.yaml", folder_update(status_page_incident_id="01ABC")
    )
    write_statusfile(root / "2026-12-02-net" / "maintenance.yaml", window(end="2026-12-02T12:00:00"))
    code, report = run_json("validate", cwd=tree)
    assert code == 1
    messages = {d["rule"]: d["message"] for d in report["diagnostics"]}
    assert messages == {
        "injected-field": "this folder's updates go to the incident 2026-11-27-api/incident.yaml creates, "
        "whose ID statusfiles fills in: remove this line",
        "naive-time": "'2026-12-02T12:00:00' has no UTC offset, so its zone is unknown: "
        "write 2026-12-02T12:00:00Z for UTC, or the zone's offset, like 2026-12-02T12:00:00+01:00",
    }


@pytest.mark.parametrize("doc", ["README.md", "docs/file-format.md"])
def test_documented_examples_are_valid_statusfiles(tmp_path: Path, doc: str) -> None:
    """Each YAML block in the document that starts with its path under statusfiles/ is that file, valid."""
    text = (REPO / doc).read_text(encoding="utf-8")
    written = []
    for block in re.findall(r"```yaml\n(.*?)```", text, flags=re.S):
        first, _, rest = block.partition("\n")
        if first.startswith("# statusfiles/"):
            path = tmp_path / first.removeprefix("# ")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(rest, encoding="utf-8")
            written.append(path.name)
    assert {"incident.yaml", "maintenance.yaml", "01-monitoring.yaml", "01-in-progress.yaml"} <= set(written)
    proc = run_cli("validate", cwd=tmp_path)
    assert (proc.returncode, proc.stdout) == (0, f"{len(written)} files checked, 0 failed.\n")
