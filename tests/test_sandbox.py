"""The sandbox over real HTTP: every /v2 response is checked against the vendored OpenAPI document.

Each test gets a fresh server on 127.0.0.1 (the ``sandbox`` fixture) and talks
to it with httpx, as the client will. :class:`Api` validates each response with
openapi-core, so every test here is also a contract test.
"""

from __future__ import annotations

import json
import math
import re
import signal
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import FakeClock
from jsonschema import Draft202012Validator
from openapi_core import OpenAPI
from openapi_core.templating.paths.exceptions import OperationNotFound, PathNotFound
from openapi_core.testing import MockRequest, MockResponse

from sync.netaddr import is_loopback
from sync.remote import MAX_UPDATES, WRITE_SCOPE
from sync.sandbox import Fault, Sandbox, SandboxConfig
from sync.sandbox.seed import (
    API_INCIDENT_ID,
    DASHBOARD_EU_ID,
    DASHBOARD_INCIDENT_ID,
    DASHBOARDS_GROUP_ID,
    PUBLIC_API_ID,
    STATUS_PAGE_ID,
    WEBHOOKS_ID,
)
from sync.schema import SPEC_NAME, generate, load_spec, schemas_dir

UPDATES = "/v2/status_page_incident_updates"
INCIDENTS = "/v2/status_page_incidents"
ID = re.compile(r"[0-9A-HJKMNP-TV-Z]{26}")
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z")
REPO = Path(__file__).resolve().parent.parent
# Built once: httpx builds a TLS context per client otherwise, which costs more than a sandbox.
TLS = ssl.create_default_context()


@pytest.fixture(scope="module")
def openapi() -> OpenAPI:
    return OpenAPI.from_file_path(str(schemas_dir() / SPEC_NAME))


@pytest.fixture(scope="module")
def error_response() -> Draft202012Validator:
    """For replies on routes the spec does not have (404, 405): they are still ErrorResponses."""
    return Draft202012Validator(generate(load_spec(), "ErrorResponse", schema_id="urn:test", title="error"))


