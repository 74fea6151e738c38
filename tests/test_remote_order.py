"""Times read from the page are ordered by the instant they name, not as text: the API may write a
fraction or an offset, and updates are matched to statusfiles in the order they were published."""

from __future__ import annotations

from sync.importer import selected
from sync.remote import RemoteIncident, RemoteUpdate, chronological, parse_maintenance
from sync.timefmt import order


def update(update_id: str, published_at: str) -> RemoteUpdate:
    return RemoteUpdate(
        id=update_id, message="m", incident_status="investigating", components={}, published_at=published_at
    )


def test_order_sorts_by_instant_not_text() -> None:
    times = ["2026-12-01T10:00:00Z", "2026-12-01T10:00:00.5Z", "2026-12-01T11:30:00+02:00", "not a time"]
    assert sorted(times, key=order) == [
        "2026-12-01T11:30:00+02:00",  # 09:30 UTC
        "2026-12-01T10:00:00Z",
        "2026-12-01T10:00:00.5Z",
        "not a time",
    ]


def test_chronological_puts_a_fraction_after_the_whole_second() -> None:
    first, second = update("a", "2026-12-01T10:00:00Z"), update("b", "2026-12-01T10:00:00.250Z")
    assert [u.id for u in chronological([second, first])] == ["a", "b"]


def test_chronological_compares_offsets_as_instants() -> None:
    earlier = update("a", "2026-12-01T11:00:00+02:00")  # 09:00 UTC
    later = update("b", "2026-12-01T10:00:00Z")
    assert [u.id for u in chronological([later, earlier])] == ["a", "b"]


def test_a_window_spans_the_earliest_start_and_latest_end_as_instants() -> None:
    body = {
        "status_page_maintenance": {
            "id": "M1",
            "name": "Database upgrade",
            "maintenance_status": "maintenance_scheduled",
            "status_page_id": "P1",
            "updates": [],
            "automate_maintenance_status": False,
            "component_maintenance_periods": [
                {"component_id": "C1", "start_at": "2030-01-01T10:00:00Z", "end_at": "2030-01-01T12:00:00Z"},
                {
                    "component_id": "C2",
                    "start_at": "2030-01-01T11:00:00+02:00",  # 09:00 UTC: the earliest start
                    "end_at": "2030-01-01T13:30:00+02:00",  # 11:30 UTC: before C1's end
                },
            ],
        }
    }
    window = parse_maintenance(body, "M1")
    assert window.start_at == "2030-01-01T11:00:00+02:00"
    assert window.end_at == "2030-01-01T12:00:00Z"


def test_since_takes_the_utc_date_of_an_update() -> None:
    # 23:30 at -05:00 on the 19th is 04:30 UTC on the 20th.
    late = RemoteIncident(
        id="I1", name="n", incident_status="resolved", updates=(update("u", "2026-11-19T23:30:00-05:00"),)
    )
    early = RemoteIncident(
        id="I2", name="n", incident_status="resolved", updates=(update("v", "2026-11-20T01:00:00+03:00"),)
    )
    assert [o.id for o in selected([late, early], since="2026-11-20")] == ["I1"]
