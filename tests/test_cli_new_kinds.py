"""``statusfiles new`` declaring incidents and maintenance windows, and writing the updates beside them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from sync.snapshot import Component, Page, Snapshot
from sync.statusfile import discover, load_all
from tests.support.cli import run_cli
from tests.support.payloads import COMPONENT, PAGE

OTHER_PAGE = "01FCNDV6P870EA6S7TK1DSYDGC"
WEBHOOKS = "01FCNDV6P870EA6S7TK1DSYDG5"
VPN = "01FCNDV6P870EA6S7TK1DSYDGF"
TODAY = dt.datetime.now(dt.UTC).date().isoformat()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A repository with the schemas beside an empty statusfiles directory."""
    (tmp_path / "schemas").mkdir()
    for name in (
        "status-page-incident-update.schema.json",
        "status-page-incident.schema.json",
        "status-page-incident-folder-update.schema.json",
        "status-page-maintenance.schema.json",
        "status-page-maintenance-update.schema.json",
    ):
        (tmp_path / "schemas" / name).write_text("{}")
    (tmp_path / "statusfiles").mkdir()
    return tmp_path


def with_snapshot(project: Path) -> Path:
    snap = Snapshot(
        pages=(Page(PAGE, "Acme Cloud"), Page(OTHER_PAGE, "Acme Internal")),
        components=(
            Component(COMPONENT, "Public API", None, PAGE),
            Component(WEBHOOKS, "Webhooks", None, PAGE),
            Component(VPN, "VPN", "Office", OTHER_PAGE),
        ),
    )
    (project / "statusfiles" / "snapshot.json").write_text(snap.to_json())
    return project


def new(project: Path, *args: str, cwd: Path | None = None) -> tuple[int, str, str]:
    proc = run_cli("new", *args, cwd=cwd or project)
    return proc.returncode, proc.stdout, proc.stderr


def payloads(project: Path) -> dict[str, dict[str, object]]:
    root = project / "statusfiles"
    result = load_all(discover((), root))
    assert not result.diagnostics, result.diagnostics
    return {f.rel: f.payload for f in result.files}


def test_declares_an_incident_then_writes_its_updates(project: Path) -> None:
    code, out, err = new(
        project,
        "--page",
        PAGE,
        "--name",
        "Elevated API errors",
        "--status",
        "investigating",
        "--component",
        f"{COMPONENT}=degraded_performance",
        "-m",
        "We are investigating elevated error rates.",
    )
    assert code == 0, err
    folder = f"statusfiles/{TODAY}-elevated-api-errors"
    assert out == f"{folder}/incident.yaml\n"
    assert (project / folder / "incident.yaml").read_text() == (
        "# yaml-language-server: $schema=../../schemas/status-page-incident.schema.json\n"
        f"status_page_id: {PAGE}\n"
        "name: Elevated API errors\n"
        "incident_status: investigating\n"
        "notify_subscribers: false\n"
        "component_statuses:\n"
        f"  - component_id: {COMPONENT}\n"
        "    component_status: degraded_performance\n"
        "message: We are investigating elevated error rates.\n"
    )
    # the next update, by --folder: no incident ID in it
    code, out, err = new(project, "--folder", folder, "--status", "monitoring", "-m", "A fix is deployed.")
    assert (code, out) == (0, f"{folder}/01-monitoring.yaml\n"), err
    assert (project / folder / "01-monitoring.yaml").read_text() == (
        "# yaml-language-server: $schema=../../schemas/status-page-incident-folder-update.schema.json\n"
        "incident_status: monitoring\n"
        "notify_subscribers: false\n"
        "message: A fix is deployed.\n"
    )
    # and run inside the folder, without --folder
    code, out, err = new(project, "--status", "resolved", "-m", "Resolved.", cwd=project / folder)
    assert (code, out) == (0, "02-resolved.yaml\n"), err
    assert payloads(project)[f"{TODAY}-elevated-api-errors/02-resolved.yaml"] == {
        "incident_status": "resolved",
        "notify_subscribers": False,
        "message": "Resolved.",
    }
    assert run_cli("validate", cwd=project).returncode == 0


