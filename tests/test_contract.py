"""Contract test: every request the client sends, and every response the sandbox returns to it, success
or error, validates against the vendor's OpenAPI document (with openapi-core); and so does every request
and response of every route the sandbox serves."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse

from sync import api, apiconfig, ledger, planner, publisher, workspace
from sync.sandbox import Fault, Sandbox, SandboxConfig
from sync.sandbox.routes import API_ROUTES
from sync.sandbox.seed import API_INCIDENT_ID, MAINTENANCE_ID, PUBLIC_API_ID, STATUS_PAGE_ID
from tests.support import payloads
from tests.support.cli import SANDBOX_KEY
from tests.support.objects import (
    INCIDENT_FOLDER,
    WINDOW_FOLDER,
    WINDOW_NAME,
    incident_yaml,
    maintenance_yaml,
    objects,
    write,
    write_tree,
)
from tests.support.payloads import COMPONENT, INCIDENT, update
from tests.support.repo import copy_examples
from tests.support.sandbox_api import incident_body, maintenance_body, maintenance_update, statuses

SERVER = "https://api.incident.io"  # the spec's server; the sandbox stands in for it
READ_ONLY = "read-only-key"


class Recorder:
    """httpx event hooks: keep every exchange the client makes, to validate afterwards."""

    def __init__(self) -> None:
        self.exchanges: list[httpx.Response] = []

    def on_response(self, response: httpx.Response) -> None:
        response.read()
        self.exchanges.append(response)

    @property
    def hooks(self) -> dict[str, list[Any]]:
        return {"response": [self.on_response]}


def _mock_request(response: httpx.Response) -> MockRequest:
    sent = response.request
    return MockRequest(
        SERVER,
        sent.method.lower(),
        sent.url.path,
        args=dict(sent.url.params),
        headers=dict(sent.headers),
        data=sent.content or None,
        content_type=sent.headers.get("content-type", "application/json"),
    )


def validate_response(openapi: OpenAPI, response: httpx.Response) -> None:
    reply = MockResponse(
        response.content, response.status_code, content_type=response.headers["content-type"]
    )
    openapi.validate_response(_mock_request(response), reply)


def validate(openapi: OpenAPI, response: httpx.Response) -> None:
    openapi.validate_request(_mock_request(response))
    validate_response(openapi, response)


def test_every_exchange_of_a_sync_matches_the_contract(openapi: OpenAPI, tmp_path: Path) -> None:
    project = copy_examples(tmp_path)
    recorder = Recorder()
    with Sandbox(SandboxConfig(api_key=SANDBOX_KEY, read_only_keys=(READ_ONLY,))) as sb:
        sb.add_fault(Fault(kind="rate_limit", method="POST", count=2, retry_after=0))
        sb.add_fault(Fault(kind="error", method="GET", status=500))
        sb.add_fault(Fault(kind="drop", method="POST", stage="after", skip=3))  # lost response: read back
        ws = workspace.load(project / "statusfiles", None)
        retry = apiconfig.RetryPolicy(attempts=5, base=0.001, cap=0.01)
        with api.Client(sb.base_url, SANDBOX_KEY, retry=retry, event_hooks=recorder.hooks) as client:
            remote = publisher.read_incidents(
                client, {INCIDENT, "01FCNDV6P870EA6S7TK1DSYDG3", "01MISSING"}, 2
            )
            assert remote["01MISSING"] is None
            plan = planner.plan(ws.files, ws.ledger, remote=remote)
            with ledger.Writer(ws.ledger_path, run="contract") as writer:
                report = publisher.Publisher(client, writer, reconcile_delay=0.01).run(plan)
            assert report.ok and report.count("posted") == 6
            with pytest.raises(api.Rejected):  # 422
                client.post_update(update(components={"01NOTHERE": "degraded_performance"}))
            with pytest.raises(api.Rejected):  # 422: the incident is resolved and has components
                client.post_update(update(status="resolved", components={COMPONENT: "operational"}))
        for key in ("wrong-key", READ_ONLY):
            other = api.Client(sb.base_url, key, retry=retry, event_hooks=recorder.hooks)
            with other, pytest.raises(api.AuthError):
                other.post_update(update())
    statuses = sorted({r.status_code for r in recorder.exchanges})
    assert statuses == [200, 201, 401, 403, 404, 422, 429, 500]
    for response in recorder.exchanges:
        validate(openapi, response)


def test_a_request_the_contract_forbids_is_caught(openapi: OpenAPI, sandbox: Sandbox) -> None:
    """The validator really checks bodies: an update without its required fields fails it."""
    recorder = Recorder()
    with httpx.Client(
        base_url=sandbox.base_url,
        event_hooks=recorder.hooks,
        headers={"Authorization": f"Bearer {SANDBOX_KEY}"},
    ) as raw:
        raw.post(
            "/v2/status_page_incident_updates",
            content=json.dumps({"message": "no incident"}),
            headers={"content-type": "application/json"},
        )
    with pytest.raises(Exception, match=r"status_page_incident_id|required"):
        validate(openapi, recorder.exchanges[0])


NOWHERE = "0" * 26
SCHEDULE = {"name": "Moved", "start_at": "2030-02-01T10:00:00+01:00", "end_at": "2030-02-01T12:00:00Z"}
# Every route the sandbox serves, with a success and errors: (key, method, path, params, body, status).
EXCHANGES: list[tuple[str, str, str, dict[str, str], Any, int]] = [
    ("rw", "GET", "/v2/status_pages", {"page_size": "1"}, None, 200),
    ("rw", "GET", "/v2/status_pages", {"page_size": "0"}, None, 422),
    ("rw", "GET", f"/v2/status_page_structures/{STATUS_PAGE_ID}", {}, None, 200),
    ("rw", "GET", f"/v2/status_page_structures/{NOWHERE}", {}, None, 404),
    (
        "rw",
        "POST",
        "/v2/status_page_incidents",
        {},
        incident_body("c1", component_statuses=statuses(**{PUBLIC_API_ID: "partial_outage"})),
        201,
    ),
    ("rw", "POST", "/v2/status_page_incidents", {}, incident_body("c1", name="Replayed"), 201),
    ("rw", "POST", "/v2/status_page_incidents", {}, incident_body("c2", incident_status="fixed"), 422),
    ("rw", "POST", "/v2/status_page_incidents", {}, incident_body("c3", status_page_id=NOWHERE), 404),
    (READ_ONLY, "POST", "/v2/status_page_incidents", {}, incident_body("c4"), 403),
    (
        "rw",
        "GET",
        "/v2/status_page_incidents",
        {"status_page_id": STATUS_PAGE_ID, "page_size": "1"},
        None,
        200,
    ),
    ("rw", "GET", "/v2/status_page_incidents", {}, None, 422),
    ("rw", "GET", f"/v2/status_page_incidents/{API_INCIDENT_ID}", {}, None, 200),
    ("rw", "GET", f"/v2/status_page_incidents/{NOWHERE}", {}, None, 404),
    ("rw", "PUT", f"/v2/status_page_incidents/{API_INCIDENT_ID}", {}, {"name": "Renamed"}, 200),
    ("rw", "PUT", f"/v2/status_page_incidents/{API_INCIDENT_ID}", {}, {"name": "x" * 201}, 422),
    ("rw", "PUT", f"/v2/status_page_incidents/{NOWHERE}", {}, {"name": "Renamed"}, 404),
    (READ_ONLY, "PUT", f"/v2/status_page_incidents/{API_INCIDENT_ID}", {}, {"name": "Renamed"}, 403),
    ("rw", "POST", "/v2/status_page_incident_updates", {}, update(), 201),
    ("rw", "POST", "/v2/status_page_incident_updates", {}, update(status="fixed"), 422),
    ("rw", "POST", "/v2/status_page_maintenances", {}, maintenance_body("m1"), 201),
    ("rw", "POST", "/v2/status_page_maintenances", {}, maintenance_body("m1", name="Replayed"), 201),
    (
        "rw",
        "POST",
        "/v2/status_page_maintenances",
        {},
        maintenance_body("m2", start_at="2030-01-28T10:00"),
        422,
    ),
    ("rw", "POST", "/v2/status_page_maintenances", {}, maintenance_body("m3", status_page_id=NOWHERE), 404),
    (READ_ONLY, "POST", "/v2/status_page_maintenances", {}, maintenance_body("m4"), 403),
    (
        "rw",
        "GET",
        "/v2/status_page_maintenances",
        {"status_page_id": STATUS_PAGE_ID, "page_size": "1"},
        None,
        200,
    ),
    ("rw", "GET", "/v2/status_page_maintenances", {"status_page_id": NOWHERE}, None, 404),
    (READ_ONLY, "GET", f"/v2/status_page_maintenances/{MAINTENANCE_ID}", {}, None, 200),
    ("rw", "GET", f"/v2/status_page_maintenances/{NOWHERE}", {}, None, 404),
    ("rw", "PUT", f"/v2/status_page_maintenances/{MAINTENANCE_ID}", {}, SCHEDULE, 200),
    (
        "rw",
        "PUT",
        f"/v2/status_page_maintenances/{MAINTENANCE_ID}",
        {},
        SCHEDULE | {"end_at": "2030-01-01T00:00:00Z"},
        422,
    ),
    ("rw", "PUT", f"/v2/status_page_maintenances/{NOWHERE}", {}, SCHEDULE, 404),
    (READ_ONLY, "PUT", f"/v2/status_page_maintenances/{MAINTENANCE_ID}", {}, SCHEDULE, 403),
    (
        "rw",
        "POST",
        "/v2/status_page_maintenance_updates",
        {},
        maintenance_update(
            maintenance_status="maintenance_in_progress",
            component_statuses=statuses(**{PUBLIC_API_ID: "under_maintenance"}),
        ),
        201,
    ),
    (
        "rw",
        "POST",
        "/v2/status_page_maintenance_updates",
        {},
        maintenance_update(maintenance_status="maintenance_complete", component_statuses=[]),
        422,
    ),
    (
        "rw",
        "POST",
        "/v2/status_page_maintenance_updates",
        {},
        maintenance_update(status_page_maintenance_id=NOWHERE),
        404,
    ),
    (READ_ONLY, "POST", "/v2/status_page_maintenance_updates", {}, maintenance_update(), 403),
    ("bad", "POST", "/v2/status_page_maintenances", {}, maintenance_body("m5"), 401),
    ("rw", "POST", "/v2/status_page_maintenances", {}, maintenance_body("m6"), 429),  # a rate_limit fault
    ("rw", "PUT", f"/v2/status_page_maintenances/{MAINTENANCE_ID}", {}, SCHEDULE, 500),  # an error fault
]


def _route(method: str, path: str) -> str:
    for pattern, methods in API_ROUTES:
        if pattern.fullmatch(path) and method in methods:
            return f"{method} {pattern.pattern}"
    raise AssertionError(f"the sandbox has no route for {method} {path}")


def test_every_sandbox_route_matches_the_contract(openapi: OpenAPI) -> None:
    recorder = Recorder()
    keys = {"rw": SANDBOX_KEY, READ_ONLY: READ_ONLY, "bad": "wrong-key"}
    with (
        Sandbox(SandboxConfig(api_key=SANDBOX_KEY, read_only_keys=(READ_ONLY,))) as sb,
        httpx.Client(base_url=sb.base_url, event_hooks=recorder.hooks) as client,
    ):
        for key, method, path, params, body, status in EXCHANGES:
            if status in (429, 500):  # faults answer these, once
                kind = "rate_limit" if status == 429 else "error"
                sb.add_fault(Fault(kind=kind, method=method, path=path, stage="after"))
            headers = {"Authorization": f"Bearer {keys[key]}"}
            r = client.request(method, path, params=params, json=body, headers=headers)
            assert r.status_code == status, (method, path, body, r.text)
    for response in recorder.exchanges:
        # A request the test made invalid on purpose is checked only for the answer it gets.
        if response.status_code in (400, 422):
            validate_response(openapi, response)
        else:
            validate(openapi, response)
    served = {f"{m} {pattern.pattern}" for pattern, methods in API_ROUTES for m in methods}
    assert {_route(r.request.method, r.request.url.path) for r in recorder.exchanges} == served
    successes = {_route(r.request.method, r.request.url.path) for r in recorder.exchanges if r.is_success}
    assert successes == served


def test_every_exchange_of_a_pull_matches_the_contract(openapi: OpenAPI) -> None:
    """The reads behind `pull` and the list commands: the paged page list and each structure."""
    recorder = Recorder()
    with Sandbox(SandboxConfig(api_key=SANDBOX_KEY, read_only_keys=(READ_ONLY,))) as sb:
        sb.add_fault(Fault(kind="error", method="GET", path="/v2/status_page_structures/", status=500))
        retry = apiconfig.RetryPolicy(attempts=3, base=0.001, cap=0.01)
        with api.Client(sb.base_url, READ_ONLY, retry=retry, event_hooks=recorder.hooks) as client:
            pages = client.list_status_pages()
            assert [p.id for p in pages] == [STATUS_PAGE_ID, "01FCNDV6P870EA6S7TK1DSYDGC"]
            assert PUBLIC_API_ID in {c.id for c in client.get_structure(STATUS_PAGE_ID)}
            with pytest.raises(api.NotFound):
                client.get_structure(NOWHERE)
            assert client.find_structure(NOWHERE) is None  # the callers that take a missing page in stride
            assert PUBLIC_API_ID in {c.id for c in client.find_structure(STATUS_PAGE_ID) or ()}
    assert sorted(r.status_code for r in recorder.exchanges) == [200, 200, 200, 404, 404, 500]
    assert recorder.exchanges[0].request.url.params["page_size"] == str(api.LIST_PAGE_SIZE)
    for response in recorder.exchanges:
        validate(openapi, response)


def test_every_exchange_of_creating_and_changing_objects_matches_the_contract(
    openapi: OpenAPI, tmp_path: Path
) -> None:
    """Creates (one replayed by its key), PUTs, maintenance updates, page listings, reads, their errors."""
    root = tmp_path / "statusfiles"
    write_tree(root)
    recorder = Recorder()
    retry = apiconfig.RetryPolicy(attempts=5, base=0.001, cap=0.01)
    with Sandbox(SandboxConfig(api_key=SANDBOX_KEY)) as sb:
        sb.add_fault(Fault(kind="drop", method="POST", path="/v2/status_page_incidents", stage="after"))
        sb.add_fault(Fault(kind="error", method="GET", path="/v2/status_page_maintenances", status=500))
        with api.Client(sb.base_url, SANDBOX_KEY, retry=retry, event_hooks=recorder.hooks) as client:

            def sync_once() -> publisher.Report:
                ws = workspace.load(root, None)
                draft = planner.plan(ws.files, ws.ledger)
                remote, listed = publisher.read_page(client, publisher.to_read(draft, ws.ledger), 2)
                plan = planner.plan(ws.files, ws.ledger, remote=remote, listed=listed)
                with ledger.Writer(ws.ledger_path, run="contract") as writer:
                    return publisher.Publisher(client, writer, reconcile_delay=0.01).run(plan)

            report = sync_once()
            assert report.ok and report.count("created") == 2 and report.count("posted") == 6
            write(root / INCIDENT_FOLDER / "incident.yaml", incident_yaml(name="Renamed"))
            write(
                root / WINDOW_FOLDER / "maintenance.yaml", maintenance_yaml(end="2030-01-01T13:00:00+02:00")
            )
            (
                root / "ledger.jsonl"
            ).unlink()  # and the ledger is lost: everything is found by listing the page
            report = sync_once()
            # The renamed incident is not recognised by name; its create, with the same key, is answered
            # with the incident created first, which is read back: its updates are adopted, its name PUT.
            assert report.ok and report.count("created") == 1 and report.count("adopted") == 7
            assert report.count("updated") == 2 and report.count("posted") == 0
            assert [o["name"] for o in sb.state.to_json()["incidents"]].count("Renamed") == 1
            assert sync_once().outcomes == []
            window = objects(sb, "maintenance", WINDOW_NAME)[0]["id"]
            assert client.get_maintenance(window) is not None and client.get_maintenance(NOWHERE) is None
            with pytest.raises(api.Rejected):  # 422: the end before the start
                client.create_maintenance(
                    {**maintenance_yaml(end="2029-01-01T00:00:00Z"), "idempotency_key": "k"}
                )
            with pytest.raises(api.NotFound):  # no such window
                client.post_maintenance_update(payloads.maintenance_update("m", maintenance=NOWHERE))
            with pytest.raises(api.NotFound):
                client.update_incident(NOWHERE, "Nothing")
            with pytest.raises(api.NotFound):
                client.update_maintenance(NOWHERE, "Nothing", "2030-01-01T10:00:00Z", "2030-01-01T11:00:00Z")
    operations = set()
    for response in recorder.exchanges:
        validate(openapi, response)
        path = response.request.url.path
        operations.add((response.request.method, path.rsplit("/", 1)[0] if path.count("/") > 2 else path))
    assert {
        ("POST", "/v2/status_page_incidents"),
        ("PUT", "/v2/status_page_incidents"),
        ("GET", "/v2/status_page_incidents"),
        ("POST", "/v2/status_page_maintenances"),
        ("PUT", "/v2/status_page_maintenances"),
        ("GET", "/v2/status_page_maintenances"),
        ("POST", "/v2/status_page_maintenance_updates"),
        ("POST", "/v2/status_page_incident_updates"),
    } <= operations
    assert {r.status_code for r in recorder.exchanges} >= {200, 201, 404, 422, 500}
