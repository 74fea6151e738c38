"""The pure planner with declared incidents and maintenance windows: creates, PUTs, adoption, order."""

from __future__ import annotations

import json
from dataclasses import replace

from sync import kinds
from sync.planner import Plan, plan
from sync.planview import automation_notice, render_json_plan, render_markdown_plan, render_text_plan
from tests.support.planning import (
    Ledger,
    created,
    declared_incident,
    declared_window,
    folder_update,
    incident,
    posted_in,
    sf,
    update_on_page,
    window,
)


def rules(p: Plan) -> list[tuple[str, str]]:
    return [(d.rule, d.file) for d in p.diagnostics]


def steps(p: Plan) -> list[tuple[str, str | None, list[str]]]:
    """Per object: its declaration's action, and the updates it posts, in order."""
    return [
        (
            inc.declared.file.rel if inc.declared else inc.incident_id,
            inc.declared.action if inc.declared else None,
            [u.file.rel for u in inc.updates if u.action == "create"],
        )
        for inc in p.incidents
    ]


def test_a_declared_incident_is_created_first_then_its_updates_in_natural_order() -> None:
    d = declared_incident("2026-12-01-api")
    files = [folder_update("2026-12-01-api/10-later.yaml"), d, folder_update("2026-12-01-api/2-next.yaml")]
    files.append(sf("old/1.yaml", "elsewhere"))
    p = plan(files, Ledger().state)
    assert steps(p) == [
        (
            "2026-12-01-api/incident.yaml",
            "create",
            ["2026-12-01-api/2-next.yaml", "2026-12-01-api/10-later.yaml"],
        ),
        ("I1", None, ["old/1.yaml"]),
    ]
    inc = p.incidents[0]
    assert inc.declared is not None and inc.incident_id == ""
    assert inc.declared.key == kinds.idempotency_key(
        "incident", d.payload["status_page_id"], "2026-12-01-api"
    )
    assert inc.posted == 1 and inc.status_before == "investigating"  # the create posts the first update
    assert p.has_changes and not p.errors


def test_a_created_object_is_unchanged_and_its_new_updates_carry_its_id() -> None:
    d, u1, u2 = declared_incident("f"), folder_update("f/01.yaml", "one"), folder_update("f/02.yaml", "two")
    ledger = posted_in(created(Ledger(), d, "OBJ"), u1, "OBJ", "U1")
    p = plan([d, u1, u2], ledger.state)
    assert steps(p) == [("f/incident.yaml", None, ["f/02.yaml"])]
    assert p.incidents[0].incident_id == "OBJ" and p.incidents[0].posted == 2 and p.unchanged == 2
    assert not plan([d, u1], ledger.state).has_changes


def test_renaming_a_published_incident_is_a_put_and_a_change() -> None:
    d = declared_incident("f", name="Old name")
    renamed = declared_incident("f", name="New name")
    p = plan([renamed], created(Ledger(), d, "OBJ").state)
    (inc,) = p.incidents
    assert inc.declared is not None and inc.declared.action == "put"
    assert inc.declared.changes == [("name", "Old name", "New name")]
    assert inc.declared.put_body() == {"name": "New name"} and p.has_changes and not p.diagnostics


def test_rescheduling_a_window_is_a_put_with_all_three_fields() -> None:
    d = declared_window("mw", start="2030-01-01T10:00:00Z")
    moved = declared_window("mw", start="2030-01-01T11:00:00+00:00", end="2030-01-01T13:00:00Z")
    p = plan([moved], created(Ledger(), d, "W").state)
    declared = p.incidents[0].declared
    assert declared is not None and declared.action == "put" and p.incidents[0].kind == "maintenance"
    assert [c[0] for c in declared.changes] == ["start_at", "end_at"]
    assert declared.put_body() == {
        "name": "DB upgrade",
        "start_at": "2030-01-01T11:00:00+00:00",
        "end_at": "2030-01-01T13:00:00Z",
    }


