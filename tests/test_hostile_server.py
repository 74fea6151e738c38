"""``statusfiles sync`` against a server that answers wrongly: shapes, echoed keys, proxies, drips, floods."""

from __future__ import annotations

import itertools
import json
import socket
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from sync.api import MAX_LIST_PAGES
from tests.support.cli import run_cli, sync_env
from tests.support.hostile import Drip, Hostile, Huge, Raw, RecordingProxy, Request
from tests.support.payloads import INCIDENT, update, write_statusfile

KEY = "hostile-test-key-6f1d0c"
MESSAGE = "We are investigating."


@pytest.fixture
def server() -> Iterator[Hostile]:
    with Hostile() as s:
        yield s


@pytest.fixture
def project(tmp_path: Path) -> Path:
    write_statusfile(tmp_path / "statusfiles" / "2026-11-27-outage" / "01.yaml", update(MESSAGE))
    return tmp_path


def sync(project: Path, base_url: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return run_cli("sync", *args, cwd=project, env={**sync_env(base_url, KEY), **env}, timeout=60)


def ledger_events(project: Path) -> list[dict[str, Any]]:
    path = project / "statusfiles" / "ledger.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


# --- a read-back that is not the incident ------------------------------------------------


def _incident(**fields: Any) -> dict[str, Any]:
    return {
        "status_page_incident": {"id": INCIDENT, "name": "x", "incident_status": "investigating", **fields}
    }


def _update(**fields: Any) -> dict[str, Any]:
    base = {
        "id": "01OTHER",
        "status_page_incident_id": INCIDENT,
        "published_at": "2026-11-27T09:00:00Z",
        "message": "Earlier.",
        "incident_status": "investigating",
        "component_statuses": [],
    }
    return {k: v for k, v in {**base, **fields}.items() if v is not ...}


# Each shape is checked in tests/test_api.py; these go through the whole CLI.
NOT_THE_INCIDENT = {
    "html": "<html><body>Service temporarily unavailable</body></html>",
    "null": None,
    "a list": [_incident(updates=[])],
    "no updates": _incident(),
    "an update without components": _incident(updates=[_update(component_statuses=...)]),
    "another incident": {
        "status_page_incident": {**_incident(updates=[])["status_page_incident"], "id": "01X"}
    },
    "nested past the json parser": "[" * 100_000 + "]" * 100_000,
    "nested past the key's redaction": "[" * 600 + "]" * 600,  # parsed, then too deep to walk
}


@pytest.mark.parametrize("body", NOT_THE_INCIDENT.values(), ids=NOT_THE_INCIDENT.keys())
def test_a_read_back_that_is_not_the_incident_posts_nothing(
    project: Path, server: Hostile, body: Any
) -> None:
    server.script("GET", "/v2/status_page_incidents/", Raw(200, body))
    proc = sync(project, server.base_url, "--format", "json")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    report = json.loads(proc.stdout)
    assert [d["rule"] for d in report["diagnostics"]] == ["api-read"]
    assert "not with the incident" in report["diagnostics"][0]["message"]
    assert server.seen("POST") == []
    assert ledger_events(project) == []


def test_an_unsettled_intent_is_not_reposted_on_a_bad_read_back(project: Path, server: Hostile) -> None:
    """The duplicate: a POST's outcome is unknown, and the next run's read-back is junk: post nothing."""
    server.script("POST", "/v2/", lambda r, s: Raw(500, {}) if s.store(r) else None)  # stored, then a 500
    server.script("GET", "/v2/", lambda r, s: Raw(502, {}) if s.seen("POST") else None)  # no read-back
    first = sync(project, server.base_url, STATUSFILES_RETRY_ATTEMPTS="1")
    assert first.returncode == 1 and [e["event"] for e in ledger_events(project)] == ["intent", "unknown"]
    assert "Reading the incident back failed too (HTTP 502" in first.stdout
    server.script("GET", "/v2/", Raw(200, _incident(updates={})))
    second = sync(project, server.base_url)
    assert second.returncode == 1 and "api-read" in second.stdout
    assert len(server.seen("POST")) == 1 and len(server.updates) == 1


# --- a 2xx to a POST without a usable update ---------------------------------------------------


UNUSABLE_POST_ANSWERS = {
    "empty object": {},
    "html": "<p>Created</p>",
    "no id": {"status_page_incident_update": _update(id=...)},
}


@pytest.mark.parametrize("body", UNUSABLE_POST_ANSWERS.values(), ids=UNUSABLE_POST_ANSWERS.keys())
def test_a_2xx_without_the_update_is_settled_by_reading_back(
    project: Path, server: Hostile, body: Any
) -> None:
    def stored_but_unsaid(request: Request, s: Hostile) -> Raw:
        s.store(request)
        return Raw(201, body)

    server.script("POST", "/v2/", stored_but_unsaid)
    proc = sync(project, server.base_url)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    [posted] = [e for e in ledger_events(project) if e["event"] == "posted"]
    assert posted["update_id"] == server.updates[0]["id"]
    assert len(server.seen("POST")) == 1


@pytest.mark.parametrize("status", [301, 303, 307])
def test_a_redirect_answering_a_post_is_an_unknown_outcome_settled_by_reading_back(
    project: Path, server: Hostile, status: int
) -> None:
    """A redirect is never followed, yet it may point at what the POST made: never "refused", never resent."""

    def stored_then_redirected(request: Request, s: Hostile) -> Raw:
        s.store(request)
        return Raw(status, {}, {"Location": f"{s.base_url}/v2/status_page_incidents/{INCIDENT}"})

    server.script("POST", "/v2/", stored_then_redirected)
    proc = sync(project, server.base_url)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    [posted] = [e for e in ledger_events(project) if e["event"] == "posted"]
    assert posted["update_id"] == server.updates[0]["id"]
    assert len(server.seen("POST")) == 1


def test_a_redirect_answering_a_post_that_stored_nothing_is_held_not_resent(
    project: Path, server: Hostile
) -> None:
    server.script("POST", "/v2/", Raw(303, {}, {"Location": "https://elsewhere.example/"}))
    proc = sync(project, server.base_url)
    assert proc.returncode == 1
    assert "outcome-unknown" in proc.stdout and "a redirect to https://elsewhere.example/" in proc.stdout
    assert [e["event"] for e in ledger_events(project)] == ["intent", "unknown"]
    held = sync(project, server.base_url)
    assert held.returncode == 1 and len(server.seen("POST")) == 1


def test_a_2xx_without_the_update_and_not_on_the_page_is_unknown(project: Path, server: Hostile) -> None:
    server.script("POST", "/v2/", Raw(201, {"status_page_incident_update": {}}))
    proc = sync(project, server.base_url)
    assert proc.returncode == 1
    assert "outcome-unknown" in proc.stdout and "without a usable update" in proc.stdout
    assert [e["event"] for e in ledger_events(project)] == ["intent", "unknown"]
    assert len(server.seen("POST")) == 1
    held = sync(project, server.base_url)  # absent, but too soon to tell: not posted again yet
    assert held.returncode == 1 and len(server.seen("POST")) == 1
    assert "may still be applying that post" in held.stdout
    again = sync(project, server.base_url, "--settle-after", "0")  # still absent: posted again, once
    assert again.returncode == 1 and len(server.seen("POST")) == 2


def test_a_post_still_being_applied_when_sync_runs_again_is_never_posted_twice(
    project: Path, server: Hostile
) -> None:
    """The API takes no idempotency key for updates: a POST it has not finished applying looks, on the
    page, just like one it never received. Only time tells them apart."""
    server.script("POST", "/v2/", Raw(504, {"type": "gateway_timeout", "status": 504}))  # applied later
    first = sync(project, server.base_url, STATUSFILES_RETRY_ATTEMPTS="1")
    assert first.returncode == 1 and [e["event"] for e in ledger_events(project)] == ["intent", "unknown"]

    held = sync(project, server.base_url)  # at once: not on the page yet
    assert held.returncode == 1, held.stdout
    assert "01.yaml:" in held.stdout and "may still be applying that post" in held.stdout
    assert len(server.seen("POST")) == 1
    assert [e["event"] for e in ledger_events(project)] == ["intent", "unknown"]  # nothing recorded

    [post] = server.seen("POST")
    server.store(post)  # the API finishes applying the first POST
    settled = sync(project, server.base_url)
    assert settled.returncode == 0, settled.stdout
    assert len(server.seen("POST")) == 1 and len(server.updates) == 1
    assert ledger_events(project)[-1]["update_id"] == server.updates[0]["id"]


# --- a server that echoes the key ----------------------------------------------------------


def _echo(status: int) -> Any:
    def reply(request: Request, s: Hostile) -> Raw:
        seen = request.headers["authorization"]
        body = {
            "type": "validation_error",
            "status": status,
            "request_id": f"req-{seen}",
            "errors": [
                {"code": "invalid", "message": f"bad header {seen!r}", "source": {"field": "message"}},
                {"code": seen, "message": f"key={KEY}&x=1"},
            ],
        }
        return Raw(status, body, {"Location": f"https://evil.example/?k={KEY}"})

    return reply


@pytest.mark.parametrize(
    ("method", "status", "fmt"),
    [
        ("POST", 422, "text"),
        ("POST", 422, "json"),
        ("GET", 500, "text"),
        ("GET", 307, "json"),
        ("POST", 303, "text"),
    ],
)
def test_an_echoed_key_is_redacted_everywhere(
    project: Path, server: Hostile, tmp_path: Path, method: str, status: int, fmt: str
) -> None:
    server.script(method, "/v2/", _echo(status))
    summary = tmp_path / "summary.md"
    proc = sync(
        project,
        server.base_url,
        "--format",
        fmt,
        GITHUB_STEP_SUMMARY=str(summary),
        STATUSFILES_RETRY_ATTEMPTS="1",
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    ledger = project / "statusfiles" / "ledger.jsonl"
    outputs = {
        "stdout": proc.stdout,
        "stderr": proc.stderr,
        "summary": summary.read_text(),
        "ledger": ledger.read_text() if ledger.exists() else "",
    }
    assert len(server.requests) >= 1
    for where, text in outputs.items():
        assert KEY not in text, where
    assert "[redacted]" in proc.stdout  # the message is still shown, without the key


# --- proxies --------------------------------------------------------------------------------


def test_a_plain_http_proxy_never_sees_the_key(project: Path, server: Hostile) -> None:
    with RecordingProxy() as proxy:
        env = {"HTTP_PROXY": proxy.url, "http_proxy": proxy.url, "ALL_PROXY": proxy.url, "NO_PROXY": ""}
        proc = sync(project, server.base_url, **env)
        received = proxy.text()
    assert KEY not in received
    assert received == ""  # a loopback API is never proxied
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert len(server.seen("POST")) == 1


def test_https_proxy_is_asked_to_connect_and_never_sees_the_key(project: Path) -> None:
    with RecordingProxy() as proxy:
        env = {"HTTPS_PROXY": proxy.url, "HTTP_PROXY": "", "STATUSFILES_RETRY_ATTEMPTS": "1"}
        proc = sync(project, "https://api.incident.io", **env)
        received = proxy.text()
    assert received.startswith("CONNECT api.incident.io:443 ")
    assert KEY not in received and "Authorization" not in received
    assert proc.returncode == 1 and "api-read" in proc.stdout


@pytest.mark.parametrize("variable", ["ALL_PROXY", "HTTPS_PROXY", "all_proxy"])
def test_a_socks_proxy_is_a_one_line_error(project: Path, variable: str) -> None:
    proc = sync(project, "https://api.incident.io", **{variable: "socks5://user:secret@127.0.0.1:1080"})
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and "secret" not in proc.stderr
    assert f"{variable} names a socks5 proxy, which statusfiles cannot use" in proc.stderr


@pytest.mark.parametrize("proxy", ["socks5://user:secret@127.0.0.1:1080", "http://user:secret@[::1"])
@pytest.mark.parametrize(
    "command", [["pages"], ["components"], ["active"], ["pull"], ["import", "--open"], ["drift"]]
)
def test_an_unusable_proxy_is_a_usage_error_for_every_command_that_reads(
    project: Path, command: list[str], proxy: str
) -> None:
    env = {**sync_env("https://api.incident.io", KEY), "HTTPS_PROXY": proxy}
    proc = run_cli(*command, cwd=project, env=env, timeout=60)
    # drift keeps 2 for "drift", as plan --detailed-exitcode does: its usage errors are 1
    assert proc.returncode == (1 if command == ["drift"] else 2), proc.stdout + proc.stderr
    assert "internal error" not in proc.stderr and "secret" not in proc.stderr
    assert proc.stderr.endswith(
        "Error: HTTPS_PROXY names a socks5 proxy, which statusfiles cannot use: set an http:// or https:// "
        "proxy in HTTPS_PROXY, or list api.incident.io in NO_PROXY\n"
        if proxy.startswith("socks5")
        else "Error: HTTPS_PROXY is not a proxy URL: expected http://HOST:PORT\n"
    )


def test_a_proxy_that_cannot_be_reached_is_named_as_the_trouble(project: Path) -> None:
    with socket.socket() as closed:  # bound, never listening: every connection is refused
        closed.bind(("127.0.0.1", 0))
        proxy = f"http://user:secret@127.0.0.1:{closed.getsockname()[1]}"
        env = {
            **sync_env("https://api.incident.io", KEY),
            "HTTPS_PROXY": proxy,
            "STATUSFILES_RETRY_ATTEMPTS": "1",
        }
        proc = run_cli("pages", cwd=project, env=env, timeout=60)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert proc.stderr == (
        "Error: reading the status pages failed: cannot connect to https://api.incident.io through the "
        "proxy in HTTPS_PROXY: ConnectError\n"
    )


def test_a_socks_proxy_does_not_stop_a_loopback_sync(project: Path, server: Hostile) -> None:
    proc = sync(project, server.base_url, ALL_PROXY="socks5://127.0.0.1:1080")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert len(server.seen("POST")) == 1


# --- deadlines and size ------------------------------------------------------------------------


@pytest.mark.parametrize("stage", ["headers", "body"])
def test_a_dripping_read_is_cut_off_at_the_timeout(project: Path, server: Hostile, stage: str) -> None:
    server.script("GET", "/v2/", Drip(stage))
    proc = sync(project, server.base_url, "--timeout", "1", STATUSFILES_RETRY_ATTEMPTS="2")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "api-read" in proc.stdout and "no complete response within 1 s" in proc.stdout
    assert len(server.seen("GET")) == 2 and server.seen("POST") == []


def test_a_dripping_post_is_an_unknown_outcome_settled_by_reading_back(
    project: Path, server: Hostile
) -> None:
    def stored_then_drip(request: Request, s: Hostile) -> Drip:
        s.store(request)
        return Drip("body")

    server.script("POST", "/v2/", stored_then_drip)
    proc = sync(project, server.base_url, "--timeout", "1", "--format", "json")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    [result] = json.loads(proc.stdout)["results"]
    assert result["result"] == "posted" and result["update_id"] == server.updates[0]["id"]
    assert "no complete response within 1 s" in result["detail"]
    assert len(server.seen("POST")) == 1


@pytest.mark.parametrize("framing", ["content-length", "close", "gzip"])
def test_a_huge_response_is_not_read(project: Path, server: Hostile, framing: str) -> None:
    size = 100 * 1024 * 1024
    server.script("GET", "/v2/", Huge(size, framing))
    proc = sync(project, server.base_url)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "api-read" in proc.stdout and "larger than 8 MiB" in proc.stdout
    assert server.seen("POST") == []
    assert server.sent_body < size  # the client hung up instead of reading it all


# --- a rate limit that would keep sync waiting for hours ---------------------------------------


DAY = {"X-RateLimit-Limit": "1, 1;window=86400", "X-RateLimit-Remaining": "0"}


def _asks_for_a_day(server: Hostile) -> str:
    body = {"type": "too_many_requests", "request_id": "01REQ429"}
    server.script("POST", "/v2/", Raw(429, body, {"Retry-After": "86400"}))
    return "rate limited (HTTP 429), and the API asks to wait 86400 s before the next request; statusfiles "


def _one_a_day(server: Hostile) -> str:
    server.script("GET", "/v2/", Raw(200, _incident(updates=[]), DAY))
    return "the API's rate limit would hold the next request back 86400 s, and statusfiles "


@pytest.mark.parametrize("limit", [_asks_for_a_day, _one_a_day], ids=["retry-after", "pacer"])
def test_a_rate_limit_of_a_day_stops_sync_alike_however_it_is_learned(
    project: Path, server: Hostile, limit: Callable[[Hostile], str]
) -> None:
    """A 429 asking for a day and a limit of one request a day are one failure: not sent, try later."""
    said = limit(server)
    proc = sync(project, server.base_url, "--format", "json")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    [problem] = json.loads(proc.stdout)["diagnostics"]
    assert problem["rule"] == "api-unreachable"
    assert problem["message"].startswith(f"not sent: {said}waits at most 120 s: try again later")
    if limit is _asks_for_a_day:
        assert problem["message"].endswith(" (request id 01REQ429)")
    assert len(server.seen("POST")) == (limit is _asks_for_a_day) and server.updates == []
    assert [e["event"] for e in ledger_events(project)] == ["intent", "rejected"]


def test_a_read_held_back_for_a_day_ends_import_with_a_sentence(tmp_path: Path, server: Hostile) -> None:
    """Import reads page after page: a limit that would hold one back for a day is an error, not a crash."""
    server.script("GET", "/v2/", Raw(200, _incident(updates=[]), DAY))
    (tmp_path / "statusfiles").mkdir()
    proc = run_cli(
        "import", INCIDENT, INCIDENT + "X", cwd=tmp_path, env=sync_env(server.base_url, KEY), timeout=60
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "would hold the next request back 86400 s" in proc.stderr
    assert "Traceback" not in proc.stderr and "crash" not in proc.stderr


# --- names that would write to the terminal or the CI log ---------------------------------------

# A page or component name is whatever the account (or a snapshot.json in a pull request) says: a line
# break would start a line of its own (a GitHub workflow command), an escape would drive the terminal.
EVIL = "Public API\n::warning::forged \x1b]0;title\x07"
SHOWN = "Public API\\n::warning::forged \\x1b]0;title\\x07"


def _evil_account(server: Hostile) -> None:
    pages = {"status_pages": [{"id": "01PAGE", "name": EVIL}], "pagination_meta": {"page_size": 100}}
    server.script("GET", "/v2/status_pages", Raw(200, pages))
    structure = {"current_structure": {"items": [{"component": {"component_id": "01COMP", "name": EVIL}}]}}
    server.script("GET", "/v2/status_page_structures/01PAGE", Raw(200, structure))
    incident = {
        **_incident(updates=[_update()])["status_page_incident"],
        "status_page_id": "01PAGE",
        "name": EVIL,
        "published_at": "2026-11-27T09:00:00Z",
    }
    listing = {"status_page_incidents": [incident], "pagination_meta": {"page_size": 100}}
    server.script("GET", "/v2/status_page_incidents?", Raw(200, listing))
    windows = {"status_page_maintenances": [], "pagination_meta": {"page_size": 100}}
    server.script("GET", "/v2/status_page_maintenances?", Raw(200, windows))


@pytest.mark.parametrize("command", ["pages", "components", "active", "plan", "drift"])
def test_names_from_the_account_are_shown_escaped(project: Path, server: Hostile, command: str) -> None:
    _evil_account(server)
    env = sync_env(server.base_url, KEY)
    if command == "plan":  # names from the snapshot, as a pull request could write it
        assert run_cli("pull", cwd=project, env=env).returncode == 0
        write_statusfile(
            project / "statusfiles" / "2026-11-27-outage" / "02.yaml",
            update("Degraded.", components={"01COMP": "degraded_performance"}),
        )
    if command == "drift":  # the incident no folder tracks, by name
        (project / "statusfiles" / "2026-11-27-outage" / "01.yaml").unlink()
    proc = run_cli(command, cwd=project, env=env, timeout=60)
    assert proc.returncode == (2 if command == "drift" else 0), proc.stdout + proc.stderr
    assert SHOWN in proc.stdout
    assert "\x1b" not in proc.stdout and "\x07" not in proc.stdout
    assert not [line for line in proc.stdout.splitlines() if line.lstrip().startswith("::")]


def test_an_error_naming_a_page_from_the_account_is_escaped(project: Path, server: Hostile) -> None:
    _evil_account(server)
    server.script("GET", "/v2/status_page_structures/01PAGE", Raw(404, {"type": "not_found"}))
    proc = run_cli("components", cwd=project, env=sync_env(server.base_url, KEY), timeout=60)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert proc.stderr.startswith(f"Error: reading the components of {SHOWN} failed: "), proc.stderr
    assert "\x1b" not in proc.stderr and "\x07" not in proc.stderr
    assert not [line for line in proc.stderr.splitlines() if line.lstrip().startswith("::")]


# --- a listing that never ends ------------------------------------------------------------------


@pytest.mark.parametrize("listing", ["pages", "incidents"])
def test_a_listing_whose_cursor_never_ends_is_a_failed_read(
    tmp_path: Path, server: Hostile, listing: str
) -> None:
    # A fresh cursor on every page, one record each: the seen-cursor check never fires. A generous rate
    # limit keeps the client's pacing out of the way.
    pages = itertools.count()
    fast = {"X-RateLimit-Limit": "1000000", "X-RateLimit-Remaining": "1000000"}

    def endless(key: str, record: Callable[[int], dict[str, Any]]) -> Callable[[Request, Hostile], Raw]:
        def reply(request: Request, _: Hostile) -> Raw:
            n = next(pages)
            return Raw(200, {key: [record(n)], "pagination_meta": {"after": f"c{n}", "page_size": 100}}, fast)

        return reply

    if listing == "pages":
        server.script(
            "GET", "/v2/status_pages", endless("status_pages", lambda n: {"id": f"P{n}", "name": "P"})
        )
    else:
        one = {"status_pages": [{"id": "01PAGE", "name": "P"}], "pagination_meta": {"page_size": 100}}
        server.script("GET", "/v2/status_pages", Raw(200, one, fast))
        none = {"status_page_maintenances": [], "pagination_meta": {"page_size": 100}}
        server.script("GET", "/v2/status_page_maintenances?", Raw(200, none, fast))
        incident = {**_incident(updates=[_update()])["status_page_incident"], "status_page_id": "01PAGE"}
        server.script(
            "GET", "/v2/status_page_incidents?", endless("status_page_incidents", lambda n: incident)
        )
    (tmp_path / "statusfiles").mkdir()
    proc = run_cli("active", cwd=tmp_path, env=sync_env(server.base_url, KEY), timeout=120)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert f"goes on past {MAX_LIST_PAGES} pages" in proc.stderr
    assert len(server.requests) <= MAX_LIST_PAGES + 2


@pytest.mark.parametrize("status", [422, 500])
def test_an_error_body_from_syncs_read_back_stays_on_its_line(
    project: Path, server: Hostile, status: int
) -> None:
    """What the server said reaches the publish job's log: a line break in it would start a workflow
    command there, even indented (the runner trims leading whitespace before looking for `::`)."""
    forged = "nope\n::error title=forged::published nothing\n  ::stop-commands::x"
    body = {"type": "validation_error", "status": status, "errors": [{"code": "x", "message": forged}]}
    server.script("GET", "/v2/status_page_incidents/", Raw(status, body))
    proc = sync(project, server.base_url, STATUSFILES_RETRY_ATTEMPTS="1")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "nope\\n::error title=forged::published nothing" in proc.stdout
    lines = (proc.stdout + proc.stderr).splitlines()
    assert not [line for line in lines if line.lstrip().startswith("::")], lines
    assert server.seen("POST") == []
