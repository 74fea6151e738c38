"""The sandbox application: auth and scope, routing, rate limits, the admin endpoints, persistence."""

from __future__ import annotations

import json
import math
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from sync.remote import WRITE_SCOPE
from sync.sandbox import Sandbox, SandboxConfig
from sync.sandbox.app import REQUEST_LOG_BYTES
from sync.sandbox.seed import (
    API_INCIDENT_ID,
    DASHBOARD_INCIDENT_ID,
)
from tests.support.clock import FakeClock
from tests.support.sandbox_api import (
    INCIDENTS,
    MAINTENANCES,
    TLS,
    UPDATES,
    Api,
    errors,
    incident_body,
    maintenance_body,
    update,
)


def test_no_authorization_header_is_a_401(sandbox: Sandbox, make_api: Any) -> None:
    [error] = errors(make_api(sandbox, None).get("/v2/status_pages"), 401, "authentication_error")
    assert error["code"] == "missing_authorization_material"


@pytest.mark.parametrize("header", ["Bearer wrong-key", "Basic c2FuZGJveA==", "Bearer", "sandbox-test-key"])
def test_a_wrong_key_is_a_401_with_another_code(api: Api, header: str) -> None:
    r = api.get("/v2/status_pages", headers={"Authorization": header})
    [error] = errors(r, 401, "authentication_error")
    assert error["code"] == "invalid_authorization_material"


def test_a_read_only_key_reads_but_may_not_write(sandbox: Sandbox, make_api: Any) -> None:
    reader = make_api(sandbox, sandbox.config.read_only_keys[0])
    assert reader.get(f"{INCIDENTS}/{API_INCIDENT_ID}").status_code == 200
    [error] = errors(reader.post(UPDATES, json=update()), 403, "resource_forbidden")
    assert WRITE_SCOPE in error["message"]
    assert len(sandbox.updates(API_INCIDENT_ID)) == 1


def test_without_a_configured_key_any_key_is_accepted(make_api: Any) -> None:
    with Sandbox(SandboxConfig()) as sb:
        assert make_api(sb, "anything").post(UPDATES, json=update()).status_code == 201


def test_an_unknown_route_is_a_404_and_a_wrong_method_a_405(api: Api) -> None:
    assert errors(api.get("/v2/status_page_incident_update"), 404, "not_found")
    r = api.request("DELETE", UPDATES)
    assert errors(r, 405, "method_not_allowed")
    assert r.headers["allow"] == "POST"


def test_rate_limit_headers_and_the_429(make_api: Any, clock: FakeClock) -> None:
    with Sandbox(SandboxConfig(api_key="k", rate_limit=60, burst=2, clock=clock)) as sb:
        client = make_api(sb, "k")
        first = client.get("/v2/status_pages")
        assert {k: first.headers[f"x-ratelimit-{k}"] for k in ("limit", "remaining", "used", "reset")} == {
            "limit": "60",
            "remaining": "1",
            "used": "1",
            "reset": str(math.ceil(clock.now + 1)),
        }
        assert client.get("/v2/status_pages").headers["x-ratelimit-remaining"] == "0"
        limited = client.get("/v2/status_pages")
        [error] = errors(limited, 429, "too_many_requests")
        assert error["code"] == "too_many_requests"
        assert limited.headers["retry-after"] == "1"
        assert limited.headers["x-ratelimit-remaining"] == "0"
        rate_limit = limited.json()["rate_limit"]
        expected = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(math.ceil(clock.now + 1)))
        assert rate_limit == {"name": "sandbox API key", "limit": 60, "remaining": 0, "retry_after": expected}
        assert make_api(sb, None).get("/v2/status_pages").status_code == 401  # other callers have their own
        clock.advance(1)
        assert client.get("/v2/status_pages").status_code == 200