def test_editing_any_other_published_field_is_changed_after_publish() -> None:
    d = declared_incident("f", message="Looking.")
    edited = declared_incident("f", name="Renamed too", message="Different first words.")
    p = plan([edited], created(Ledger(), d, "OBJ").state)
    assert rules(p) == [("changed-after-publish", "statusfiles/f/incident.yaml")]
    assert "message differs" in p.errors[0].message and "Only name can change" in p.errors[0].message
    window_edit = declared_window("mw", automate=True)
    p = plan([window_edit], created(Ledger(), declared_window("mw"), "W").state)
    assert rules(p) == [("changed-after-publish", "statusfiles/mw/maintenance.yaml")]


def test_an_unsettled_create_is_sent_again_with_the_recorded_key() -> None:
    d = declared_incident("f")
    ledger = Ledger().add2(
        "create", path=d.rel, sha256=d.sha256, object="incident", key="the-key", payload=d.payload
    )
    p = plan([d, folder_update("f/01.yaml")], ledger.state)
    declared = p.incidents[0].declared
    assert declared is not None and (declared.action, declared.key, declared.unsettled) == (
        "create",
        "the-key",
        True,
    )
    assert ("unsettled", "statusfiles/f/incident.yaml") in rules(p)


def test_after_a_lost_ledger_the_object_and_its_updates_are_adopted_not_created() -> None:
    d, u1, u2 = declared_incident("f"), folder_update("f/01.yaml", "one"), folder_update("f/02.yaml", "two")
    on_page = incident(
        "OBJ",
        update_on_page("R0", "Looking.", second=0),
        update_on_page("R1", "one", second=1),
    )
    on_page = replace(on_page, name="API errors")
    p = plan([d, u1, u2], Ledger().state, remote={}, listed={d.payload["status_page_id"]: [on_page]})
    (inc,) = p.incidents
    assert inc.declared is not None and (inc.declared.action, inc.declared.object_id) == ("adopt", "OBJ")
    assert [(u.file.rel, u.action, u.remote.id if u.remote else None) for u in inc.updates] == [
        ("f/01.yaml", "adopt", "R1"),
        ("f/02.yaml", "create", None),
    ]
    assert p.has_changes  # only f/02.yaml is posted


def test_an_update_repeating_the_first_message_is_not_taken_for_the_create() -> None:
    d, same = declared_incident("f", message="Looking."), folder_update("f/01.yaml", "Looking.")
    on_page = incident("OBJ", update_on_page("R0", "Looking."))
    on_page = replace(on_page, name="API errors")
    p = plan([d, same], Ledger().state, remote={}, listed={d.payload["status_page_id"]: [on_page]})
    assert [u.action for u in p.incidents[0].updates] == ["create"]


def test_another_object_with_the_same_name_but_other_first_words_is_not_adopted() -> None:
    d = declared_incident("f", message="Looking.")
    other = incident("OTHER", update_on_page("R0", "Something else."))
    other = replace(other, name="API errors")
    claimed = incident("MINE", update_on_page("R1", "Looking."))
    claimed = replace(claimed, name="API errors")
    mine = declared_incident("g", message="Looking.")
    p = plan(
        [d, mine],
        created(Ledger(), mine, "MINE").state,
        remote={},
        listed={d.payload["status_page_id"]: [other, claimed]},
    )
    assert p.incidents[0].declared is not None and p.incidents[0].declared.action == "create"


def test_a_window_is_adopted_by_name_and_first_message_and_its_updates_too() -> None:
    d, u = declared_window("mw"), folder_update("mw/01.yaml", "Starting now.", "maintenance_in_progress")
    on_page = window(
        "W",
        "DB upgrade",
        update_on_page("R0", "Upgrading the database.", "maintenance_scheduled", 0),
        update_on_page("R1", "Starting now.", "maintenance_in_progress", 1),
    )
    p = plan([d, u], Ledger().state, remote={}, listed={d.payload["status_page_id"]: [on_page]})
    (inc,) = p.incidents
    assert inc.declared is not None and inc.declared.action == "adopt" and inc.kind == "maintenance"
    assert [u.action for u in inc.updates] == ["adopt"] and not p.has_changes


