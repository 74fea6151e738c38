"""`pages`, `components` and `active` against the sandbox: where each ID comes from, and which folder
tracks what is open."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from sync.sandbox import Fault, Sandbox
from sync.sandbox.seed import (
    API_INCIDENT_ID,
    CI_RUNNERS_ID,
    DASHBOARD_EU_ID,
    DASHBOARD_INCIDENT_ID,
    INTERNAL_PAGE_ID,
    MAINTENANCE_ID,
    STATUS_PAGE_ID,
    VPN_ID,
)
from tests.support.cli import run_cli, run_json, sync_env
from tests.support.repo import copy_examples

READ_ONLY = "sandbox-read-only-key"


def _env(sandbox: Sandbox) -> dict[str, str]:
    return sync_env(sandbox.base_url, READ_ONLY)


def test_pages_lists_every_page_with_its_id(sandbox: Sandbox, tmp_path: Path) -> None:
    proc = run_cli("pages", cwd=tmp_path, env=_env(sandbox))
    assert (proc.returncode, proc.stdout) == (
        0,
        f"{STATUS_PAGE_ID}  Acme Cloud\n{INTERNAL_PAGE_ID}  Acme Internal\n",
    )
    code, doc = run_json("pages", cwd=tmp_path, env=_env(sandbox))
    assert code == 0
    assert doc == {
        "version": 1,
        "pages": [
            {"id": STATUS_PAGE_ID, "name": "Acme Cloud"},
            {"id": INTERNAL_PAGE_ID, "name": "Acme Internal"},
        ],
    }


def test_components_of_one_page_by_its_name(sandbox: Sandbox, tmp_path: Path) -> None:
    proc = run_cli("components", "--page", "acme internal", cwd=tmp_path, env=_env(sandbox))
    assert proc.returncode == 0
    assert proc.stdout == (
        f"Acme Internal ({INTERNAL_PAGE_ID})\n  {CI_RUNNERS_ID}  CI runners\n  {VPN_ID}  Office / VPN\n"
    )
    code, doc = run_json("components", "--page", STATUS_PAGE_ID, cwd=tmp_path, env=_env(sandbox))
    assert code == 0 and [p["name"] for p in doc["pages"]] == ["Acme Cloud"]
    eu = next(c for c in doc["pages"][0]["components"] if c["id"] == DASHBOARD_EU_ID)
    assert eu == {"id": DASHBOARD_EU_ID, "name": "Dashboard (EU)", "group": "Dashboards", "sub_page": None}


def test_components_of_a_page_gone_since_it_was_listed_is_an_error(sandbox: Sandbox, tmp_path: Path) -> None:
    path = f"/v2/status_page_structures/{INTERNAL_PAGE_ID}"
    sandbox.add_fault(Fault("error", path=path, status=404, count=None))
    proc = run_cli("components", "--page", "Acme Internal", cwd=tmp_path, env=_env(sandbox))
    assert proc.returncode == 1
    assert proc.stderr.startswith("Error: reading the components of Acme Internal failed: "), proc.stderr
    assert proc.stdout == ""


def test_an_unknown_page_is_a_usage_error_naming_the_pages(sandbox: Sandbox, tmp_path: Path) -> None:
    proc = run_cli("components", "--page", "Acme Clod", cwd=tmp_path, env=_env(sandbox))
    assert proc.returncode == 2
    assert (
        "Invalid value for --page: no status page is named 'Acme Clod'; did you mean 'Acme Cloud'? "
        f"(the pages: Acme Cloud ({STATUS_PAGE_ID}), Acme Internal ({INTERNAL_PAGE_ID}))"
    ) in proc.stderr


def test_active_names_the_folder_tracking_each_open_object(sandbox: Sandbox, tmp_path: Path) -> None:
    project = copy_examples(tmp_path)
    code, doc = run_json("active", "--page", "Acme Cloud", cwd=project, env=_env(sandbox))
    assert code == 0
    assert [(o["kind"], o["id"], o["status"], o["folder"]) for o in doc["pages"][0]["open"]] == [
        ("incident", API_INCIDENT_ID, "investigating", "statusfiles/2026-11-26-api-errors/"),
        ("incident", DASHBOARD_INCIDENT_ID, "investigating", "statusfiles/2026-11-25-eu-dashboard-latency/"),
        ("maintenance", MAINTENANCE_ID, "maintenance_scheduled", None),
    ]


def test_active_after_sync_finds_a_created_incident_by_the_ledger(sandbox: Sandbox, tmp_path: Path) -> None:
    project = copy_examples(tmp_path)
    folder = project / "statusfiles" / "2026-12-01-webhooks"
    folder.mkdir()
    (folder / "incident.yaml").write_text(
        f"status_page_id: {INTERNAL_PAGE_ID}\nname: VPN drops\nincident_status: identified\n"
        "notify_subscribers: false\nmessage: The VPN drops connections.\n"
    )
    proc = run_cli("sync", cwd=project, env=sync_env(sandbox.base_url))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    created = next(i for i in sandbox.state.incidents.values() if i.name == "VPN drops")
    # The incident ID is in no statusfile: only the ledger knows which folder created it.
    code, doc = run_json("active", cwd=project, env=_env(sandbox))
    assert code == 0
    internal = next(p for p in doc["pages"] if p["id"] == INTERNAL_PAGE_ID)
    assert [(o["id"], o["folder"]) for o in internal["open"]] == [
        (created.id, "statusfiles/2026-12-01-webhooks/")
    ]
    cloud = next(p for p in doc["pages"] if p["id"] == STATUS_PAGE_ID)
    assert API_INCIDENT_ID not in {o["id"] for o in cloud["open"]}  # resolved by 04-resolved.yaml
    text = run_cli("active", "--all", "--page", "Acme Cloud", cwd=project, env=_env(sandbox)).stdout
    assert f"  incident     {API_INCIDENT_ID}  resolved  Elevated API error rates\n" in text
    assert "               statusfiles/2026-11-26-api-errors/\n" in text


def test_the_list_commands_need_a_key(tmp_path: Path) -> None:
    for name in ("pages", "components", "active"):
        proc = run_cli(name, cwd=tmp_path)
        assert proc.returncode == 2 and "INCIDENT_IO_API_KEY is not set" in proc.stderr, name


# What the account or the command line names is escaped in an error, as in a listing: a line break would start
# a GitHub workflow command on stderr, an escape sequence drive the terminal.
EVIL = "Acme\n::warning::forged \x1b]0;title\x07"
SHOWN = "Acme\\n::warning::forged \\x1b]0;title\\x07"


def _assert_escaped(proc: subprocess.CompletedProcess[str], line: str) -> None:
    assert (proc.returncode, proc.stdout) == (1, ""), proc.stdout + proc.stderr
    assert proc.stderr.startswith(f"Error: {line} failed: "), proc.stderr
    assert proc.stderr.count("\n") == 1 and "\x1b" not in proc.stderr and "\x07" not in proc.stderr


@pytest.mark.parametrize(
    ("command", "line"),
    [
        ("active", f"reading what is open on {SHOWN}"),
        ("drift", f"reading the incidents and maintenance windows on {SHOWN}"),
        ("components", f"reading the components of {SHOWN}"),
    ],
)
def test_a_page_name_in_a_failed_read_is_escaped(
    sandbox: Sandbox, tmp_path: Path, command: str, line: str
) -> None:
    (tmp_path / "statusfiles").mkdir()  # drift reads the tree
    sandbox.state.status_page(INTERNAL_PAGE_ID).name = EVIL
    for path in ("/v2/status_page_incidents", f"/v2/status_page_structures/{INTERNAL_PAGE_ID}"):
        sandbox.add_fault(Fault("error", path=path, status=404, count=None))
    page = ["--page", INTERNAL_PAGE_ID] if command != "drift" else []  # drift: every page, this one first
    proc = run_cli(command, *page, cwd=tmp_path, env=_env(sandbox))
    _assert_escaped(proc, line)


def test_an_id_in_a_failed_read_is_escaped(sandbox: Sandbox, tmp_path: Path) -> None:
    sandbox.add_fault(Fault("error", path="/v2/status_page_incidents/", status=403, count=None))
    (tmp_path / "statusfiles").mkdir()
    proc = run_cli("import", EVIL, cwd=tmp_path, env=_env(sandbox))
    _assert_escaped(proc, f"reading {SHOWN}")