def test_admin_endpoints_control_and_show_everything(api: Api, sandbox: Sandbox) -> None:
    admin = httpx.Client(base_url=sandbox.base_url, verify=TLS)  # no key: the admin routes need none
    with admin:
        added = admin.post("/_sandbox/faults", json={"kind": "error", "status": 502, "count": None})
        assert added.status_code == 201
        assert added.json()["fault"]["status"] == 502
        assert admin.get("/_sandbox/faults").json()["faults"][0]["kind"] == "error"
        assert api.client.get("/v2/status_pages").status_code == 502
        assert admin.delete("/_sandbox/faults").json() == {"cleared": 1}
        for bad in [b"{", b'{"kind": "error", "colour": 1}', b"[]"]:
            assert admin.post("/_sandbox/faults", content=bad).json()["type"] == "invalid_request_error"

        api.post(UPDATES, json=update("Logged"))
        logged = admin.get("/_sandbox/requests").json()["requests"]
        assert [(r["method"], r["path"], r["status"]) for r in logged][-1] == ("POST", UPDATES, 201)
        assert logged[-1]["body"]["message"] == "Logged"
        assert sandbox.config.api_key not in json.dumps(logged)  # the key is never recorded
        state = admin.get("/_sandbox/state").json()
        assert len(state["incidents"]) == 2
        assert state["status_pages"][0]["name"] == "Acme Cloud"

        assert admin.post("/_sandbox/reset").json() == {"reset": True}
        assert len(sandbox.updates(API_INCIDENT_ID)) == 1
        assert admin.get("/_sandbox/requests").json() == {"requests": []}
        assert admin.get("/_sandbox/nope").status_code == 404
        assert admin.get("/_sandbox/reset").status_code == 405


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "http://evil.example", "Content-Type": "text/plain"},  # a form or fetch() from a web page
        {"Origin": "null", "Content-Type": "text/plain"},  # a sandboxed frame or a file:// page
        {"Origin": "http://localhost:3000"},  # another origin on this machine is still another origin
        {"Sec-Fetch-Site": "cross-site"},
        {"Host": "rebound.example"},  # DNS rebinding: a web page's name pointed at 127.0.0.1
        {"Host": "192.0.2.1"},
    ],
)
def test_the_admin_endpoints_refuse_web_pages_and_foreign_hosts(
    sandbox: Sandbox, headers: dict[str, str]
) -> None:
    fault = json.dumps({"kind": "error", "count": None})
    with httpx.Client(base_url=sandbox.base_url, headers=headers, verify=TLS) as browser:
        for method, path, content in [
            ("POST", "/_sandbox/faults", fault),
            ("POST", "/_sandbox/reset", ""),
            ("DELETE", "/_sandbox/faults", ""),
            ("GET", "/_sandbox/state", ""),
        ]:
            [error] = errors(browser.request(method, path, content=content), 403, "resource_forbidden")
            assert error["code"] in ("cross_origin", "forbidden_host")
    assert sandbox.faults() == []


def test_the_admin_endpoints_answer_their_own_origin_and_loopback_names(sandbox: Sandbox) -> None:
    port = sandbox.base_url.rsplit(":", 1)[1]
    for headers in [
        {"Origin": sandbox.base_url},
        {"Host": f"localhost:{port}", "Origin": f"http://localhost:{port}", "Sec-Fetch-Site": "same-origin"},
        {"Host": f"[::1]:{port}"},
        {"Sec-Fetch-Site": "none"},  # typed into the address bar
    ]:
        with httpx.Client(base_url=sandbox.base_url, headers=headers, verify=TLS) as client:
            assert client.post("/_sandbox/faults", json={"kind": "error"}).status_code == 201
    assert len(sandbox.faults()) == 4


def test_the_request_log_is_bounded_in_bytes(api: Api, sandbox: Sandbox) -> None:
    big = update("x" * ((1 << 20) - 200))  # just under the body limit; refused as too long, but logged
    sent = REQUEST_LOG_BYTES // len(json.dumps(big)) + 4
    for n in range(sent):
        assert api.post(UPDATES, json=big | {"n": n}).status_code == 422
    logged = sandbox.requests()
    assert sum(len(json.dumps(r["body"])) for r in logged) <= REQUEST_LOG_BYTES
    assert 0 < len(logged) < sent
    assert [r["body"]["n"] for r in logged] == list(range(sent - len(logged), sent))  # the newest stay


