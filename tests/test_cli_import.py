"""``statusfiles import`` and ``drift`` against the sandbox, with updates posted through its API as the
dashboard and the Slack app would, interleaved with updates published from git."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest

from sync import ledger
from sync.sandbox import Fault, Sandbox
from sync.sandbox.seed import PUBLIC_API_ID, STATUS_PAGE_ID
from tests.support.cli import SANDBOX_KEY, run_cli, run_json, sync_env
from tests.support.objects import INCIDENT_FOLDER, INCIDENT_NAME, incident_yaml, objects, write
from tests.support.payloads import incident, update
from tests.support.repo import REPO

DASHBOARD_NAME = "Login failures"


def cli(root: Path, sb: Sandbox, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(*args, cwd=root, env=sync_env(sb.base_url))


def elsewhere(sb: Sandbox, path: str, body: dict[str, Any]) -> dict[str, Any]:
    """A POST made outside statusfiles (the dashboard, the Slack app)."""
    r = httpx.post(f"{sb.base_url}{path}", json=body, headers={"Authorization": f"Bearer {SANDBOX_KEY}"})
    assert r.status_code in (200, 201), r.text
    return dict(r.json())


def slack_update(sb: Sandbox, incident_id: str, message: str, status: str) -> None:
    elsewhere(
        sb,
        "/v2/status_page_incident_updates",
        update(message, incident=incident_id, status=status),
    )


def dashboard_incident(sb: Sandbox) -> str:
    """An incident declared in the dashboard, with one later update."""
    body = elsewhere(
        sb,
        "/v2/status_page_incidents",
        incident(
            DASHBOARD_NAME,
            "Some customers cannot log in.",
            page=STATUS_PAGE_ID,
            notify=True,
            components={PUBLIC_API_ID: "partial_outage"},
            idempotency_key="dashboard-login",
        ),
    )
    incident_id = str(body["status_page_incident"]["id"])
    slack_update(sb, incident_id, "We found the cause:\na bad certificate.", "identified")
    return incident_id


def posts(sb: Sandbox) -> int:
    return sum(1 for r in sb.requests() if r["method"] in ("POST", "PUT"))


def tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def published(tmp_path: Path, sandbox: Sandbox) -> tuple[Path, str]:
    """A declared incident published from git: its create and 01; a Slack update; then 02 from git."""
    sf = tmp_path / "statusfiles"
    write(sf / INCIDENT_FOLDER / "incident.yaml", incident_yaml())
    write(sf / INCIDENT_FOLDER / "01-identified.yaml", upd("identified", "We know what is wrong."))
    assert cli(tmp_path, sandbox, "pull").returncode == 0
    first = cli(tmp_path, sandbox, "sync")
    assert first.returncode == 0, first.stdout + first.stderr
    (obj,) = objects(sandbox, "incident", INCIDENT_NAME)
    slack_update(sandbox, obj["id"], "Posted from Slack in between.", "identified")
    write(sf / INCIDENT_FOLDER / "02-monitoring.yaml", upd("monitoring", "A fix is deployed."))
    second = cli(tmp_path, sandbox, "sync")
    assert second.returncode == 0, second.stdout + second.stderr
    return tmp_path, str(obj["id"])


def upd(status: str, message: str) -> dict[str, Any]:
    return update(message, incident=None, status=status)


def test_import_writes_what_new_writes_and_then_nothing_is_published(
    published: tuple[Path, str], sandbox: Sandbox
) -> None:
    root, git_incident = published
    sf = root / "statusfiles"
    dashboard = dashboard_incident(sandbox)
    slack_update(sandbox, git_incident, "Posted from Slack after the fix.", "monitoring")

    result = cli(root, sandbox, "import", git_incident, dashboard)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "found on the page, posted elsewhere" in result.stdout
    folder = sf / INCIDENT_FOLDER
    # Named after the git-posted files, as `new` names the next one; never between them.
    assert (folder / "03-identified.yaml").read_text().endswith("message: Posted from Slack in between.\n")
    assert (folder / "04-monitoring.yaml").is_file()
    (new_folder,) = [p for p in sf.iterdir() if p.is_dir() and p.name.endswith("-login-failures")]
    assert sorted(p.name for p in new_folder.iterdir()) == ["01-identified.yaml", "incident.yaml"]
    declaration = (new_folder / "incident.yaml").read_text()
    assert "status_page_id: 01FCNDV6P870EA6S7TK1DSYDG0  # " in declaration
    assert "component_id: 01FCNDV6P870EA6S7TK1DSYDG2  # Public API" in declaration
    assert "notify_subscribers: false" in declaration

    # Byte for byte what `new` writes for the same update.
    copy = root / "copy"
    shutil.copytree(sf, copy / "statusfiles")
    (copy / "statusfiles" / new_folder.name / "01-identified.yaml").unlink()
    made = run_cli(
        "new",
        "--folder",
        f"statusfiles/{new_folder.name}",
        "--status",
        "identified",
        "--component",
        "Public API=partial_outage",
        "--message-file",
        "-",
        cwd=copy,
        input="We found the cause:\na bad certificate.\n",
    )
    assert made.returncode == 0, made.stderr
    assert (copy / "statusfiles" / new_folder.name / "01-identified.yaml").read_bytes() == (
        new_folder / "01-identified.yaml"
    ).read_bytes()

    records = [json.loads(line) for line in (sf / "ledger.jsonl").read_text().splitlines()]
    imported = [r for r in records if r.get("origin") == "import"]
    assert [r["event"] for r in imported] == ["adopted", "adopted", "created", "adopted"]
    assert all("origin" not in r for r in records if r["event"] == "posted")

    code, plan = run_json("plan", cwd=root)
    assert code == 0 and plan["summary"]["publish"] == 0 and plan["summary"]["errors"] == 0, plan
    assert not plan["summary"]["has_changes"]
    before = posts(sandbox)
    again = cli(root, sandbox, "sync")
    assert again.returncode == 0 and "Nothing new to publish." in again.stdout, again.stdout
    assert posts(sandbox) == before

    snapshot = tree(sf)
    twice = cli(root, sandbox, "import", git_incident, dashboard)
    assert twice.returncode == 0 and "Nothing to import" in twice.stdout, twice.stdout
    assert tree(sf) == snapshot

    # A file written in git next is not out of order behind the imported ones, and is published.
    write(folder / "05-resolved.yaml", upd("resolved", "Resolved."))
    code, plan = run_json("plan", cwd=root)
    assert code == 0 and plan["summary"]["publish"] == 1, plan
    assert cli(root, sandbox, "sync").returncode == 0
    assert posts(sandbox) == before + 1


def test_lost_ledger_after_an_import_posts_nothing(published: tuple[Path, str], sandbox: Sandbox) -> None:
    root, git_incident = published
    dashboard = dashboard_incident(sandbox)
    code, doc = run_json("import", "--open", cwd=root, env=sync_env(sandbox.base_url))
    assert code == 0, doc
    rows = [r for r in doc["imported"] if r["id"] == dashboard]
    assert [(r["declaration"], r["name"]) for r in rows] == [(True, DASHBOARD_NAME), (False, DASHBOARD_NAME)]
    assert rows[0]["path"].endswith("-login-failures/incident.yaml")
    assert dashboard in (root / "statusfiles" / "ledger.jsonl").read_text()
    (root / "statusfiles" / "ledger.jsonl").unlink()
    before = posts(sandbox)
    result = cli(root, sandbox, "sync")
    assert result.returncode == 0, result.stdout + result.stderr
    assert posts(sandbox) == before
    state = ledger.read(root / "statusfiles" / "ledger.jsonl")
    assert {o.id for o in state.objects.values()} >= {git_incident, dashboard}
    assert "found on the page" in result.stdout


def test_import_needs_something_to_import(tmp_path: Path, sandbox: Sandbox) -> None:
    (tmp_path / "statusfiles").mkdir()
    result = cli(tmp_path, sandbox, "import")
    assert result.returncode == 2 and "--open" in result.stderr
    bad = cli(tmp_path, sandbox, "import", "--since", "yesterday")
    assert bad.returncode == 2 and "not a date" in bad.stderr
    missing = cli(tmp_path, sandbox, "import", "NO-SUCH-ID")
    assert missing.returncode == 2 and "NO-SUCH-ID" in missing.stderr
    assert not (tmp_path / "statusfiles" / "ledger.jsonl").exists()


# --- drift ---------------------------------------------------------------------------------------


def test_drift_names_what_git_lacks_in_every_format(published: tuple[Path, str], sandbox: Sandbox) -> None:
    root, git_incident = published
    dashboard = dashboard_incident(sandbox)
    before = posts(sandbox)

    text = cli(root, sandbox, "drift")
    assert text.returncode == 2, text.stdout + text.stderr
    assert f"update-missing    {INCIDENT_NAME}  [statusfiles/{INCIDENT_FOLDER}/]" in text.stdout
    assert "Posted from Slack in between." in text.stdout
    assert f"object-missing    {DASHBOARD_NAME}  [no folder]" in text.stdout

    code, doc = run_json("drift", cwd=root, env=sync_env(sandbox.base_url))
    assert code == 2
    kinds = {(d["kind"], d["id"]) for d in doc["drift"]}
    assert ("update-missing", git_incident) in kinds and ("object-missing", dashboard) in kinds
    assert doc["summary"] == {"drift": len(doc["drift"])}

    md = cli(root, sandbox, "drift", "--format", "markdown")
    assert md.returncode == 2 and md.stdout.startswith("### statusfiles drift")
    assert f"| update-missing | {INCIDENT_NAME} | `statusfiles/{INCIDENT_FOLDER}/` |" in md.stdout
    assert posts(sandbox) == before  # read-only

    assert cli(root, sandbox, "import", "--open").returncode == 0
    clean = cli(root, sandbox, "drift")
    assert clean.returncode == 0, clean.stdout
    assert clean.stdout.startswith("No drift")


def test_drift_reports_renames_and_components_gone(published: tuple[Path, str], sandbox: Sandbox) -> None:
    root, git_incident = published
    r = httpx.put(
        f"{sandbox.base_url}/v2/status_page_incidents/{git_incident}",
        json={"name": "Checkout errors (EU)"},
        headers={"Authorization": f"Bearer {SANDBOX_KEY}"},
    )
    assert r.status_code == 200, r.text
    snap_path = root / "statusfiles" / "snapshot.json"
    snap = json.loads(snap_path.read_text())
    snap["pages"][0]["components"].append({"id": "GONE-COMPONENT", "name": "Old billing", "group": None})
    snap_path.write_text(json.dumps(snap, indent=2) + "\n")
    code, doc = run_json("drift", cwd=root, env=sync_env(sandbox.base_url))
    found = {(d["kind"], d["name"], d["folder"]) for d in doc["drift"]}
    assert code == 2
    assert ("renamed", "Checkout errors (EU)", INCIDENT_FOLDER) in found
    assert ("component-gone", "Old billing", None) in found


def test_drift_counts_every_component_of_a_page_that_is_gone(
    published: tuple[Path, str], sandbox: Sandbox
) -> None:
    """A page in the snapshot whose structure is not found (404) no longer has any of its components."""
    root, _ = published
    gone = json.loads((root / "statusfiles" / "snapshot.json").read_text())["pages"][1]
    sandbox.add_fault(Fault("error", path=f"/v2/status_page_structures/{gone['id']}", status=404, count=None))
    code, doc = run_json("drift", cwd=root, env=sync_env(sandbox.base_url))
    assert code == 2, doc
    found = {d["id"] for d in doc["drift"] if d["kind"] == "component-gone"}
    assert found == {c["id"] for c in gone["components"]} and found


def test_drift_errors_exit_1_without_the_key_in_the_output(tmp_path: Path, sandbox: Sandbox) -> None:
    (tmp_path / "statusfiles").mkdir()
    result = run_cli("drift", cwd=tmp_path, env=sync_env(sandbox.base_url, key="wrong-key-0123456789"))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "wrong-key-0123456789" not in result.stdout + result.stderr
    missing = run_cli("drift", cwd=tmp_path, env={"INCIDENT_IO_BASE_URL": sandbox.base_url})
    assert missing.returncode == 1 and "INCIDENT_IO_API_KEY" in missing.stderr
    unknown = run_cli("drift", "--format", "yaml", cwd=tmp_path, env=sync_env(sandbox.base_url))
    assert unknown.returncode == 1 and "--format" in unknown.stderr


# --- adoption made visible ---------------------------------------------------------------------


def test_an_update_posted_elsewhere_matching_a_new_file_is_shown_before_it_is_adopted(
    published: tuple[Path, str], sandbox: Sandbox
) -> None:
    root, git_incident = published
    slack_update(sandbox, git_incident, "Posted from Slack after the fix.", "monitoring")
    # Someone also wrote it in git; the first import would skip it for sync to adopt.
    assert cli(root, sandbox, "import", git_incident).returncode == 0
    write(root / "statusfiles" / INCIDENT_FOLDER / "05-monitoring.yaml", upd("monitoring", "All good now."))
    slack_update(sandbox, git_incident, "All good now.", "monitoring")

    dry = cli(root, sandbox, "sync", "--dry-run")
    assert dry.returncode == 0, dry.stdout + dry.stderr
    (line,) = [x for x in dry.stdout.splitlines() if "05-monitoring.yaml" in x]
    assert line.startswith("  = ") and line.endswith(
        "found on the page with no intent in the ledger (posted elsewhere, or the ledger lost it): "
        "recorded, will not be posted"
    )
    drift = cli(root, sandbox, "drift")
    assert drift.returncode == 2 and "will-be-adopted" in drift.stdout

    before = posts(sandbox)
    done = cli(root, sandbox, "sync")
    assert done.returncode == 0 and posts(sandbox) == before
    assert "found on the page with no intent in the ledger" in done.stdout
    last = json.loads((root / "statusfiles" / "ledger.jsonl").read_text().splitlines()[-1])
    assert (last["event"], last["origin"]) == ("adopted", "page")


def test_an_object_no_statusfile_can_hold_is_skipped_and_the_rest_imported(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    """The page may hold what a statusfile may not (here a blank name): that object is named and skipped,
    nothing of it is written, and every other object is imported, on this run and the next."""
    blank = elsewhere(
        sandbox,
        "/v2/status_page_incidents",
        incident("   ", "Something is wrong.", page=STATUS_PAGE_ID, idempotency_key="blank-name"),
    )["status_page_incident"]["id"]
    good = dashboard_incident(sandbox)
    (tmp_path / "statusfiles").mkdir()
    proc = cli(tmp_path, sandbox, "import", "--open")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    [skipped] = [line for line in proc.stdout.splitlines() if line.startswith("skipped")]
    assert (
        skipped.startswith(f"skipped       ({blank}): its ")
        and "incident.yaml would not be valid (name: " in skipped
    )
    records = ledger.read(tmp_path / "statusfiles" / "ledger.jsonl")
    assert good in {o.id for o in records.objects.values()}
    assert blank not in {o.id for o in records.objects.values()}
    assert not any(
        blank in line for line in (tmp_path / "statusfiles" / "ledger.jsonl").read_text().splitlines()
    )
    again = cli(tmp_path, sandbox, "import", "--open")
    assert again.returncode == 0 and f"({blank}): its " in again.stdout


@pytest.mark.parametrize("moved_to", ["2026-12-01-renamed", None])
def test_an_object_whose_folder_is_gone_is_skipped_not_written_into_a_new_one(
    published: tuple[Path, str], sandbox: Sandbox, moved_to: str | None
) -> None:
    """The ledger tracks the incident in a folder git no longer has (renamed or deleted before sync ran):
    import and drift crashed numbering its files. Nothing is written for it, and drift still lists what
    the page shows."""
    root, git_incident = published
    sf = root / "statusfiles"
    if moved_to is None:
        shutil.rmtree(sf / INCIDENT_FOLDER)
    else:
        (sf / INCIDENT_FOLDER).rename(sf / moved_to)
    slack_update(sandbox, git_incident, "Posted from Slack after the rename.", "monitoring")
    before = tree(root)
    proc = cli(root, sandbox, "import", git_incident)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (
        f"skipped   {INCIDENT_NAME} ({git_incident}): the ledger tracks it in {INCIDENT_FOLDER}/"
        in proc.stdout
    )
    assert tree(root) == before and not (sf / INCIDENT_FOLDER).exists()
    code, drift = run_json("drift", cwd=root, env=sync_env(sandbox.base_url))
    # The update posted in between and the one after: both on the page and not in git.
    assert (
        code == 2
        and [(d["kind"], d["folder"]) for d in drift["drift"] if d["id"] == git_incident]
        == [("update-missing", INCIDENT_FOLDER)] * 2
    )


def test_a_folder_the_ledger_places_outside_the_statusfiles_directory_gets_nothing_written(
    published: tuple[Path, str], sandbox: Sandbox
) -> None:
    # Anyone can edit the ledger: its path for a folder decides where import writes that object's updates.
    root, git_incident = published
    sf = root / "statusfiles"
    text = (sf / "ledger.jsonl").read_text()
    (sf / "ledger.jsonl").write_text(text.replace(f'"{INCIDENT_FOLDER}/', '"../../evil/'))
    shutil.rmtree(sf / INCIDENT_FOLDER)
    slack_update(sandbox, git_incident, "Posted from Slack.", "monitoring")
    proc = cli(root, sandbox, "import", "--open", "--format", "json")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (skipped,) = [s for s in json.loads(proc.stdout)["skipped"] if s["id"] == git_incident]
    assert skipped["reason"].startswith("the ledger tracks it in ../../evil/, which the statusfiles")
    assert not (root.parent / "evil").exists() and not (root / "evil").exists()
    assert git_incident not in {r["id"] for r in json.loads(proc.stdout)["imported"]}


# --- an import that stopped between writing a file and recording it ------------------------------


def stopped_import(root: Path, sb: Sandbox, *ids: str) -> subprocess.CompletedProcess[str]:
    """``import`` on a disk with no room for one more ledger byte: each statusfile it writes fits (their
    schemas are in the repository), the record after it does not."""
    shutil.copytree(REPO / "schemas", root / "schemas", dirs_exist_ok=True)
    room = (root / "statusfiles" / "ledger.jsonl").stat().st_size
    proc = run_cli("import", *ids, cwd=root, env=sync_env(sb.base_url), max_file_size=room)
    assert proc.returncode == 1 and "was written but not recorded" in proc.stderr, proc.stdout + proc.stderr
    return proc


def imports(root: Path) -> list[dict[str, Any]]:
    lines = (root / "statusfiles" / "ledger.jsonl").read_text().splitlines()
    return [r for r in map(json.loads, lines) if r.get("origin") == "import"]


def assert_nothing_to_publish(root: Path, sb: Sandbox) -> None:
    code, plan = run_json("plan", cwd=root)
    assert code == 0 and plan["summary"]["publish"] == 0 and not plan["summary"]["has_changes"], plan
    before = posts(sb)
    done = cli(root, sb, "sync")
    assert done.returncode == 0 and "Nothing new to publish." in done.stdout, done.stdout + done.stderr
    assert posts(sb) == before


def test_an_import_that_stopped_after_writing_a_declaration_records_it_on_the_next(
    published: tuple[Path, str], sandbox: Sandbox
) -> None:
    """Its folder is the record of what it wrote: the next import records that folder's incident.yaml
    instead of writing the incident again into a second folder (whose twin sync would create anew)."""
    root, _ = published
    sf = root / "statusfiles"
    dashboard = dashboard_incident(sandbox)
    stopped_import(root, sandbox, dashboard)
    (folder,) = [p for p in sf.iterdir() if p.name.endswith("-login-failures")]
    assert [p.name for p in folder.iterdir()] == ["incident.yaml"]
    declaration = (folder / "incident.yaml").read_bytes()
    # Another incident of the same name, told apart by its first message: a folder of its own.
    other = elsewhere(
        sandbox,
        "/v2/status_page_incidents",
        incident(DASHBOARD_NAME, "Logins are slow.", page=STATUS_PAGE_ID, idempotency_key="slow-logins"),
    )["status_page_incident"]["id"]

    code, doc = run_json("import", dashboard, other, cwd=root, env=sync_env(sandbox.base_url))
    assert code == 0, doc
    rows = {(r["path"], r["id"]) for r in doc["imported"]}
    assert rows == {
        (f"statusfiles/{folder.name}/incident.yaml", dashboard),
        (f"statusfiles/{folder.name}/01-identified.yaml", dashboard),
        (f"statusfiles/{folder.name}-2/incident.yaml", other),
    }
    assert [r["path"] for r in doc["imported"] if r["already_written"]] == [
        f"statusfiles/{folder.name}/incident.yaml"
    ]
    assert (folder / "incident.yaml").read_bytes() == declaration
    assert sorted(p.name for p in sf.iterdir() if p.name.endswith(("-login-failures", "-2", "-3"))) == [
        folder.name,
        f"{folder.name}-2",
    ]
    created = {r["id"]: r["path"] for r in imports(root) if r["event"] == "created"}
    assert created == {dashboard: f"{folder.name}/incident.yaml", other: f"{folder.name}-2/incident.yaml"}
    assert_nothing_to_publish(root, sandbox)
    assert {o["id"] for o in objects(sandbox, "incident", DASHBOARD_NAME)} == {dashboard, other}
    again = cli(root, sandbox, "import", dashboard, other)
    assert again.returncode == 0 and "Nothing to import" in again.stdout, again.stdout


def test_an_import_that_stopped_after_writing_an_update_records_it_on_the_next(
    published: tuple[Path, str], sandbox: Sandbox
) -> None:
    """An update's file written and not recorded is recorded by the next import, not left for sync to find
    on the page: `plan` then has nothing to publish."""
    root, git_incident = published
    folder = root / "statusfiles" / INCIDENT_FOLDER
    slack_update(sandbox, git_incident, "Posted from Slack after the fix.", "monitoring")
    stopped_import(root, sandbox, git_incident)
    assert (folder / "03-identified.yaml").is_file() and not (folder / "04-monitoring.yaml").exists()
    drift = cli(root, sandbox, "drift")
    assert drift.returncode == 2, drift.stdout + drift.stderr
    assert f"{INCIDENT_FOLDER}/03-identified.yaml holds it, and the ledger does not" in drift.stdout

    result = cli(root, sandbox, "import", git_incident)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "matches" not in result.stdout
    assert sorted(p.name for p in folder.iterdir()) == [
        "01-identified.yaml",
        "02-monitoring.yaml",
        "03-identified.yaml",
        "04-monitoring.yaml",
        "incident.yaml",
    ]
    assert [(r["event"], r["path"]) for r in imports(root)] == [
        ("adopted", f"{INCIDENT_FOLDER}/03-identified.yaml"),
        ("adopted", f"{INCIDENT_FOLDER}/04-monitoring.yaml"),
    ]
    assert_nothing_to_publish(root, sandbox)