def test_a_renamed_folder_is_the_same_object_never_created_again() -> None:
    d = declared_incident("old-folder")
    ledger = created(Ledger(), d, "OBJ")
    p = plan([declared_incident("new-folder")], ledger.state)
    declared = p.incidents[0].declared
    assert declared is not None and (declared.action, declared.object_id) == ("move", "OBJ")
    assert not p.has_changes


def test_a_folder_moved_and_renamed_at_once_is_an_error_not_a_second_incident() -> None:
    d = declared_incident("old-folder")
    ledger = created(Ledger(), d, "OBJ")
    p = plan([declared_incident("new-folder", name="New name")], ledger.state)
    assert rules(p) == [("moved-and-edited", "statusfiles/new-folder/incident.yaml")]
    assert not p.creates and not p.declared("create")


def test_a_new_incident_beside_a_deleted_one_is_created() -> None:
    ledger = created(Ledger(), declared_incident("old-folder"), "OBJ")
    fresh = declared_incident("new-folder", name="Another outage", message="Something else broke.")
    p = plan([fresh], ledger.state)
    assert [d.action for d in p.declared("create")] == ["create"]
    assert rules(p) == [("deleted-after-publish", "statusfiles/old-folder/incident.yaml")]


def test_a_created_object_missing_from_the_page_is_an_error() -> None:
    d = declared_incident("f")
    p = plan([d, folder_update("f/01.yaml")], created(Ledger(), d, "OBJ").state, remote={"OBJ": None})
    assert rules(p) == [("object-not-found", "statusfiles/f/incident.yaml")]


def test_a_deleted_declaration_is_a_warning() -> None:
    p = plan([], created(Ledger(), declared_incident("f"), "OBJ").state)
    assert rules(p) == [("deleted-after-publish", "statusfiles/f/incident.yaml")] and not p.errors


def test_a_window_is_limited_to_100_updates_like_an_incident() -> None:
    d = declared_window("mw")
    files = [d, *(folder_update(f"mw/{n:03d}.yaml", f"step {n}") for n in range(100))]
    p = plan(files, Ledger().state)
    assert rules(p) == [("too-many-updates", "statusfiles/mw/099.yaml")]
    assert 'maintenance window "DB upgrade" would have more than 100' in p.errors[0].message


def test_updates_to_a_completed_window_warn() -> None:
    d = declared_window("mw")
    files = [
        d,
        folder_update("mw/01.yaml", "Done.", "maintenance_complete"),
        folder_update("mw/02.yaml", "Oh, one more."),
    ]
    p = plan(files, Ledger().state)
    assert ("after-resolved", "statusfiles/mw/02.yaml") in rules(p)
    assert "maintenance window that is already complete" in next(
        d.message for d in p.diagnostics if d.rule == "after-resolved"
    )


def test_views_show_times_in_utc_and_the_automation_notice() -> None:
    d = declared_window(
        "mw", start="2030-01-01T10:00:00+01:00", end="2030-01-01T12:30:00+01:00", automate=True
    )
    p = plan([d, folder_update("mw/01.yaml", "Soon.")], Ledger().state)
    text = render_text_plan(p)
    assert "schedule:   2030-01-01 09:00 to 11:30 UTC" in text
    assert (
        "moves itself to in progress at 2030-01-01 09:00 UTC and to complete at 2030-01-01 11:30 UTC" in text
    )
    assert text.index("create maintenance window") < text.index("mw/01.yaml")  # the create, then its update
    assert "automate_maintenance_status" in render_markdown_plan(p)
    (obj,) = json.loads(render_json_plan(p))["incidents"]
    assert obj["declaration"]["schedule"] == {
        "start_at_utc": "2030-01-01T09:00:00Z",
        "end_at_utc": "2030-01-01T11:30:00Z",
    }
    assert "subscribers are not notified" in obj["declaration"]["automation_notice"]
    assert automation_notice(p.incidents[0].declared) is not None  # type: ignore[arg-type]
    plain = plan([declared_window("mw")], Ledger().state)
    assert "automated" not in render_text_plan(plain)
    assert json.loads(render_json_plan(plain))["summary"]["create"] == 1