def test_state_survives_a_restart(tmp_path: Path, make_api: Any) -> None:
    path = tmp_path / "state.json"
    config = SandboxConfig(state_path=path)
    with Sandbox(config) as sb:
        client = make_api(sb, "k")
        client.post(UPDATES, json=update("Before the restart"))
        on_disk = json.loads(path.read_text())  # written at once, not only on stop
        assert on_disk["incidents"][1]["updates"][-1]["message"] == "Before the restart"
        created = client.post(INCIDENTS, json=incident_body("once")).json()["status_page_incident"]["id"]
        before = sb.updates(API_INCIDENT_ID)
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]  # no temporary files left behind
    with Sandbox(config) as sb:
        assert sb.updates(API_INCIDENT_ID) == before
        assert list(sb.state.incidents) == [DASHBOARD_INCIDENT_ID, API_INCIDENT_ID, created]
        client = make_api(sb, "k")
        assert (
            client.post(INCIDENTS, json=incident_body("once")).json()["status_page_incident"]["id"] == created
        )
        new = client.post(UPDATES, json=update("After")).json()["status_page_incident_update"]["id"]
        assert new not in {u["id"] for u in before}


def test_windows_and_their_keys_survive_a_restart(tmp_path: Path, make_api: Any) -> None:
    config = SandboxConfig(state_path=tmp_path / "state.json")
    with Sandbox(config) as sb:
        first = make_api(sb, "k").post(MAINTENANCES, json=maintenance_body("kept")).json()
        window = sb.state.maintenances[first["status_page_maintenance"]["id"]]
    with Sandbox(config) as sb:
        assert sb.state.maintenances[window.id] == window
        again = make_api(sb, "k").post(MAINTENANCES, json=maintenance_body("kept", name="Another"))
        assert again.json() == first


def test_a_state_file_from_before_maintenance_windows_still_loads(tmp_path: Path, make_api: Any) -> None:
    path = tmp_path / "state.json"
    with Sandbox(SandboxConfig(state_path=path)) as sb:
        created = make_api(sb, "k").post(INCIDENTS, json=incident_body("old")).json()
    old = json.loads(path.read_text())
    old = {"version": 1, "status_pages": old["status_pages"], "incidents": old["incidents"]}
    old["incidents"][-1]["idempotency_key"] = "old"  # where the first version kept the key
    path.write_text(json.dumps(old))
    with Sandbox(SandboxConfig(state_path=path, seed=False)) as sb:
        assert sb.state.maintenances == {}
        again = make_api(sb, "k").post(INCIDENTS, json=incident_body("old")).json()
        assert again == created


@pytest.mark.parametrize(
    "content", ["{not json", "[]", '{"version": 1, "status_pages": [{}]}', '{"version": 9}']
)
def test_a_broken_state_file_is_refused_not_overwritten(tmp_path: Path, content: str) -> None:
    path = tmp_path / "state.json"
    path.write_text(content)
    with pytest.raises(ValueError, match="not a sandbox state file"):
        Sandbox(SandboxConfig(state_path=path))
    assert path.read_text() == content


def test_concurrent_posts_are_each_stored_once(sandbox: Sandbox) -> None:
    headers = {"Authorization": f"Bearer {sandbox.config.api_key}"}

    def post_many(worker: int) -> None:
        with httpx.Client(base_url=sandbox.base_url, headers=headers, verify=TLS) as client:
            for n in range(8):
                assert client.post(UPDATES, json=update(f"{worker}-{n}")).status_code == 201

    threads = [threading.Thread(target=post_many, args=(w,)) for w in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stored = sandbox.updates(API_INCIDENT_ID)[1:]
    assert sorted(u["message"] for u in stored) == sorted(f"{w}-{n}" for w in range(6) for n in range(8))
    assert len({u["id"] for u in stored}) == 48
