"""The sandbox's maintenance windows over real HTTP: create once per key, show, list, reschedule, updates,
and the windows that move themselves. Every /v2 response is checked against the vendored OpenAPI document."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from sync.remote import MAX_UPDATES
from sync.sandbox import Fault, Sandbox, SandboxConfig
from sync.sandbox.seed import (
    API_INCIDENT_ID,
    INTERNAL_PAGE_ID,
    MAINTENANCE_ID,
    PUBLIC_API_ID,
    STATUS_PAGE_ID,
    WEBHOOKS_ID,
)
from tests.support.clock import FakeClock
from tests.support.sandbox_api import (
    ID,
    INCIDENTS,
    MAINTENANCE_UPDATES,
    MAINTENANCES,
    TIMESTAMP,
    Api,
    errors,
    incident_body,
    maintenance_body,
    maintenance_update,
    statuses,
)


def create(api: Api, key: str, **fields: Any) -> dict[str, Any]:
    r = api.post(MAINTENANCES, json=maintenance_body(key, **fields))
    assert r.status_code == 201, r.text
    window: dict[str, Any] = r.json()["status_page_maintenance"]
    return window


def show(api: Api, window_id: str) -> dict[str, Any]:
    r = api.get(f"{MAINTENANCES}/{window_id}")
    assert r.status_code == 200, r.text
    window: dict[str, Any] = r.json()["status_page_maintenance"]
    return window


def test_creating_a_window_answers_with_the_window_and_its_first_update(api: Api) -> None:
    window = create(api, "db-1", start_at="2030-01-28T11:00:00+01:00", end_at="2030-01-28T12:30:00.5+00:00")
    assert ID.fullmatch(window["id"])
    assert TIMESTAMP.fullmatch(window["published_at"])
    assert (window["status_page_id"], window["name"]) == (STATUS_PAGE_ID, "Maintenance db-1")
    assert (window["maintenance_status"], window["automate_maintenance_status"]) == (
        "maintenance_scheduled",
        False,
    )
    # The schedule shows as each affected component's period, in UTC as the API writes times.
    assert window["component_maintenance_periods"] == [
        {
            "component_id": cid,
            "start_at": "2030-01-28T10:00:00.000000Z",
            "end_at": "2030-01-28T12:30:00.500000Z",
        }
        for cid in (PUBLIC_API_ID, WEBHOOKS_ID)
    ]
    [first] = window["updates"]
    assert first["status_page_maintenance_id"] == window["id"]
    assert (first["message"], first["maintenance_status"]) == (
        "We will upgrade the database.",
        "maintenance_scheduled",
    )
    assert first["component_statuses"] == statuses(
        **{PUBLIC_API_ID: "operational", WEBHOOKS_ID: "operational"}
    )
    assert show(api, window["id"]) == window


def test_a_window_created_in_progress_puts_its_components_under_maintenance(api: Api) -> None:
    window = create(
        api, "now", maintenance_status="maintenance_in_progress", automate_maintenance_status=True
    )
    assert window["automate_maintenance_status"] is True
    assert window["updates"][0]["component_statuses"] == statuses(
        **{PUBLIC_API_ID: "under_maintenance", WEBHOOKS_ID: "under_maintenance"}
    )


def test_one_key_makes_one_window_and_gets_the_original_response(api: Api, sandbox: Sandbox) -> None:
    first = api.post(MAINTENANCES, json=maintenance_body("db-2")).json()
    window_id = first["status_page_maintenance"]["id"]
    reschedule = {"name": "Moved", "start_at": "2030-02-01T10:00:00Z", "end_at": "2030-02-01T11:00:00Z"}
    assert api.put(f"{MAINTENANCES}/{window_id}", json=reschedule).status_code == 200
    again = api.post(MAINTENANCES, json=maintenance_body("db-2", name="A retry with another body"))
    assert (again.status_code, again.json()) == (201, first)
    assert len(sandbox.state.maintenances) == 2  # the seed's and this one
    assert show(api, window_id)["name"] == "Moved"


def test_incident_and_window_keys_are_apart(api: Api, sandbox: Sandbox) -> None:
    assert api.post(INCIDENTS, json=incident_body("shared-key")).status_code == 201
    window = create(api, "shared-key")
    assert window["id"] not in sandbox.state.incidents
    assert (len(sandbox.state.incidents), len(sandbox.state.maintenances)) == (3, 2)


def test_rescheduling_changes_the_name_and_times_and_publishes_nothing(api: Api) -> None:
    before = show(api, MAINTENANCE_ID)
    body = {
        "name": "Database upgrade",
        "start_at": "2030-03-01T09:00:00-05:00",
        "end_at": "2030-03-01T15:00:00Z",
    }
    r = api.put(f"{MAINTENANCES}/{MAINTENANCE_ID}", json=body)
    assert r.status_code == 200
    after = r.json()["status_page_maintenance"]
    assert after["name"] == "Database upgrade"
    assert {(p["start_at"], p["end_at"]) for p in after["component_maintenance_periods"]} == {
        ("2030-03-01T14:00:00.000000Z", "2030-03-01T15:00:00.000000Z")
    }
    assert after["updates"] == before["updates"]
    assert show(api, MAINTENANCE_ID) == after


def test_updates_change_the_windows_state_and_show_newest_first(api: Api, sandbox: Sandbox) -> None:
    def post(message: str, **fields: Any) -> dict[str, Any]:
        r = api.post(MAINTENANCE_UPDATES, json=maintenance_update(message, **fields))
        assert r.status_code == 201, r.text
        echoed: dict[str, Any] = r.json()["status_page_maintenance_update"]
        return echoed

    started = post(
        "Started.",
        maintenance_status="maintenance_in_progress",
        component_statuses=statuses(**{PUBLIC_API_ID: "under_maintenance"}),
    )
    assert ID.fullmatch(started["id"])
    assert started["component_statuses"] == statuses(
        **{PUBLIC_API_ID: "under_maintenance", WEBHOOKS_ID: "operational"}
    )
    same = post("Still going.")  # omitted fields mean "unchanged"
    assert (same["maintenance_status"], same["component_statuses"]) == (
        "maintenance_in_progress",
        started["component_statuses"],
    )
    done = post("Done.", maintenance_status="maintenance_complete")
    assert done["component_statuses"] == statuses(
        **{PUBLIC_API_ID: "operational", WEBHOOKS_ID: "operational"}
    )
    window = show(api, MAINTENANCE_ID)
    assert window["maintenance_status"] == "maintenance_complete"
    assert [u["message"] for u in window["updates"][:3]] == ["Done.", "Still going.", "Started."]
    assert sandbox.maintenance_updates(MAINTENANCE_ID)[-3:] == list(reversed(window["updates"][:3]))
    assert sandbox.state.maintenances[MAINTENANCE_ID].updates[-1].notify_subscribers is False


def test_a_component_of_another_page_is_a_422_everywhere(api: Api) -> None:
    elsewhere = "01HZZZZZZZZZZZZZZZZZZZZZZZ"
    [error] = errors(
        api.post(MAINTENANCES, json=maintenance_body("k", affected_component_ids=[PUBLIC_API_ID, elsewhere])),
        422,
        "validation_error",
    )
    assert (error["source"]["field"], elsewhere in error["message"]) == ("affected_component_ids[1]", True)
    body = maintenance_update(component_statuses=statuses(**{elsewhere: "under_maintenance"}))
    [error] = errors(api.post(MAINTENANCE_UPDATES, json=body), 422, "validation_error")
    assert error["source"]["field"] == "component_statuses[0].component_id"
    on_internal = maintenance_body(
        "k", status_page_id=INTERNAL_PAGE_ID, affected_component_ids=[PUBLIC_API_ID]
    )
    assert errors(api.post(MAINTENANCES, json=on_internal), 422, "validation_error")


def test_the_101st_update_to_a_window_is_refused(api: Api, sandbox: Sandbox) -> None:
    for n in range(MAX_UPDATES - 1):  # the seed's first update is the first of the hundred
        assert api.post(MAINTENANCE_UPDATES, json=maintenance_update(f"Update {n}")).status_code == 201
    [error] = errors(
        api.post(MAINTENANCE_UPDATES, json=maintenance_update("One more")), 422, "validation_error"
    )
    assert (error["code"], "100" in error["message"]) == ("too_many_updates", True)
    assert len(sandbox.maintenance_updates(MAINTENANCE_ID)) == MAX_UPDATES


def test_windows_are_listed_newest_first_a_page_at_a_time(api: Api) -> None:
    created = [create(api, f"k{n}")["id"] for n in range(3)]
    seen: list[str] = []
    after: str | None = None
    while True:
        params = {"status_page_id": STATUS_PAGE_ID, "page_size": "2"} | ({"after": after} if after else {})
        page = api.get(MAINTENANCES, params=params).json()
        assert page["pagination_meta"]["page_size"] == 2
        seen += [m["id"] for m in page["status_page_maintenances"]]
        after = page["pagination_meta"].get("after")
        if after is None:
            break
    assert seen == [*reversed(created), MAINTENANCE_ID]
    other = api.get(MAINTENANCES, params={"status_page_id": INTERNAL_PAGE_ID}).json()
    assert other == {"status_page_maintenances": [], "pagination_meta": {"page_size": 25}}


@pytest.mark.parametrize(
    ("query", "status", "code", "field"),
    [
        ("", 422, "is_required", "status_page_id"),
        ("status_page_id=nope", 404, "not_found", "status_page_id"),
        (f"status_page_id={STATUS_PAGE_ID}&page_size=0", 422, "invalid_value", "page_size"),
        (f"status_page_id={STATUS_PAGE_ID}&after=nope", 422, "invalid_value", "after"),
    ],
)
def test_bad_list_parameters_are_refused(api: Api, query: str, status: int, code: str, field: str) -> None:
    r = api.get(f"{MAINTENANCES}?{query}")
    [error] = errors(r, status, "validation_error" if status == 422 else "not_found")
    assert (error["code"], error["source"]["field"]) == (code, field)


def test_an_unknown_window_is_a_404(api: Api) -> None:
    assert errors(api.get(f"{MAINTENANCES}/{'0' * 26}"), 404, "not_found")
    reschedule = {"name": "x", "start_at": "2030-01-01T00:00:00Z", "end_at": "2030-01-01T01:00:00Z"}
    assert errors(api.put(f"{MAINTENANCES}/{'0' * 26}", json=reschedule), 404, "not_found")
    body = maintenance_update(status_page_maintenance_id="0" * 26)
    [error] = errors(api.post(MAINTENANCE_UPDATES, json=body), 404, "not_found")
    assert error["source"]["field"] == "status_page_maintenance_id"


# --- windows that move themselves ---


@pytest.fixture
def timed(clock: FakeClock, make_api: Any) -> Iterator[tuple[Api, FakeClock]]:
    with Sandbox(SandboxConfig(api_key="k", clock=clock)) as sb:
        yield make_api(sb, "k"), clock


def _automated(api: Api, clock: FakeClock, key: str) -> str:
    """A window that moves itself, starting in an hour for an hour."""

    def at(offset: int) -> str:
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(clock.now + offset))

    window = create(api, key, automate_maintenance_status=True, start_at=at(3600), end_at=at(7200))
    return str(window["id"])


def test_an_automated_window_starts_and_completes_on_schedule(timed: tuple[Api, FakeClock]) -> None:
    api, clock = timed
    window_id = _automated(api, clock, "auto")
    assert show(api, window_id)["maintenance_status"] == "maintenance_scheduled"
    clock.advance(3600)
    started = show(api, window_id)
    assert started["maintenance_status"] == "maintenance_in_progress"
    assert started["updates"][0]["component_statuses"] == statuses(
        **{PUBLIC_API_ID: "under_maintenance", WEBHOOKS_ID: "under_maintenance"}
    )
    assert started["updates"][0]["published_at"] == started["component_maintenance_periods"][0]["start_at"]
    clock.advance(7200)  # past the end: complete, and never back
    done = show(api, window_id)
    assert [u["maintenance_status"] for u in done["updates"]] == [
        "maintenance_complete",
        "maintenance_in_progress",
        "maintenance_scheduled",
    ]
    assert show(api, window_id) == done


def test_an_update_that_sets_a_status_turns_automation_off(timed: tuple[Api, FakeClock]) -> None:
    api, clock = timed
    window_id = _automated(api, clock, "manual")
    body = maintenance_update(
        "Postponed.", status_page_maintenance_id=window_id, maintenance_status="maintenance_scheduled"
    )
    assert api.post(MAINTENANCE_UPDATES, json=body).status_code == 201
    clock.advance(3 * 3600)
    window = show(api, window_id)
    assert (window["maintenance_status"], window["automate_maintenance_status"]) == (
        "maintenance_scheduled",
        False,
    )
    assert len(window["updates"]) == 2


# --- auth, limits and faults apply to the new endpoints too ---


def test_a_read_only_key_reads_windows_but_may_not_write(sandbox: Sandbox, make_api: Any) -> None:
    reader = make_api(sandbox, sandbox.config.read_only_keys[0])
    assert reader.get(f"{MAINTENANCES}/{MAINTENANCE_ID}").status_code == 200
    assert reader.get(MAINTENANCES, params={"status_page_id": STATUS_PAGE_ID}).status_code == 200
    reschedule = {"name": "x", "start_at": "2030-01-01T00:00:00Z", "end_at": "2030-01-01T01:00:00Z"}
    for method, path, body in [
        ("POST", MAINTENANCES, maintenance_body("ro")),
        ("PUT", f"{MAINTENANCES}/{MAINTENANCE_ID}", reschedule),
        ("POST", MAINTENANCE_UPDATES, maintenance_update()),
        ("POST", INCIDENTS, incident_body("ro")),
        ("PUT", f"{INCIDENTS}/{API_INCIDENT_ID}", {"name": "x"}),
    ]:
        assert errors(reader.request(method, path, json=body), 403, "resource_forbidden")
    assert len(sandbox.state.maintenances) == 1
    assert len(sandbox.maintenance_updates(MAINTENANCE_ID)) == 1


def test_the_rate_limit_counts_window_requests(clock: FakeClock, make_api: Any) -> None:
    with Sandbox(SandboxConfig(api_key="k", rate_limit=60, burst=1, clock=clock)) as sb:
        client = make_api(sb, "k")
        assert client.post(MAINTENANCES, json=maintenance_body("a")).status_code == 201
        assert errors(client.post(MAINTENANCES, json=maintenance_body("b")), 429, "too_many_requests")
        assert len(sb.state.maintenances) == 2


def test_a_lost_create_response_then_a_retry_makes_one_window(api: Api, sandbox: Sandbox) -> None:
    sandbox.add_fault(Fault("drop", path=MAINTENANCES, method="POST", stage="after"))
    with pytest.raises(httpx.TransportError):
        api.post(MAINTENANCES, json=maintenance_body("lost"))
    retry = create(api, "lost")
    assert list(sandbox.state.maintenances)[-1] == retry["id"]
    assert len(sandbox.state.maintenances) == 2


@pytest.mark.parametrize(
    ("kind", "stage", "applied"),
    [
        ("error", "after", True),
        ("error", "before", False),
        ("hang", "before", False),
        ("drop", "after", True),
    ],
)
def test_faults_strike_puts_before_or_after_applying(
    api: Api, sandbox: Sandbox, kind: str, stage: str, applied: bool
) -> None:
    sandbox.add_fault(Fault(kind, path=f"{MAINTENANCES}/", method="PUT", stage=stage, seconds=0.05))
    body = {"name": "Faulty", "start_at": "2030-01-01T00:00:00Z", "end_at": "2030-01-01T01:00:00Z"}
    try:
        r = api.put(f"{MAINTENANCES}/{MAINTENANCE_ID}", json=body)
    except httpx.TransportError:
        assert kind in ("hang", "drop")
    else:
        assert errors(r, 500, "api_error")[0]["code"] == "sandbox_fault"
    assert sandbox.wait_struck(1, timeout=5)
    assert (sandbox.state.maintenances[MAINTENANCE_ID].name == "Faulty") is applied


def test_a_lost_maintenance_update_response_is_stored_once(api: Api, sandbox: Sandbox) -> None:
    sandbox.add_fault(Fault("drop", path=MAINTENANCE_UPDATES, stage="after"))
    with pytest.raises(httpx.TransportError):
        api.post(MAINTENANCE_UPDATES, json=maintenance_update("Lost in transit"))
    assert [u["message"] for u in sandbox.maintenance_updates(MAINTENANCE_ID)].count("Lost in transit") == 1