class Api:
    """An httpx client for the sandbox that checks every /v2 response against the vendor's contract."""

    def __init__(
        self, sandbox: Sandbox, openapi: OpenAPI, error_response: Draft202012Validator, key: str | None
    ) -> None:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        self.client = httpx.Client(base_url=sandbox.base_url, headers=headers, timeout=10, verify=TLS)
        self.openapi = openapi
        self.error_response = error_response

    def request(self, method: str, path: str, **kw: Any) -> httpx.Response:
        response = self.client.request(method, path, **kw)
        if response.request.url.path.startswith("/v2/"):
            self.check(response)
        return response

    def get(self, path: str, **kw: Any) -> httpx.Response:
        return self.request("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> httpx.Response:
        return self.request("POST", path, **kw)

    def check(self, response: httpx.Response) -> None:
        request = MockRequest(
            "https://api.incident.io",  # the spec's server: the sandbox stands in for it
            response.request.method.lower(),
            response.request.url.path,
            args=dict(response.request.url.params),
        )
        reply = MockResponse(
            response.content, response.status_code, content_type=response.headers["content-type"]
        )
        try:
            self.openapi.validate_response(request, reply)
        except (PathNotFound, OperationNotFound):
            assert response.status_code in (404, 405), response.text
            self.error_response.validate(response.json())


@pytest.fixture
def api(sandbox: Sandbox, openapi: OpenAPI, error_response: Draft202012Validator) -> Iterator[Api]:
    client = Api(sandbox, openapi, error_response, sandbox.config.api_key)
    with client.client:
        yield client


@pytest.fixture
def make_api(openapi: OpenAPI, error_response: Draft202012Validator) -> Iterator[Any]:
    """Clients with any key (or none) for any sandbox, closed after the test."""
    made: list[Api] = []

    def make(sandbox: Sandbox, key: str | None) -> Api:
        made.append(Api(sandbox, openapi, error_response, key))
        return made[-1]

    yield make
    for client in made:
        client.client.close()


def update(message: str = "An update.", **fields: Any) -> dict[str, Any]:
    return {
        "status_page_incident_id": API_INCIDENT_ID,
        "message": message,
        "notify_subscribers": False,
    } | fields


def statuses(**by_id: str) -> list[dict[str, str]]:
    return [{"component_id": cid, "component_status": status} for cid, status in by_id.items()]


def incident_body(key: str, **fields: Any) -> dict[str, Any]:
    return {
        "status_page_id": STATUS_PAGE_ID,
        "name": f"Incident {key}",
        "incident_status": "investigating",
        "idempotency_key": key,
        "message": "We are looking into it.",
        "notify_subscribers": False,
    } | fields


def pointer(field: str) -> str:
    """The JSON pointer of a field path: ``a[0].b`` is ``/a/0/b``."""
    return "".join(f"/{part}" for part in re.findall(r"[^.\[\]]+", field))


def errors(response: httpx.Response, status: int, error_type: str) -> list[dict[str, Any]]:
    """The error entries of an ErrorResponse, after checking its status, type and request ID."""
    assert response.status_code == status, response.text
    body = response.json()
    assert (body["status"], body["type"]) == (status, error_type)
    assert body["request_id"]
    found: list[dict[str, Any]] = body["errors"]
    assert found
    return found


# --- reading -------------------------------------------------------------------------


def test_lists_the_seeded_status_page(api: Api) -> None:
    r = api.get("/v2/status_pages")
    assert r.status_code == 200
    assert r.json()["status_pages"] == [
        {"id": STATUS_PAGE_ID, "name": "Acme Cloud", "public_url": "https://status.acme.example/"}
    ]
    assert r.json()["pagination_meta"] == {"page_size": 25}


def test_structure_shows_components_and_groups(api: Api) -> None:
    r = api.get(f"/v2/status_page_structures/{STATUS_PAGE_ID}")
    assert r.status_code == 200
    assert r.json() == {
        "current_structure": {
            "items": [
                {"component": {"component_id": PUBLIC_API_ID, "name": "Public API"}},
                {
                    "group": {
                        "id": DASHBOARDS_GROUP_ID,
                        "name": "Dashboards",
                        "components": [{"component_id": DASHBOARD_EU_ID, "name": "Dashboard (EU)"}],
                    }
                },
                {"component": {"component_id": WEBHOOKS_ID, "name": "Webhooks"}},
            ]
        }
    }


@pytest.mark.parametrize(
    "path",
    [f"/v2/status_page_structures/{'0' * 26}", f"{INCIDENTS}/{'0' * 26}", f"{INCIDENTS}?status_page_id=nope"],
)
def test_unknown_ids_are_404(api: Api, path: str) -> None:
    assert errors(api.get(path), 404, "not_found")[0]["code"] == "not_found"


def test_seeded_incidents_each_hold_their_opening_update(api: Api) -> None:
    for incident_id, name in [
        (API_INCIDENT_ID, "Elevated API error rates"),
        (DASHBOARD_INCIDENT_ID, "Slow dashboards in the EU"),
    ]:
        incident = api.get(f"{INCIDENTS}/{incident_id}").json()["status_page_incident"]
        assert (incident["name"], incident["incident_status"]) == (name, "investigating")
        [first] = incident["updates"]
        assert first["incident_status"] == "investigating"
        examples = {p.read_text() for p in (REPO / "statusfiles").rglob("*.yaml")}
        assert not any(first["message"] in text for text in examples)


# --- posting updates ------------------------------------------------------------------


def test_posting_an_update_stores_it_and_answers_201(api: Api, sandbox: Sandbox) -> None:
    body = update("We found the cause.", incident_status="identified")
    r = api.post(UPDATES, json=body)
    assert r.status_code == 201
    echoed = r.json()["status_page_incident_update"]
    assert ID.fullmatch(echoed["id"])
    assert TIMESTAMP.fullmatch(echoed["published_at"])
    assert (echoed["message"], echoed["incident_status"]) == ("We found the cause.", "identified")
    assert sandbox.updates(API_INCIDENT_ID)[-1] == echoed
    assert sandbox.state.incidents[API_INCIDENT_ID].updates[-1].notify_subscribers is False


def test_updates_echo_the_incidents_effective_state(api: Api, sandbox: Sandbox) -> None:
    def post(**fields: Any) -> dict[str, Any]:
        r = api.post(UPDATES, json=update(**fields))
        assert r.status_code == 201, r.text
        echoed: dict[str, Any] = r.json()["status_page_incident_update"]
        return echoed

    first = post(
        incident_status="identified", component_statuses=statuses(**{PUBLIC_API_ID: "partial_outage"})
    )
    assert first["component_statuses"] == statuses(**{PUBLIC_API_ID: "partial_outage"})
    # Omitted fields mean "unchanged": the echo still carries the whole state.
    same = post()
    assert (same["incident_status"], same["component_statuses"]) == (
        "identified",
        first["component_statuses"],
    )
    more = post(component_statuses=statuses(**{WEBHOOKS_ID: "degraded_performance"}))
    assert more["component_statuses"] == statuses(
        **{PUBLIC_API_ID: "partial_outage", WEBHOOKS_ID: "degraded_performance"}
    )
    resolved = post(incident_status="resolved")
    assert resolved["component_statuses"] == statuses(
        **{PUBLIC_API_ID: "operational", WEBHOOKS_ID: "operational"}
    )

    incident = api.get(f"{INCIDENTS}/{API_INCIDENT_ID}").json()["status_page_incident"]
    assert incident["incident_status"] == "resolved"
    impacts = [(i["component_id"], i["component_status"]) for i in incident["component_impacts"]]
    assert impacts == [
        (PUBLIC_API_ID, "degraded_performance"),  # the seed's
        (PUBLIC_API_ID, "partial_outage"),
        (WEBHOOKS_ID, "degraded_performance"),
    ]
    assert all(i["end_at"] == resolved["published_at"] for i in incident["component_impacts"][1:])
    assert incident["component_impacts"][0]["end_at"] == first["published_at"]


def test_updates_are_shown_newest_first(api: Api, sandbox: Sandbox) -> None:
    for n in range(3):
        api.post(UPDATES, json=update(f"Update {n}"))
    shown = api.get(f"{INCIDENTS}/{API_INCIDENT_ID}").json()["status_page_incident"]["updates"]
    assert [u["message"] for u in shown[:3]] == ["Update 2", "Update 1", "Update 0"]
    assert shown == list(reversed(sandbox.updates(API_INCIDENT_ID)))


def test_unknown_fields_are_ignored_as_the_api_does(api: Api) -> None:
    assert api.post(UPDATES, json=update(colour="red")).status_code == 201


LONG = "x" * 4097


@pytest.mark.parametrize(
    ("fields", "drop", "code", "field"),
    [
        ({}, "message", "is_required", "message"),
        ({}, "notify_subscribers", "is_required", "notify_subscribers"),
        ({}, "status_page_incident_id", "is_required", "status_page_incident_id"),
        ({"notify_subscribers": "yes"}, None, "invalid_type", "notify_subscribers"),
        ({"incident_status": 3}, None, "invalid_type", "incident_status"),
        ({"message": LONG}, None, "too_long", "message"),
        ({"incident_status": "fixed"}, None, "invalid_value", "incident_status"),
        (
            {"component_statuses": statuses(**{PUBLIC_API_ID: "down"})},
            None,
            "invalid_value",
            "component_statuses[0].component_status",
        ),
        ({"message": "   "}, None, "invalid_value", "message"),
        ({"status_page_incident_id": ""}, None, "invalid_value", "status_page_incident_id"),
        (
            {"incident_status": "resolved", "component_statuses": statuses(**{PUBLIC_API_ID: "operational"})},
            None,
            "invalid_value",
            "component_statuses",
        ),
        (
            {"component_statuses": statuses(**{PUBLIC_API_ID: "full_outage"}) * 2},
            None,
            "invalid_value",
            "component_statuses[1].component_id",
        ),
    ],
)
def test_each_invalid_body_is_a_422_naming_the_field(
    api: Api, sandbox: Sandbox, fields: dict[str, Any], drop: str | None, code: str, field: str
) -> None:
    body = update(**fields)
    body.pop(drop or "", None)
    [error] = errors(api.post(UPDATES, json=body), 422, "validation_error")
    assert (error["code"], error["source"]["field"]) == (code, field)
    assert error["source"]["pointer"] == pointer(field)
    assert error["message"]
    assert len(sandbox.updates(API_INCIDENT_ID)) == 1


def test_every_problem_is_reported_at_once(api: Api) -> None:
    body = {"status_page_incident_id": API_INCIDENT_ID, "message": LONG, "incident_status": "fixed"}
    found = errors(api.post(UPDATES, json=body), 422, "validation_error")
    assert sorted((e["code"], e["source"]["field"]) for e in found) == [
        ("invalid_value", "incident_status"),
        ("is_required", "notify_subscribers"),
        ("too_long", "message"),
    ]


def test_a_body_that_is_not_an_object_is_a_422(api: Api) -> None:
    [error] = errors(api.post(UPDATES, json=["a list"]), 422, "validation_error")
    assert error["code"] == "invalid_type"


def test_a_component_not_on_the_incidents_status_page_is_a_422(api: Api, sandbox: Sandbox) -> None:
    body = update(
        component_statuses=statuses(
            **{PUBLIC_API_ID: "operational", "01HZZZZZZZZZZZZZZZZZZZZZZZ": "full_outage"}
        )
    )
    [error] = errors(api.post(UPDATES, json=body), 422, "validation_error")
    assert error["source"]["field"] == "component_statuses[1].component_id"
    assert "01HZZZZZZZZZZZZZZZZZZZZZZZ" in error["message"]
    assert len(sandbox.updates(API_INCIDENT_ID)) == 1


def test_an_unknown_incident_is_a_404(api: Api) -> None:
    [error] = errors(api.post(UPDATES, json=update(status_page_incident_id="0" * 26)), 404, "not_found")
    assert error["source"]["field"] == "status_page_incident_id"


def test_the_101st_update_to_an_incident_is_refused(api: Api, sandbox: Sandbox) -> None:
    for n in range(MAX_UPDATES - 1):  # the seed's opening update is the first of the hundred
        assert api.post(UPDATES, json=update(f"Update {n}")).status_code == 201
    [error] = errors(api.post(UPDATES, json=update("One too many")), 422, "validation_error")
    assert "100" in error["message"]
    assert len(sandbox.updates(API_INCIDENT_ID)) == MAX_UPDATES


@pytest.mark.parametrize("content", [b"{not json", b"", b'{"message": NaN}', b"\xff\xfe{"])
def test_a_body_that_is_not_json_is_a_400(api: Api, content: bytes) -> None:
    r = api.post(UPDATES, content=content, headers={"Content-Type": "application/json"})
    assert errors(r, 400, "invalid_request_error")[0]["code"] == "invalid_json"


def test_a_huge_body_is_a_413(api: Api) -> None:
    r = api.post(UPDATES, json=update("x" * (1 << 20)))
    assert errors(r, 413, "payload_too_large")[0]["code"] == "payload_too_large"


# --- incidents -------------------------------------------------------------------------


def test_creating_an_incident_twice_with_one_key_makes_one_incident(api: Api, sandbox: Sandbox) -> None:
    body = incident_body("alert-1", component_statuses=statuses(**{WEBHOOKS_ID: "full_outage"}))
    first = api.post(INCIDENTS, json=body)
    again = api.post(INCIDENTS, json=body | {"name": "A retry"})
    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json() == again.json()
    incident = first.json()["status_page_incident"]
    assert ID.fullmatch(incident["id"])
    assert [u["component_statuses"] for u in incident["updates"]] == [
        statuses(**{WEBHOOKS_ID: "full_outage"})
    ]
    assert len(sandbox.state.incidents) == 3


@pytest.mark.parametrize(
    ("fields", "status", "code", "field"),
    [
        ({"idempotency_key": None}, 422, "invalid_type", "idempotency_key"),
        ({"name": "x" * 201}, 422, "too_long", "name"),
        ({"status_page_id": "0" * 26}, 404, "not_found", "status_page_id"),
        (
            {"component_statuses": statuses(nope="full_outage")},
            422,
            "invalid_value",
            "component_statuses[0].component_id",
        ),
    ],
)
def test_invalid_incidents_are_refused(
    api: Api, fields: dict[str, Any], status: int, code: str, field: str
) -> None:
    r = api.post(INCIDENTS, json=incident_body("k") | fields)
    [error] = errors(r, status, "validation_error" if status == 422 else "not_found")
    assert (error["code"], error["source"]["field"]) == (code, field)


def test_renaming_an_incident(api: Api) -> None:
    r = api.request("PUT", f"{INCIDENTS}/{API_INCIDENT_ID}", json={"name": "API errors"})
    assert r.status_code == 200
    assert r.json()["status_page_incident"]["name"] == "API errors"


def test_incidents_are_listed_newest_first_a_page_at_a_time(api: Api) -> None:
    created = [
        api.post(INCIDENTS, json=incident_body(f"k{n}")).json()["status_page_incident"]["id"]
        for n in range(3)
    ]
    seen: list[str] = []
    after: str | None = None
    while True:
        params = {"status_page_id": STATUS_PAGE_ID, "page_size": "2"} | ({"after": after} if after else {})
        r = api.get(INCIDENTS, params=params)
        assert r.status_code == 200
        page = r.json()
        assert page["pagination_meta"]["page_size"] == 2
        seen += [i["id"] for i in page["status_page_incidents"]]
        after = page["pagination_meta"].get("after")
        if after is None:
            break
    assert seen == [*reversed(created), API_INCIDENT_ID, DASHBOARD_INCIDENT_ID]


@pytest.mark.parametrize(
    ("query", "code", "field"),
    [
        ("", "is_required", "status_page_id"),
        (f"status_page_id={STATUS_PAGE_ID}&page_size=0", "invalid_value", "page_size"),
        (f"status_page_id={STATUS_PAGE_ID}&page_size=251", "invalid_value", "page_size"),
        (f"status_page_id={STATUS_PAGE_ID}&page_size=ten", "invalid_type", "page_size"),
        (f"status_page_id={STATUS_PAGE_ID}&after=nope", "invalid_value", "after"),
    ],
)
def test_bad_list_parameters_are_422(api: Api, query: str, code: str, field: str) -> None:
    [error] = errors(api.get(f"{INCIDENTS}?{query}"), 422, "validation_error")
    assert (error["code"], error["source"]["field"]) == (code, field)


# --- auth, routes -----------------------------------------------------------------------


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


def test_connections_are_kept_alive(api: Api) -> None:
    first = api.get("/v2/status_pages")
    second = api.get("/v2/status_pages")
    assert first.http_version == second.http_version == "HTTP/1.1"
    assert "close" not in (second.headers.get("connection") or "")


# --- rate limiting -----------------------------------------------------------------------


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


# --- faults -------------------------------------------------------------------------------


@pytest.mark.parametrize(("stage", "stored"), [("before", 1), ("after", 2)])
def test_an_error_fault_answers_500_before_or_after_applying(
    api: Api, sandbox: Sandbox, stage: str, stored: int
) -> None:
    sandbox.add_fault(Fault("error", path=UPDATES, stage=stage))
    [error] = errors(api.post(UPDATES, json=update()), 500, "api_error")
    assert error["code"] == "sandbox_fault"
    assert len(sandbox.updates(API_INCIDENT_ID)) == stored
    assert api.post(UPDATES, json=update()).status_code == 201  # count=1: gone after one request


def test_an_error_fault_can_answer_any_error_status(api: Api, sandbox: Sandbox) -> None:
    sandbox.add_fault(Fault("error", status=409))
    assert errors(api.get("/v2/status_pages"), 409, "conflict")


@pytest.mark.parametrize(("stage", "stored"), [("before", 1), ("after", 2)])
def test_a_drop_fault_closes_the_connection_without_a_response(
    api: Api, sandbox: Sandbox, stage: str, stored: int
) -> None:
    api.get("/v2/status_pages")  # the drop hits a kept-alive connection, as it would in a sync
    sandbox.add_fault(Fault("drop", path=UPDATES, method="POST", stage=stage))
    with pytest.raises(httpx.TransportError):
        api.post(UPDATES, json=update("Lost in transit"))
    # "after": the ambiguous case, stored exactly once though the client saw nothing.
    assert [u["message"] for u in sandbox.updates(API_INCIDENT_ID)].count("Lost in transit") == stored - 1
    assert sandbox.requests()[-1] | {"request_id": ""} == {
        "request_id": "",
        "method": "POST",
        "path": UPDATES,
        "body": update("Lost in transit"),
        "status": None,
        "fault": "drop",
    }
    assert api.get("/v2/status_pages").status_code == 200  # a new connection works


@pytest.mark.parametrize(("stage", "stored"), [("before", 2), ("after", 2)])
def test_a_delay_fault_holds_the_response(api: Api, sandbox: Sandbox, stage: str, stored: int) -> None:
    sandbox.add_fault(Fault("delay", seconds=0.2, stage=stage))
    started = time.monotonic()
    assert api.post(UPDATES, json=update()).status_code == 201
    assert time.monotonic() - started >= 0.2
    assert len(sandbox.updates(API_INCIDENT_ID)) == stored


@pytest.mark.parametrize(("stage", "stored"), [("before", 1), ("after", 2)])
def test_a_hang_fault_holds_then_drops_and_never_applies_late(
    api: Api, sandbox: Sandbox, stage: str, stored: int
) -> None:
    sandbox.add_fault(Fault("hang", path=UPDATES, method="POST", stage=stage, seconds=0.2))
    with pytest.raises(httpx.TransportError):
        api.post(UPDATES, json=update("Into the void"))
    assert sandbox.wait_struck(1, timeout=5)  # the fault is also a point tests can wait for
    assert len(sandbox.updates(API_INCIDENT_ID)) == stored
    assert api.get("/v2/status_pages").status_code == 200


def test_a_rate_limit_fault_answers_429_with_its_retry_after(api: Api, sandbox: Sandbox) -> None:
    sandbox.add_fault(Fault("rate_limit", retry_after=7))
    r = api.post(UPDATES, json=update())
    assert errors(r, 429, "too_many_requests")
    assert r.headers["retry-after"] == "7"
    assert r.json()["rate_limit"]["remaining"] == 0
    assert len(sandbox.updates(API_INCIDENT_ID)) == 1


def test_faults_skip_then_count_then_disappear(api: Api, sandbox: Sandbox) -> None:
    sandbox.add_fault(Fault("error", path=UPDATES, method="post", skip=1, count=2))
    assert api.get(f"{INCIDENTS}/{API_INCIDENT_ID}").status_code == 200  # another method: untouched
    codes = [api.post(UPDATES, json=update(f"{n}")).status_code for n in range(4)]
    assert codes == [201, 500, 500, 201]
    assert sandbox.faults() == []


def test_a_fault_without_a_count_lasts_until_cleared(api: Api, sandbox: Sandbox) -> None:
    sandbox.add_fault(Fault("error", status=503, count=None))
    assert [api.client.get("/v2/status_pages").status_code for _ in range(3)] == [503] * 3
    assert sandbox.clear_faults() == 1
    assert api.get("/v2/status_pages").status_code == 200


@pytest.mark.parametrize(
    "fault",
    [
        {"kind": "explode"},
        {"kind": "error", "status": 200},
        {"kind": "delay", "stage": "during"},
        {"kind": "drop", "count": 0},
    ],
)
def test_invalid_faults_are_refused(fault: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="invalid fault"):
        Fault.from_json(fault)


# --- admin endpoints, the HTML page, persistence -------------------------------------------


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


def test_the_html_page_shows_updates_escaped(api: Api, sandbox: Sandbox) -> None:
    api.post(
        UPDATES,
        json=update(
            "<script>alert(1)</script> & more", component_statuses=statuses(**{WEBHOOKS_ID: "full_outage"})
        ),
    )
    r = api.client.get("/")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    page = r.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in page
    assert "<script>" not in page
    for text in [
        "Acme Cloud",
        "Elevated API error rates",
        "Slow dashboards in the EU",
        "Webhooks",
        "Full outage",
    ]:
        assert text in page
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)  # self-contained


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


