"""`statusfiles pull` against the sandbox: the snapshot, written atomically and only on change."""

from __future__ import annotations

from pathlib import Path

import pytest

from sync import snapshot
from sync.remote import ShapeError, parse_status_pages, parse_structure
from sync.sandbox import Fault, Sandbox
from sync.sandbox import seed as sandbox_seed
from sync.sandbox.pages import Component, Group, StatusPage
from tests.support.cli import run_cli, run_json, sync_env

READ_ONLY = "sandbox-read-only-key"


def _pull(sandbox: Sandbox, folder: Path, *args: str, key: str = READ_ONLY) -> tuple[int, str, str]:
    proc = run_cli("pull", "--dir", folder, *args, env=sync_env(sandbox.base_url, key))
    return proc.returncode, proc.stdout, proc.stderr


def test_pull_writes_every_page_and_component_with_a_read_only_key(sandbox: Sandbox, tmp_path: Path) -> None:
    folder = tmp_path / "statusfiles"
    code, out, err = _pull(sandbox, folder)
    assert code == 0, err
    assert out == f"Wrote {folder}/snapshot.json (2 status pages, 6 components).\n"
    snap = snapshot.read(folder)
    assert snap is not None
    assert [(p.id, p.name) for p in snap.pages] == [
        (sandbox_seed.STATUS_PAGE_ID, "Acme Cloud"),
        (sandbox_seed.INTERNAL_PAGE_ID, "Acme Internal"),
    ]
    eu = snap.component(sandbox_seed.DASHBOARD_EU_ID)
    assert eu == snapshot.Component(
        sandbox_seed.DASHBOARD_EU_ID, "Dashboard (EU)", "Dashboards", sandbox_seed.STATUS_PAGE_ID
    )
    vpn = snap.component(sandbox_seed.VPN_ID)
    assert vpn is not None and (vpn.group, vpn.page_id) == ("Office", sandbox_seed.INTERNAL_PAGE_ID)
    assert {c.id for c in snap.components} == {
        c.component_id for page in sandbox.state.status_pages for c in page.components()
    }


def test_pulling_again_with_nothing_changed_changes_nothing(sandbox: Sandbox, tmp_path: Path) -> None:
    folder = tmp_path / "statusfiles"
    assert _pull(sandbox, folder)[0] == 0
    path = folder / "snapshot.json"
    before = path.read_bytes(), path.stat().st_ino, path.stat().st_mtime_ns
    code, out, _ = _pull(sandbox, folder)
    assert code == 0
    assert out == f"{path} is up to date (2 status pages, 6 components).\n"
    assert (path.read_bytes(), path.stat().st_ino, path.stat().st_mtime_ns) == before
    assert sorted(p.name for p in folder.iterdir()) == ["snapshot.json"]  # no temporary file left behind


def test_pull_reports_what_changed(sandbox: Sandbox, tmp_path: Path) -> None:
    folder = tmp_path / "statusfiles"
    assert _pull(sandbox, folder)[0] == 0
    cloud = sandbox.state.status_page(sandbox_seed.STATUS_PAGE_ID)
    cloud.items[0] = Component(sandbox_seed.PUBLIC_API_ID, "Public REST API")
    cloud.items.append(Group("G-NEW", "Storage", [Component("C-NEW", "Object storage")]))
    sandbox.state.status_pages.pop()  # Acme Internal is gone
    code, doc = run_json("pull", "--dir", folder, env=sync_env(sandbox.base_url, READ_ONLY))
    assert code == 0
    assert doc == {
        "path": f"{folder}/snapshot.json",
        "changed": True,
        "pages": 1,
        "components": 5,
        "changes": [
            f"- page Acme Internal ({sandbox_seed.INTERNAL_PAGE_ID})",
            "+ component Acme Cloud / Storage / Object storage (C-NEW)",
            f"- component Acme Internal / CI runners ({sandbox_seed.CI_RUNNERS_ID})",
            f"- component Acme Internal / Office / VPN ({sandbox_seed.VPN_ID})",
            "~ component Acme Cloud / Public API → Acme Cloud / Public REST API "
            f"({sandbox_seed.PUBLIC_API_ID})",
        ],
    }
    snap = snapshot.read(folder)
    assert snap is not None and snap.component_name(sandbox_seed.PUBLIC_API_ID) == "Public REST API"


def test_pull_follows_the_cursor_through_every_page_of_results(sandbox: Sandbox, tmp_path: Path) -> None:
    extra = [StatusPage(f"P{i:04d}", f"Page {i:04d}", f"https://example.com/{i}", []) for i in range(260)]
    sandbox.state.status_pages.extend(extra)
    code, _, err = _pull(sandbox, tmp_path / "statusfiles")
    assert code == 0, err
    snap = snapshot.read(tmp_path / "statusfiles")
    assert snap is not None and len(snap.pages) == 262
    assert snap.page_name("P0259") == "Page 0259"


def test_a_failed_read_writes_nothing(sandbox: Sandbox, tmp_path: Path) -> None:
    folder = tmp_path / "statusfiles"
    folder.mkdir()
    (folder / "snapshot.json").write_text("left alone")
    sandbox.add_fault(Fault("error", path="/v2/status_page_structures/", status=500, count=None))
    code, _, err = _pull(sandbox, folder)
    assert code == 1
    assert err.startswith("Error: reading the status pages failed: HTTP 500")
    assert (folder / "snapshot.json").read_text() == "left alone"
    assert sorted(p.name for p in folder.iterdir()) == ["snapshot.json"]


def test_a_page_whose_structure_is_not_found_is_left_out(sandbox: Sandbox, tmp_path: Path) -> None:
    """Deleted between the page list and its structure (404): the snapshot holds the pages that exist."""
    folder = tmp_path / "statusfiles"
    path = f"/v2/status_page_structures/{sandbox_seed.INTERNAL_PAGE_ID}"
    sandbox.add_fault(Fault("error", path=path, status=404, count=None))
    code, out, err = _pull(sandbox, folder)
    assert code == 0, err
    snap = snapshot.read(folder)
    assert snap is not None and [p.id for p in snap.pages] == [sandbox_seed.STATUS_PAGE_ID]
    assert out.endswith("(1 status page, 4 components).\n"), out


def test_pull_needs_a_key_and_never_sends_it_in_the_clear(tmp_path: Path) -> None:
    proc = run_cli("pull", "--dir", tmp_path)
    assert proc.returncode == 2 and "INCIDENT_IO_API_KEY is not set" in proc.stderr
    env = sync_env("http://api.example.com")
    proc = run_cli("pull", "--dir", tmp_path, env=env)
    assert proc.returncode == 2 and "refusing to send the API key over plain HTTP" in proc.stderr
    assert not (tmp_path / "snapshot.json").exists()


def test_a_refused_key_is_one_line(sandbox: Sandbox, tmp_path: Path) -> None:
    code, out, err = _pull(sandbox, tmp_path, key="wrong-key")
    assert code == 1
    (line,) = err.strip().splitlines()
    assert line.startswith(
        "Error: reading the status pages failed: HTTP 401: the API key was refused; "
        "check that INCIDENT_IO_API_KEY holds a current key (request id "
    )
    assert "wrong-key" not in out + err


# --- the strict parse of the two responses ---


def test_the_structure_is_read_with_groups_and_sub_pages() -> None:
    body = {
        "current_structure": {
            "items": [
                {"component": {"component_id": "A", "name": "App"}},
                {"group": {"id": "G", "name": "EU", "components": [{"component_id": "B", "name": "DB"}]}},
                {
                    "sub_page": {
                        "id": "S",
                        "name": "UK",
                        "items": [
                            {"component": {"component_id": "C", "name": "Web"}},
                            {
                                "group": {
                                    "id": "H",
                                    "name": "Edge",
                                    "components": [{"component_id": "D", "name": "CDN"}],
                                }
                            },
                        ],
                    }
                },
                {"something_new": {"id": "X"}},
            ]
        }
    }
    got = parse_structure("P", body)
    assert got == [
        snapshot.Component("A", "App", None, "P"),
        snapshot.Component("B", "DB", "EU", "P"),
        snapshot.Component("C", "Web", None, "P", sub_page="UK"),
        snapshot.Component("D", "CDN", "Edge", "P", sub_page="UK"),
    ]


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ({}, "current_structure should be an object, found nothing"),
        ({"current_structure": {"items": {}}}, "current_structure.items should be a list, found an object"),
        ({"current_structure": {"items": [7]}}, "current_structure.items[0] is not a JSON object"),
        (
            {"current_structure": {"items": [{"component": {"name": "x"}}]}},
            "current_structure.items[0].component.component_id should be a string, found nothing",
        ),
        (
            {
                "current_structure": {
                    "items": [{"group": {"id": "g", "name": "g", "components": [{"component_id": ""}]}}]
                }
            },
            "current_structure.items[0].group.components[0] has an empty 'component_id'",
        ),
        (
            {
                "current_structure": {
                    "items": [{"sub_page": {"id": "s", "name": "s", "items": [{"sub_page": {}}]}}]
                }
            },
            "current_structure.items[0].sub_page.items[0] nests a sub-page in a sub-page",
        ),
    ],
)
def test_a_structure_not_shaped_as_documented_is_refused(body: object, problem: str) -> None:
    with pytest.raises(ShapeError) as info:
        parse_structure("P", body)
    assert str(info.value) == problem


def test_the_page_list_is_read_strictly() -> None:
    pages, after = parse_status_pages(
        {"status_pages": [{"id": "P", "name": "N"}], "pagination_meta": {"page_size": 1}}
    )
    assert (pages, after) == ([snapshot.Page("P", "N")], None)
    assert (
        parse_status_pages({"status_pages": [], "pagination_meta": {"after": "Z", "page_size": 1}})[1] == "Z"
    )
    for bad in (
        {"status_pages": [{"id": "P"}], "pagination_meta": {}},
        {"status_pages": [], "pagination_meta": None},
        {"status_pages": [], "pagination_meta": {"after": 3}},
        [],
    ):
        with pytest.raises(ShapeError):
            parse_status_pages(bad)