def test_names_become_ids_with_the_name_beside_them(project: Path) -> None:
    with_snapshot(project)
    code, out, err = new(
        project,
        "--page",
        "acme cloud",
        "--name",
        "Elevated API errors",
        "--component",
        "Public API=degraded_performance",
        "--notify",
        "-m",
        "Investigating.",
    )
    assert code == 0, err
    text = (project / out.strip()).read_text()
    assert f"status_page_id: {PAGE}  # Acme Cloud\n" in text
    assert f"  - component_id: {COMPONENT}  # Public API\n" in text
    # the comments change nothing: the file reads back as exactly this body
    assert payloads(project)[f"{TODAY}-elevated-api-errors/incident.yaml"] == {
        "status_page_id": PAGE,
        "name": "Elevated API errors",
        "incident_status": "investigating",
        "notify_subscribers": True,
        "component_statuses": [{"component_id": COMPONENT, "component_status": "degraded_performance"}],
        "message": "Investigating.",
    }
    # an update in the folder looks components up on the incident's page
    folder = out.strip().rsplit("/", 1)[0]
    code, out, err = new(project, "--folder", folder, "--component", "Webhooks=partial_outage", "-m", "Also.")
    assert code == 0, err
    assert f"  - component_id: {WEBHOOKS}  # Webhooks\n" in (project / out.strip()).read_text()
    # a component of another page is not found there
    code, out, err = new(project, "--folder", folder, "--component", "VPN=partial_outage", "-m", "x")
    assert code == 2 and "no component 'VPN' on Acme Cloud" in err and "Public API (" in err


def test_unknown_names_are_refused_before_writing(project: Path) -> None:
    code, _, err = new(project, "--page", "Acme Cloud", "--name", "X", "-m", "x")
    assert code == 2 and "no snapshot" in err and "statusfiles pull" in err
    with_snapshot(project)
    code, _, err = new(project, "--page", "Acme Clod", "--name", "X", "-m", "x")
    assert code == 2 and "no status page 'Acme Clod'" in err and f"Acme Cloud ({PAGE})" in err
    assert sorted(p.name for p in (project / "statusfiles").iterdir()) == ["snapshot.json"]


def test_declares_a_maintenance_window_then_writes_its_updates(project: Path) -> None:
    with_snapshot(project)
    code, out, err = new(
        project,
        "--maintenance",
        "--page",
        "Acme Cloud",
        "--name",
        "Database upgrade",
        "--start",
        "2026-12-01T10:00:00Z",
        "--end",
        "2026-12-01T12:00:00+00:00",
        "--component",
        "Public API",
        "--component",
        WEBHOOKS,
        "--automate",
        "-m",
        "We will upgrade the database.",
    )
    assert code == 0, err
    folder = f"statusfiles/{TODAY}-database-upgrade"
    assert out == f"{folder}/maintenance.yaml\n"
    assert (project / out.strip()).read_text() == (
        "# yaml-language-server: $schema=../../schemas/status-page-maintenance.schema.json\n"
        f"status_page_id: {PAGE}  # Acme Cloud\n"
        "name: Database upgrade\n"
        "maintenance_status: maintenance_scheduled\n"
        'start_at: "2026-12-01T10:00:00Z"\n'
        'end_at: "2026-12-01T12:00:00+00:00"\n'
        "automate_maintenance_status: true\n"
        "notify_subscribers: false\n"
        "affected_component_ids:\n"
        f"  - {COMPONENT}  # Public API\n"
        f"  - {WEBHOOKS}  # Webhooks\n"
        "message: We will upgrade the database.\n"
    )
    code, out, err = new(
        project,
        "--folder",
        folder,
        "--status",
        "maintenance_in_progress",
        "--component",
        "Public API=under_maintenance",
        "-m",
        "Started.",
    )
    assert (code, out) == (0, f"{folder}/01-in-progress.yaml\n"), err
    assert payloads(project)[f"{TODAY}-database-upgrade/01-in-progress.yaml"] == {
        "maintenance_status": "maintenance_in_progress",
        "component_statuses": [{"component_id": COMPONENT, "component_status": "under_maintenance"}],
        "notify_subscribers": False,
        "message": "Started.",
    }
    # an incident's statuses are not a window's: refused with the schema's words, nothing written
    code, out, err = new(project, "--folder", folder, "--status", "resolved", "-m", "x")
    assert code == 1 and "use one of: maintenance_scheduled" in out and "not written" in err
    assert sorted(p.name for p in (project / folder).iterdir()) == ["01-in-progress.yaml", "maintenance.yaml"]