# --- the command ----------------------------------------------------------------------------


def start_cli(*args: str) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "sync", "sandbox", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    match = re.fullmatch(r"statusfiles sandbox listening on (http://127\.0\.0\.1:\d+)\n", line)
    assert match, (line, proc.stderr.read() if proc.stderr else "")
    return proc, match[1]


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_the_command_serves_until_signalled(signum: signal.Signals) -> None:
    proc, url = start_cli("--api-key", "cli-secret-key")
    try:
        with httpx.Client(base_url=url, verify=TLS) as client:
            r = client.get("/v2/status_pages", headers={"Authorization": "Bearer cli-secret-key"})
        assert r.status_code == 200
    finally:
        proc.send_signal(signum)
        out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err
    assert out == ""  # nothing after the one line
    assert "GET /v2/status_pages" in err
    assert "cli-secret-key" not in err


def test_the_command_options_reach_the_server(tmp_path: Path) -> None:
    path = tmp_path / "sandbox.json"
    proc, url = start_cli(
        "--no-seed", "--state", str(path), "--read-only-key", "ro", "--rate-limit", "1", "--burst", "2"
    )
    try:
        with httpx.Client(base_url=url, headers={"Authorization": "Bearer ro"}, verify=TLS) as reader:
            r = reader.get("/v2/status_pages")
            assert (r.json()["status_pages"], r.headers["x-ratelimit-limit"]) == ([], "1")
            assert reader.post(UPDATES, json=update()).status_code == 403
            assert reader.get("/v2/status_pages").status_code == 429
        assert json.loads(path.read_text())["incidents"] == []
    finally:
        proc.terminate()
        proc.communicate(timeout=10)
    assert proc.returncode == 0


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("localhost", True),
        ("::1", True),
        ("0.0.0.0", False),
        ("192.0.2.1", False),
        ("example.com", False),
    ],
)
def test_only_loopback_hosts_are_quiet(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback
