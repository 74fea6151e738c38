"""Sandbox faults: each kind, before or after applying the request, counted and cleared."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from sync.sandbox import Fault, Sandbox
from sync.sandbox.seed import (
    API_INCIDENT_ID,
)
from tests.support.sandbox_api import INCIDENTS, UPDATES, Api, errors, update


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