@pytest.mark.parametrize(
    ("start", "end", "code", "says"),
    [
        ("2026-12-01T10:00:00", "2026-12-01T12:00:00Z", 2, "Z for UTC"),
        ("tomorrow", "2026-12-01T12:00:00Z", 2, "like 2026-12-01T10:00:00Z"),
        ("2026-12-01T10:00:00Z", "2026-12-01T09:00:00Z", 1, "[end-before-start]"),
    ],
)
def test_a_bad_window_writes_nothing(project: Path, start: str, end: str, code: int, says: str) -> None:
    args = ["--maintenance", "--page", PAGE, "--name", "Upgrade", "--start", start, "--end", end, "-m", "x"]
    got, out, err = new(project, *args)
    assert got == code and says in out + err
    assert list((project / "statusfiles").iterdir()) == []


def test_never_writes_into_a_folder_in_use(project: Path) -> None:
    args = ["--page", PAGE, "--name", "Elevated API errors", "-m", "x"]
    assert new(project, *args)[0] == 0
    code, _, err = new(project, *args)
    assert code == 1 and "already exists" in err and "--slug" in err
    assert new(project, *args, "--slug", "api errors again")[0] == 0
    code, _, err = new(project, "--maintenance", "--page", PAGE, "--name", "x", "--folder", "statusfiles")
    assert code == 2


def test_says_what_to_write_when_it_cannot_tell(project: Path) -> None:
    code, _, err = new(project, "-m", "x")
    assert code == 2 and "--page and --name" in err and "--incident" in err
    code, _, err = new(project, "--start", "2026-12-01T10:00:00Z", "--page", PAGE, "--name", "n", "-m", "x")
    assert code == 2 and "--maintenance" in err
    code, _, err = new(project, "--maintenance", "--page", PAGE, "--name", "n", "-m", "x")
    assert code == 2 and "--start and --end" in err


def test_a_folder_of_updates_to_an_incident_created_elsewhere(project: Path) -> None:
    incident = "01FCNDV6P870EA6S7TK1DSYDG1"
    code, out, _ = new(project, "--incident", incident, "--slug", "api", "-m", "first")
    assert code == 0
    folder = out.strip().rsplit("/", 1)[0]
    code, out, err = new(project, "--folder", folder, "--status", "monitoring", "-m", "second")
    assert code == 0, err
    assert payloads(project)[out.strip().removeprefix("statusfiles/")]["status_page_incident_id"] == incident


def test_accented_names_keep_their_letters_and_other_scripts_need_a_slug(project: Path) -> None:
    code, out, err = new(project, "--page", PAGE, "--name", "Café outage", "-m", "x")
    assert (code, out) == (0, f"statusfiles/{TODAY}-cafe-outage/incident.yaml\n"), err
    incident = "01FCNDV6P870EA6S7TK1DSYDG1"
    code, out, err = new(project, "--incident", incident, "--slug", "Zürich: Crème brûlée", "-m", "x")
    assert (code, out) == (0, f"statusfiles/{TODAY}-zurich-creme-brulee/01-update.yaml\n"), err
    # A name in a script without Latin letters gives no folder name: asked for, nothing written.
    before = sorted((project / "statusfiles").iterdir())
    code, _, err = new(project, "--page", PAGE, "--name", "Сбой входа", "-m", "x")
    assert code == 2 and "pass --slug" in err
    code, _, err = new(project, "--incident", incident + "X", "--slug", "障害", "-m", "x")
    assert code == 2 and "pass --slug" in err
    assert sorted((project / "statusfiles").iterdir()) == before
    code, out, err = new(project, "--page", PAGE, "--name", "Сбой входа", "--slug", "login", "-m", "x")
    assert (code, out) == (0, f"statusfiles/{TODAY}-login/incident.yaml\n"), err


# A snapshot.json can come from a pull request: a name's line break would start a line of its own in the
# error (a GitHub workflow command), an escape would drive the terminal.
EVIL = "Acme\n::warning::forged \x1b]0;title\x07"
SHOWN = "Acme\\n::warning::forged \\x1b]0;title\\x07"


@pytest.mark.parametrize("what", ["page", "component"])
def test_names_listed_in_an_error_are_shown_escaped(project: Path, what: str) -> None:
    snap = Snapshot(pages=(Page(PAGE, EVIL),), components=(Component(COMPONENT, EVIL, None, PAGE),))
    (project / "statusfiles" / "snapshot.json").write_text(snap.to_json())
    wrong = ("--page", "Nope") if what == "page" else ("--page", PAGE, "--component", "Nope=operational")
    code, _, err = new(project, *wrong, "--name", "X", "-m", "x")
    assert code == 2, err
    assert f"{SHOWN} (" in err
    assert "\x1b" not in err and "\x07" not in err
    assert not [line for line in err.splitlines() if line.lstrip().startswith("::")]
    if what == "component":
        assert f"no component 'Nope' on {SHOWN} in the snapshot" in err
