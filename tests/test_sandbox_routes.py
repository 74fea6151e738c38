"""The sandbox's Status Pages V2 endpoints over real HTTP: what each one reads, stores and answers.

Every /v2 response is checked against the vendored OpenAPI document by the ``api`` client.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from sync.sandbox import Sandbox
from sync.sandbox.seed import (
    API_INCIDENT_ID,
    CI_RUNNERS_ID,
    DASHBOARD_EU_ID,
    DASHBOARD_INCIDENT_ID,
    DASHBOARD_US_ID,
    DASHBOARDS_GROUP_ID,
    INTERNAL_PAGE_ID,
    OFFICE_GROUP_ID,
    PUBLIC_API_ID,
    STATUS_PAGE_ID,
    VPN_ID,
    WEBHOOKS_ID,
)
from sync.sandbox.statuses import (
    COMPONENT_STATUSES,
    INCIDENT_STATUSES,
    MAINTENANCE_COMPONENT_STATUSES,
    MAINTENANCE_STATUSES,
)
from sync.schema import load_spec
from tests.support.sandbox_api import (
    ID,
    INCIDENTS,
    TIMESTAMP,
    UPDATES,
    Api,
    errors,
    incident_body,
    statuses,
    update,
)

REPO = Path(__file__).resolve().parent.parent


def test_lists_the_seeded_status_pages_a_page_at_a_time(api: Api) -> None:
    r = api.get("/v2/status_pages")
    assert r.status_code == 200
    assert r.json()["status_pages"] == [
        {"id": STATUS_PAGE_ID, "name": "Acme Cloud", "public_url": "https://status.acme.example/"},
        {
            "id": INTERNAL_PAGE_ID,
            "name": "Acme Internal",
            "public_url": "https://status.internal.acme.example/",
        },
    ]
    assert r.json()["pagination_meta"] == {"page_size": 25}
    first = api.get("/v2/status_pages", params={"page_size": "1"}).json()
    assert ([p["id"] for p in first["status_pages"]], first["pagination_meta"]) == (
        [STATUS_PAGE_ID],
        {"page_size": 1, "after": STATUS_PAGE_ID},
    )
    rest = api.get("/v2/status_pages", params={"page_size": "1", "after": STATUS_PAGE_ID}).json()
    assert [p["id"] for p in rest["status_pages"]] == [INTERNAL_PAGE_ID]
    assert "after" not in rest["pagination_meta"]


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
                        "components": [
                            {"component_id": DASHBOARD_EU_ID, "name": "Dashboard (EU)"},
                            {"component_id": DASHBOARD_US_ID, "name": "Dashboard (US)"},
                        ],
                    }
                },
                {"component": {"component_id": WEBHOOKS_ID, "name": "Webhooks"}},
            ]
        }
    }
    other = api.get(f"/v2/status_page_structures/{INTERNAL_PAGE_ID}").json()["current_structure"]["items"]
    assert other == [
        {"component": {"component_id": CI_RUNNERS_ID, "name": "CI runners"}},
        {
            "group": {
                "id": OFFICE_GROUP_ID,
                "name": "Office",
                "components": [{"component_id": VPN_ID, "name": "VPN"}],
            }
        },
    ]


def test_the_seed_keeps_the_ids_the_example_statusfiles_use() -> None:
    text = "\n".join(p.read_text() for p in (REPO / "statusfiles").rglob("*.yaml"))
    seeded = {
        API_INCIDENT_ID,
        DASHBOARD_INCIDENT_ID,
        PUBLIC_API_ID,
        DASHBOARD_EU_ID,
        DASHBOARD_US_ID,
        WEBHOOKS_ID,
    }
    used = set(re.findall(r"01[0-9A-Z]{24}", text))
    assert used and used <= seeded | {STATUS_PAGE_ID}


def test_the_sandboxs_statuses_are_the_specs() -> None:
    schemas = load_spec()["components"]["schemas"]

    def enum(schema: str, prop: str) -> tuple[str, ...]:
        return tuple(schemas[schema]["properties"][prop]["enum"])

    assert enum("StatusPageIncidentV2", "incident_status") == INCIDENT_STATUSES
    assert enum("StatusPageIncidentAffectedComponentV2", "component_status") == COMPONENT_STATUSES
    assert enum("StatusPageMaintenanceV2", "maintenance_status") == MAINTENANCE_STATUSES
    assert (
        enum("StatusPageMaintenanceAffectedComponentV2", "component_status") == MAINTENANCE_COMPONENT_STATUSES
    )


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


def test_a_reused_key_gets_the_original_response_even_after_the_incident_changed(api: Api) -> None:
    first = api.post(INCIDENTS, json=incident_body("alert-2")).json()
    created = first["status_page_incident"]["id"]
    assert api.put(f"{INCIDENTS}/{created}", json={"name": "Renamed"}).status_code == 200
    assert api.post(UPDATES, json=update("Later", status_page_incident_id=created)).status_code == 201
    replay = api.post(INCIDENTS, json=incident_body("alert-2", message="Something else"))
    assert (replay.status_code, replay.json()) == (201, first)
    shown = api.get(f"{INCIDENTS}/{created}").json()["status_page_incident"]
    assert (shown["name"], len(shown["updates"])) == ("Renamed", 2)


def test_a_key_is_checked_after_the_body_and_kept_only_for_a_create_that_happened(api: Api) -> None:
    assert errors(api.post(INCIDENTS, json=incident_body("k", name=None)), 422, "validation_error")
    unknown_page = incident_body("k", status_page_id="0" * 26)
    assert errors(api.post(INCIDENTS, json=unknown_page), 404, "not_found")
    assert api.post(INCIDENTS, json=incident_body("k")).status_code == 201


def test_renaming_an_incident_changes_only_its_name(api: Api, sandbox: Sandbox) -> None:
    before = api.get(f"{INCIDENTS}/{API_INCIDENT_ID}").json()["status_page_incident"]
    r = api.put(f"{INCIDENTS}/{API_INCIDENT_ID}", json={"name": "API errors"})
    assert r.status_code == 200
    assert r.json()["status_page_incident"] == before | {"name": "API errors"}
    assert api.get(f"{INCIDENTS}/{API_INCIDENT_ID}").json()["status_page_incident"]["name"] == "API errors"
    assert errors(api.put(f"{INCIDENTS}/{'0' * 26}", json={"name": "x"}), 404, "not_found")


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
