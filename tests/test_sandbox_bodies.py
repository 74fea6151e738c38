"""The sandbox's request checks: every invalid body or query is refused as the API does, naming the field."""

from __future__ import annotations

from typing import Any

import pytest

from sync.remote import MAX_UPDATES
from sync.sandbox import Sandbox
from sync.sandbox.seed import (
    API_INCIDENT_ID,
    MAINTENANCE_ID,
    PUBLIC_API_ID,
    STATUS_PAGE_ID,
)
from tests.support.sandbox_api import (
    INCIDENTS,
    MAINTENANCE_UPDATES,
    MAINTENANCES,
    UPDATES,
    Api,
    errors,
    incident_body,
    maintenance_body,
    maintenance_update,
    pointer,
    statuses,
    update,
)

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


def test_a_body_nested_past_the_json_parser_is_a_400_and_logged(api: Api, sandbox: Sandbox) -> None:
    deep = b"[" * 100_000 + b"]" * 100_000  # well under the size cap
    for path in (UPDATES, INCIDENTS, MAINTENANCES, "/_sandbox/faults"):
        r = api.post(path, content=deep, headers={"Content-Type": "application/json"})
        assert errors(r, 400, "invalid_request_error")[0]["code"] == "invalid_json", path
    logged = api.get("/_sandbox/requests")  # its bodies are shown as JSON: never a dropped connection
    assert [(e["path"], e["status"], e["body"]) for e in logged.json()["requests"]] == [
        (UPDATES, 400, None),
        (INCIDENTS, 400, None),
        (MAINTENANCES, 400, None),
    ]


def test_a_huge_body_is_a_413(api: Api) -> None:
    r = api.post(UPDATES, json=update("x" * (1 << 20)))
    assert errors(r, 413, "payload_too_large")[0]["code"] == "payload_too_large"


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


SCHEDULE = {"name": "Upgrade", "start_at": "2030-01-28T10:00:00Z", "end_at": "2030-01-28T12:00:00Z"}
NAIVE = "2030-01-28T10:00:00"


@pytest.mark.parametrize(
    ("path", "body", "code", "field"),
    [
        (MAINTENANCES, maintenance_body("k", idempotency_key=None), "invalid_type", "idempotency_key"),
        (MAINTENANCES, maintenance_body("k", name="x" * 201), "too_long", "name"),
        (
            MAINTENANCES,
            maintenance_body("k", maintenance_status="done"),
            "invalid_value",
            "maintenance_status",
        ),
        (
            MAINTENANCES,
            maintenance_body("k", affected_component_ids=None),
            "invalid_type",
            "affected_component_ids",
        ),
        (MAINTENANCES, maintenance_body("k", start_at=NAIVE), "invalid_value", "start_at"),
        (MAINTENANCES, maintenance_body("k", end_at="2030-02-30T10:00:00Z"), "invalid_value", "end_at"),
        (MAINTENANCES, maintenance_body("k", end_at="tomorrow"), "invalid_value", "end_at"),
        (MAINTENANCES, maintenance_body("k", end_at="2030-01-28T10:00:00Z"), "invalid_value", "end_at"),
        (
            MAINTENANCES,
            maintenance_body("k", affected_component_ids=[PUBLIC_API_ID, PUBLIC_API_ID]),
            "invalid_value",
            "affected_component_ids[1]",
        ),
        (f"{MAINTENANCES}/{MAINTENANCE_ID}", SCHEDULE | {"end_at": NAIVE}, "invalid_value", "end_at"),
        (
            f"{MAINTENANCES}/{MAINTENANCE_ID}",
            SCHEDULE | {"end_at": "2030-01-28T09:00:00Z"},
            "invalid_value",
            "end_at",
        ),
        (f"{MAINTENANCES}/{MAINTENANCE_ID}", {"name": "Upgrade", "start_at": NAIVE}, "is_required", "end_at"),
        (f"{INCIDENTS}/{API_INCIDENT_ID}", {}, "is_required", "name"),
        (f"{INCIDENTS}/{API_INCIDENT_ID}", {"name": "x" * 201}, "too_long", "name"),
        (MAINTENANCE_UPDATES, maintenance_update(message=" "), "invalid_value", "message"),
        (
            MAINTENANCE_UPDATES,
            maintenance_update(status_page_maintenance_id=""),
            "invalid_value",
            "status_page_maintenance_id",
        ),
        (
            MAINTENANCE_UPDATES,
            maintenance_update(maintenance_status="resolved"),
            "invalid_value",
            "maintenance_status",
        ),
        (
            MAINTENANCE_UPDATES,
            maintenance_update(component_statuses=statuses(**{PUBLIC_API_ID: "full_outage"})),
            "invalid_value",
            "component_statuses[0].component_status",
        ),
        (
            MAINTENANCE_UPDATES,
            maintenance_update(
                maintenance_status="maintenance_complete",
                component_statuses=statuses(**{PUBLIC_API_ID: "operational"}),
            ),
            "invalid_value",
            "component_statuses",
        ),
    ],
)
def test_each_invalid_window_or_rename_is_a_422_naming_the_field(
    api: Api, sandbox: Sandbox, path: str, body: dict[str, Any], code: str, field: str
) -> None:
    method = "PUT" if path.count("/") == 3 else "POST"
    before = sandbox.state.to_json()
    problems = errors(api.request(method, path, json=body), 422, "validation_error")
    [error] = [e for e in problems if e["source"]["field"] == field]
    assert (error["code"], error["source"]["pointer"]) == (code, pointer(field))
    assert error["message"]
    assert sandbox.state.to_json() == before
