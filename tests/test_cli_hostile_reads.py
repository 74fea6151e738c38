"""The commands that read the page (import, drift, active, pages, pull) against a server that answers with
what the API never should: times that are no time, objects listed twice, absurd rate-limit headers, error
bodies written to break the output they are shown in."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.cli import run_cli, sync_env
from tests.support.hostile import Hostile, Raw, Request

KEY = "hostile-reads-key-93b1e4"
PAGE = "01PAGE"
# A generous rate limit keeps the client's pacing out of the way.
FAST = {"X-RateLimit-Limit": "1000000", "X-RateLimit-Remaining": "1000000"}


@pytest.fixture
def server() -> Iterator[Hostile]:
    with Hostile() as s:
        yield s


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository (a folder with .git) holding an empty statusfiles folder, below the test's own folder."""
    root = tmp_path / "work" / "repo"
    (root / ".git").mkdir(parents=True)
    (root / "statusfiles").mkdir()
    return root


def _update(n: int, incident: str, **fields: Any) -> dict[str, Any]:
    return {
        "id": f"{incident}-U{n}",
        "status_page_incident_id": incident,
        "published_at": f"2026-11-27T09:00:0{n}Z",
        "message": f"Message {n}.",
        "incident_status": "investigating",
        "component_statuses": [],
        **fields,
    }


def _incident(ident: str, *updates: dict[str, Any], name: str = "Outage") -> dict[str, Any]:
    return {
        "id": ident,
        "name": name,
        "incident_status": "investigating",
        "status_page_id": PAGE,
        "updates": list(updates) or [_update(0, ident)],
    }


def serve(server: Hostile, *batches: list[dict[str, Any]]) -> None:
    """One status page whose incidents are listed in ``batches``, one per page of the listing (the cursor
    of batch n is ``cn``), and no maintenance windows."""
    pages = {"status_pages": [{"id": PAGE, "name": "P"}], "pagination_meta": {"page_size": 100}}
    server.script("GET", "/v2/status_pages", Raw(200, pages, FAST))
    none = {"status_page_maintenances": [], "pagination_meta": {"page_size": 100}}
    server.script("GET", "/v2/status_page_maintenances?", Raw(200, none, FAST))

    def listing(request: Request, _: Hostile) -> Raw:
        n = int(request.path.split("after=c")[1].split("&")[0]) if "after=c" in request.path else 0
        meta: dict[str, Any] = {"page_size": 100}
        if n + 1 < len(batches):
            meta["after"] = f"c{n + 1}"
        return Raw(200, {"status_page_incidents": batches[n], "pagination_meta": meta}, FAST)

    server.script("GET", "/v2/status_page_incidents?", listing)


def cli(repo: Path, server: Hostile, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(*args, cwd=repo, env=sync_env(server.base_url, KEY), timeout=60)


def files_under(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


# --- a time that is no time ---------------------------------------------------------------------


@pytest.mark.parametrize("published_at", ["../../../escaped", "2026-11-27/../../x", "yesterday"])
def test_a_first_update_dated_with_no_time_is_skipped_and_nothing_written(
    tmp_path: Path, repo: Path, server: Hostile, published_at: str
) -> None:
    # The folder of an imported object is named by its first update's day: a published_at that is no time
    # must not become a path (the first would write three folders up, outside the repository).
    ident = "01INCPATH"
    serve(server, [_incident(ident, _update(0, ident, published_at=published_at))])
    proc = cli(repo, server, "import", "--open")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"skipped   Outage ({ident}): its first update's published_at " in proc.stdout
    assert "is not a time" in proc.stdout
    assert [f for f in files_under(tmp_path) if f != "work/repo/statusfiles/ledger.jsonl"] == []
    ledger = repo / "statusfiles" / "ledger.jsonl"
    assert not ledger.exists() or ledger.read_text() == ""


# --- an object listed twice ---------------------------------------------------------------------


def test_an_incident_listed_on_two_pages_of_the_listing_is_imported_once(repo: Path, server: Hostile) -> None:
    # A cursor listing can show an object twice (one created meanwhile shifts the rest). Imported twice, its
    # update would be written into two files, and the second, written as one more object's, fails validation.
    ident = "01INCTWICE"
    twice = _incident(ident, _update(0, ident), _update(1, ident, incident_status="identified"))
    serve(server, [twice], [twice])
    proc = cli(repo, server, "import", "--open")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert files_under(repo / "statusfiles") == [
        "2026-11-27-outage/01-identified.yaml",
        "2026-11-27-outage/incident.yaml",
        "ledger.jsonl",
    ]
    records = [json.loads(line) for line in (repo / "statusfiles" / "ledger.jsonl").read_text().splitlines()]
    assert [r.get("update_id") for r in records if r["event"] == "adopted"] == [f"{ident}-U1"]
    plan = cli(repo, server, "plan")
    assert plan.returncode == 0, plan.stdout + plan.stderr
    assert "Nothing new to publish" in plan.stdout
    again = cli(repo, server, "import", "--open")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "Nothing to import" in again.stdout


def test_an_incident_listed_twice_is_shown_once(repo: Path, server: Hostile) -> None:
    ident = "01INCTWICE"
    serve(server, [_incident(ident)], [_incident(ident)])
    proc = cli(repo, server, "active", "--format", "json")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert [o["id"] for o in json.loads(proc.stdout)["pages"][0]["open"]] == [ident]
    drift = cli(repo, server, "drift", "--format", "json")
    assert drift.returncode == 2, drift.stdout + drift.stderr
    assert [d["id"] for d in json.loads(drift.stdout)["drift"]] == [ident]


# --- rate-limit headers no server would send ------------------------------------------------------

HUGE = "9" * 5000  # past the digits Python turns into an int


@pytest.mark.parametrize(
    "headers",
    [
        {"X-RateLimit-Limit": "9" * 400, "X-RateLimit-Remaining": "5"},  # too large for a float
        {"X-RateLimit-Limit": HUGE, "X-RateLimit-Remaining": "5"},
        {"X-RateLimit-Limit": "100", "X-RateLimit-Remaining": HUGE},
        {"X-RateLimit-Limit": "100", "X-RateLimit-Remaining": "5", "X-RateLimit-Used": HUGE},
        {"X-RateLimit-Limit": f"100, 100;window={HUGE}", "X-RateLimit-Remaining": "5"},
    ],
    ids=["limit-past-a-float", "limit-past-an-int", "remaining", "used", "window"],
)
def test_an_absurd_rate_limit_header_is_ignored(repo: Path, server: Hostile, headers: dict[str, str]) -> None:
    body = {"status_pages": [{"id": PAGE, "name": "P"}], "pagination_meta": {"page_size": 100}}
    server.script("GET", "/v2/status_pages", Raw(200, body, headers))
    proc = cli(repo, server, "pages")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout == f"{PAGE}  P\n"


# --- an error body written to break the output --------------------------------------------------

INJECTED = {
    "type": "validation_error",
    "status": 422,
    "errors": [{"code": "bad", "message": "refused\n::error file=x.yaml::injected\x1b[2J"}],
    "request_id": "req\n::warning::rid",
}


def _one_line_error(proc: subprocess.CompletedProcess[str], starts: str) -> None:
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert proc.stderr.startswith(starts), proc.stderr
    assert proc.stderr.count("\n") == 1, proc.stderr  # one line: nothing the server wrote starts another
    assert "\\n::error file=x.yaml::injected\\x1b[2J" in proc.stderr


@pytest.mark.parametrize("command", ["pages", "pull", "import", "drift"])
def test_an_error_body_from_a_read_is_shown_escaped_on_one_line(
    repo: Path, server: Hostile, command: str
) -> None:
    server.script("GET", "/v2/status_pages", Raw(422, INJECTED))
    proc = cli(repo, server, command, *(["--open"] if command == "import" else []))
    _one_line_error(proc, "Error: reading the status pages failed: HTTP 422: refused")


def test_an_error_body_reading_a_pages_components_for_drift_is_shown_escaped(
    repo: Path, server: Hostile
) -> None:
    snapshot = {"version": 1, "pages": [{"id": PAGE, "name": "P", "components": []}]}
    (repo / "statusfiles" / "snapshot.json").write_text(json.dumps(snapshot))
    serve(server, [])
    server.script("GET", "/v2/status_page_structures/", Raw(422, INJECTED))
    proc = cli(repo, server, "drift")
    _one_line_error(proc, "Error: reading the components of P failed: HTTP 422: refused")


def test_why_an_object_is_skipped_is_shown_escaped(repo: Path, server: Hostile) -> None:
    # An update whose status is none the API documents cannot be a statusfile; the reason quotes it, and
    # names the file import would have written, whose name holds it too.
    ident = "01INCSTATUS"
    status = "fixed\n::error file=x.yaml::injected"
    serve(server, [_incident(ident, _update(0, ident), _update(1, ident, incident_status=status))])
    proc = cli(repo, server, "import", "--open")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    skipped, summary = proc.stdout.splitlines()
    shown = f"skipped   Outage ({ident}): its 2026-11-27-outage/01-fixed\\n::error"
    assert skipped.startswith(shown), skipped
    assert summary == "Nothing imported: 1 object skipped, as said above."


# --- a maintenance window's times ---------------------------------------------------------------


def _window(ident: str, periods: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": ident,
        "name": "Window",
        "maintenance_status": "maintenance_scheduled",
        "status_page_id": PAGE,
        "automate_maintenance_status": False,
        "component_maintenance_periods": periods,
        "updates": [
            {
                "id": f"{ident}-U0",
                "status_page_maintenance_id": ident,
                "published_at": "2026-11-27T09:00:00Z",
                "message": "Scheduled.",
                "maintenance_status": "maintenance_scheduled",
                "component_statuses": [],
            }
        ],
    }


def test_active_shows_a_windows_times_escaped_and_says_when_there_are_none(
    repo: Path, server: Hostile
) -> None:
    serve(server, [])
    period = {
        "component_id": "01C",
        "start_at": "2026-12-01T10:00:00Z\n::error::injected",
        "end_at": "\x1b[2J",
    }
    windows = [_window("01MNONE", []), _window("01MODD", [period])]
    body = {"status_page_maintenances": windows, "pagination_meta": {"page_size": 100}}
    server.script("GET", "/v2/status_page_maintenances?", Raw(200, body, FAST))
    proc = cli(repo, server, "active")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.splitlines() == [
        f"P ({PAGE})",
        "  maintenance  01MNONE  maintenance_scheduled  Window",
        "               the page shows no start or end time",
        "               no folder tracks it",
        "  maintenance  01MODD  maintenance_scheduled  Window",
        "               2026-12-01T10:00:00Z\\n::error::injected to \\x1b[2J",
        "               no folder tracks it",
    ]


# --- what pull says changed --------------------------------------------------------------------


def test_what_pull_says_changed_is_escaped(repo: Path, server: Hostile) -> None:
    # The publish job prints these lines in the workflow's log, where one starting with :: is a command.
    pages = {
        "status_pages": [{"id": PAGE, "name": "P\n::error::page"}],
        "pagination_meta": {"page_size": 100},
    }
    server.script("GET", "/v2/status_pages", Raw(200, pages, FAST))

    def structure(*components: tuple[str, str]) -> Raw:
        items = [{"component": {"component_id": c, "name": n}} for c, n in components]
        return Raw(200, {"current_structure": {"items": items}}, FAST)

    server.script("GET", "/v2/status_page_structures/", structure(("01C", "API")))
    first = cli(repo, server, "pull")
    assert first.returncode == 0, first.stdout + first.stderr
    server.script(
        "GET", "/v2/status_page_structures/", structure(("01C", "API\x1b[2J"), ("01D\n::error::id", "New"))
    )
    proc = cli(repo, server, "pull")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.splitlines() == [
        "  + component P\\n::error::page / New (01D\\n::error::id)",
        "  ~ component P\\n::error::page / API → P\\n::error::page / API\\x1b[2J (01C)",
        "Wrote statusfiles/snapshot.json (1 status page, 2 components).",
    ]
    doc = json.loads((repo / "statusfiles" / "snapshot.json").read_text())
    assert doc["pages"][0]["name"] == "P\n::error::page"  # the file keeps what the page shows


# --- a lone surrogate ------------------------------------------------------------------------------


def test_a_lone_surrogate_in_a_body_is_read_as_a_replacement_character(repo: Path, server: Hostile) -> None:
    # JSON's \u escapes can spell half a UTF-16 pair, which is no character: no file or output can hold it.
    ident = "01INCSURROGATE"
    serve(
        server,
        [
            _incident(
                ident,
                _update(0, ident, message="Half \ud800 a pair, and a whole one: \U0001f600."),
                name="Outage \udfff",
            )
        ],
    )
    pages = {"status_pages": [{"id": PAGE, "name": "P\ud800"}], "pagination_meta": {"page_size": 100}}
    server.script("GET", "/v2/status_pages", Raw(200, pages, FAST))
    items = [{"component": {"component_id": "01C", "name": "API \udc00"}}]
    server.script(
        "GET", "/v2/status_page_structures/", Raw(200, {"current_structure": {"items": items}}, FAST)
    )
    listed = cli(repo, server, "pages", "--format", "json")
    assert listed.returncode == 0, listed.stdout + listed.stderr
    assert json.loads(listed.stdout)["pages"] == [{"id": PAGE, "name": "P\ufffd"}]
    pulled = cli(repo, server, "pull")
    assert pulled.returncode == 0, pulled.stdout + pulled.stderr
    snapshot = (repo / "statusfiles" / "snapshot.json").read_text(encoding="utf-8")
    assert '"name": "P\ufffd"' in snapshot and '"name": "API \ufffd"' in snapshot
    imported = cli(repo, server, "import", "--open")
    assert imported.returncode == 0, imported.stdout + imported.stderr
    declaration = (repo / "statusfiles" / "2026-11-27-outage" / "incident.yaml").read_text(encoding="utf-8")
    assert (
        "Half \ufffd a pair, and a whole one: \U0001f600." in declaration and "Outage \ufffd" in declaration
    )
    assert cli(repo, server, "validate").returncode == 0


# --- two pages of one name ---------------------------------------------------------------------


@pytest.mark.parametrize("command", ["components", "active"])
def test_a_page_name_two_pages_share_asks_for_an_id(repo: Path, server: Hostile, command: str) -> None:
    serve(server, [])
    pages = [{"id": "01PAGE", "name": "Acme"}, {"id": "02PAGE", "name": "ACME"}]
    body = {"status_pages": pages, "pagination_meta": {"page_size": 100}}
    server.script("GET", "/v2/status_pages", Raw(200, body, FAST))
    server.script("GET", "/v2/status_page_structures/", Raw(200, {"current_structure": {"items": []}}, FAST))
    proc = cli(repo, server, command, "--page", "acme")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stderr.splitlines()[-1] == (
        "Error: Invalid value for --page: 2 status pages are named 'acme' (ACME (02PAGE), Acme (01PAGE)): "
        "give the ID of the one you mean"
    )
    by_id = cli(repo, server, command, "--page", "02PAGE")
    assert by_id.returncode == 0, by_id.stdout + by_id.stderr
    assert by_id.stdout.startswith("ACME (02PAGE)\n")


# --- a page deleted since the snapshot was pulled -----------------------------------------------


def test_a_page_deleted_since_the_pull_is_drift_not_a_failed_read(repo: Path, server: Hostile) -> None:
    # The API answers 404 for the objects of a page it no longer has: drift names its components as gone,
    # and import takes what the other pages show.
    snapshot = {
        "version": 1,
        "pages": [
            {"id": PAGE, "name": "P", "components": []},
            {"id": "01GONE", "name": "Gone", "components": [{"id": "01GONEC", "name": "API", "group": None}]},
        ],
    }
    (repo / "statusfiles" / "snapshot.json").write_text(json.dumps(snapshot))
    ident = "01INCLIVE"
    serve(server, [_incident(ident)])
    not_found = Raw(404, {"type": "not_found", "status": 404, "errors": [{"code": "not_found"}]})
    for path in (
        "/v2/status_page_incidents?status_page_id=01GONE",
        "/v2/status_page_maintenances?status_page_id=01GONE",
    ):
        server.script("GET", path, not_found)
    server.script("GET", "/v2/status_page_structures/01GONE", not_found)
    server.script(
        "GET", f"/v2/status_page_structures/{PAGE}", Raw(200, {"current_structure": {"items": []}}, FAST)
    )
    drift = cli(repo, server, "drift", "--format", "json")
    assert drift.returncode == 2, drift.stdout + drift.stderr
    assert sorted((d["kind"], d["id"]) for d in json.loads(drift.stdout)["drift"]) == [
        ("component-gone", "01GONEC"),
        ("object-missing", ident),
    ]
    imported = cli(repo, server, "import", "--open")
    assert imported.returncode == 0, imported.stdout + imported.stderr
    assert (repo / "statusfiles" / "2026-11-27-outage" / "incident.yaml").is_file()


# --- a repository that has files already ---------------------------------------------------------


def test_a_file_named_as_the_folder_import_would_make_is_never_overwritten(
    repo: Path, server: Hostile
) -> None:
    notes = repo / "statusfiles" / "2026-11-27-outage"
    notes.write_text("notes\n")
    ident = "01INCNOTES"
    serve(server, [_incident(ident, _update(0, ident), _update(1, ident, incident_status="identified"))])
    proc = cli(repo, server, "import", "--open")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert notes.read_text() == "notes\n"
    assert files_under(repo / "statusfiles") == [
        "2026-11-27-outage",
        "2026-11-27-outage-2/01-identified.yaml",
        "2026-11-27-outage-2/incident.yaml",
        "ledger.jsonl",
    ]
