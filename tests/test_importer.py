"""The pure core of ``import`` and ``drift``: which updates git lacks, the files that record them, and
how the page differs from git."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from sync import importer, kinds
from sync.remote import RemoteIncident, RemoteMaintenance, RemoteUpdate
from sync.statusfile import Statusfile
from tests.support.planning import Ledger, load, sf

PAGE = "P1"


def update(uid: str, message: str, status: str, at: int, **components: str) -> RemoteUpdate:
    return RemoteUpdate(uid, message, status, components, f"2026-11-2{at // 10}T00:00:{at % 10:02d}Z")


def tree(
    files: Sequence[Statusfile] = (),
    history: Ledger | None = None,
    folders: dict[str, list[str]] | None = None,
) -> importer.Tree:
    return importer.Tree.of(list(files), (history or Ledger()).state, folders or {"": []})


def test_an_incident_created_elsewhere_becomes_a_folder_in_publish_order() -> None:
    obj = RemoteIncident(
        "I9",
        "Login failures!",
        "identified",
        (
            update("U2", "Cause found.", "identified", 52),
            update("U1", "  Looking.\n", "investigating", 51, C1="partial_outage"),
        ),
        status_page_id=PAGE,
    )
    (imp,) = importer.plan_import([obj], tree(folders={"": [], "2026-11-25-login-failures": []}))
    assert imp.fresh and imp.folder == "2026-11-25-login-failures-2"  # the name in use is never reused
    declaration, later = imp.files
    assert declaration.rel == "2026-11-25-login-failures-2/incident.yaml" and declaration.declares
    assert declaration.payload == {
        "status_page_id": PAGE,
        "name": "Login failures!",
        "incident_status": "investigating",
        "component_statuses": [{"component_id": "C1", "component_status": "partial_outage"}],
        "notify_subscribers": False,
        "message": "Looking.",
    }
    assert later.rel == "2026-11-25-login-failures-2/01-identified.yaml"
    assert later.payload == {
        "incident_status": "identified",
        "notify_subscribers": False,
        "message": "Cause found.",
    }


def test_an_object_read_twice_is_imported_once() -> None:
    # Listed on two status pages, or on two pages of a listing: one folder, each update once.
    obj = RemoteIncident(
        "I9",
        "API",
        "identified",
        (update("U1", "Looking.", "investigating", 51), update("U2", "Found.", "identified", 52)),
        PAGE,
    )
    plans = importer.plan_import([obj, obj], tree())
    assert [(p.obj.id, [f.rel for f in p.files]) for p in plans] == [
        ("I9", ["2026-11-25-api/incident.yaml", "2026-11-25-api/01-identified.yaml"])
    ]


@pytest.mark.parametrize(
    ("name", "folder"),
    [
        ("Café outage", "2026-11-25-cafe-outage"),
        ("Панель: сбой", "2026-11-25-incident"),  # no Latin letters: named by its kind, as before
        ("Сбой 2", "2026-11-25-2"),
    ],
)
def test_an_imported_incident_is_named_by_its_title_with_accents_dropped(name: str, folder: str) -> None:
    obj = RemoteIncident("I9", name, "investigating", (update("U1", "x", "investigating", 51),), PAGE)
    (imp,) = importer.plan_import([obj], tree())
    assert imp.folder == folder


def test_updates_to_a_tracked_incident_follow_its_files_and_pending_ones_are_left_to_sync() -> None:
    first, second, pending = sf("x/01-a.yaml", "one"), sf("x/02-b.yaml", "two"), sf("x/03-c.yaml", "three")
    history = Ledger().posted(first, update_id="U1").posted(second, update_id="U3")
    obj = RemoteIncident(
        "I1",
        "API",
        "investigating",
        (
            update("U0", "Opened in the dashboard.", "investigating", 50),
            update("U1", "one", "investigating", 51),
            update("U2", "From Slack, in between.", "resolved", 52, C1="operational"),
            update("U3", "two", "investigating", 53),
            update("U4", "three", "investigating", 54),
        ),
    )
    (imp,) = importer.plan_import([obj], tree([first, second, pending], history))
    assert not imp.fresh and [f.rel for f in imp.files] == ["x/04-resolved.yaml"]
    assert imp.files[0].payload == {
        "status_page_incident_id": "I1",
        "incident_status": "resolved",  # resolved: no components
        "notify_subscribers": False,
        "message": "From Slack, in between.",
    }
    assert [(a.file.rel, a.remote.id) for a in imp.adoptable] == [("x/03-c.yaml", "U4")]


def _login_failures() -> RemoteIncident:
    first = update("U1", "Looking.", "investigating", 51)
    return RemoteIncident(
        "I9", "Login failures", "identified", (update("U2", "Found.", "identified", 52), first), PAGE
    )


def test_files_an_import_wrote_and_did_not_record_are_recorded_not_written_again() -> None:
    """What an import that stopped after its files and before their records left: the same folder, the
    same files, each to be recorded; only what it had not written yet is written."""
    obj = _login_failures()
    (first,) = importer.plan_import([obj], tree())
    folder = first.folder
    declaration = load(f"{folder}/incident.yaml", first.files[0].payload, first.files[0].placement)
    half_done = [
        declaration,
        load(f"{folder}/01-identified.yaml", first.files[1].payload, first.files[1].placement),
    ]
    for on_disk in (half_done[:1], half_done):
        (again,) = importer.plan_import([obj], tree(on_disk))
        assert again.folder == folder and again.fresh
        assert [(f.rel, f.payload, f.written) for f in again.files] == [
            (f.rel, f.payload, on_disk[i] if i < len(on_disk) else None) for i, f in enumerate(first.files)
        ]


@pytest.mark.parametrize("recorded", [False, True])
def test_a_declaration_that_is_not_exactly_what_import_writes_is_another_objects(recorded: bool) -> None:
    """Same name, another first message (or a folder the ledger gives another object): a folder of its own."""
    obj = _login_failures()
    (first,) = importer.plan_import([obj], tree())
    new = first.files[0]
    payload = new.payload if recorded else {**new.payload, "message": "Logins are slow."}
    other = load(new.rel, payload, kinds.Placement("incident", new.rel))
    history = Ledger().add2(
        "created",
        path=other.rel,
        sha256=other.sha256,
        object="incident",
        key="k",
        id="I8",
        published_at="t",
        payload=payload,
    )
    (imp,) = importer.plan_import(
        [obj], tree([other], history if recorded else None, {"": [], first.folder: []})
    )
    assert imp.folder == f"{first.folder}-2"
    assert all(f.written is None for f in imp.files)


def test_a_declaration_written_for_a_twin_on_another_day_stays_the_twins() -> None:
    """Two incidents alike but for their first day: the folder an interrupted import wrote for the later
    one is never recorded for the earlier, which the next import (of both) reaches first."""
    earlier = RemoteIncident(
        "I1", "Login failures", "investigating", (update("U1", "Looking.", "investigating", 51),), PAGE
    )
    later = RemoteIncident(
        "I2", "Login failures", "investigating", (update("U2", "Looking.", "investigating", 61),), PAGE
    )
    (alone,) = importer.plan_import([later], tree())
    new = alone.files[0]
    written = load(new.rel, new.payload, new.placement)
    a, b = importer.plan_import([later, earlier], tree([written]))
    assert (a.obj, b.obj) == (earlier, later)
    assert a.folder == "2026-11-25-login-failures" and a.files[0].written is None
    assert b.folder == alone.folder == "2026-11-26-login-failures" and b.files[0].written == written


def test_a_copy_of_a_post_of_statusfiles_own_whose_outcome_is_unknown_is_never_recorded_for_it() -> None:
    """An unrecorded file holding what import would write for an update that is the landing of statusfiles'
    own intent (a copy of its file, made to draft the next update) is not recorded for it: the update stays
    sync's to settle, which it could not if import had claimed it, and would post the intent again."""
    first = sf("x/01-a.yaml", "one")
    obj = RemoteIncident(
        "I1",
        "API",
        "investigating",
        (
            update("U0", "Opened in the dashboard.", "investigating", 50),
            update("U1", "one", "investigating", 51),
            update("U2", "two", "investigating", 52),
        ),
    )
    payload = importer.update_payload(obj, obj.updates[2], declared=False)
    own, copy = load("x/02-b.yaml", payload), load("x/03-c.yaml", payload)
    history = Ledger().posted(first, update_id="U1").intent(own)
    (imp,) = importer.plan_import([obj], tree([first, own, copy], history))
    assert imp.files == ()
    assert [(a.file.rel, a.remote.id) for a in imp.adoptable] == [("x/02-b.yaml", "U2")]


def test_a_window_without_times_cannot_be_imported() -> None:
    obj = RemoteMaintenance(
        "M1", "Upgrade", "maintenance_scheduled", (update("U1", "m", "maintenance_scheduled", 50),)
    )
    (imp,) = importer.plan_import([obj], tree())
    assert imp.problem and not imp.files


def test_selected_by_id_open_and_date() -> None:
    old = RemoteIncident("A", "a", "resolved", (update("U1", "m", "resolved", 10),))
    new = RemoteIncident("B", "b", "resolved", (update("U2", "m", "resolved", 50),))
    live = RemoteIncident("C", "c", "monitoring", (update("U3", "m", "monitoring", 10),))
    objs = [old, new, live]
    assert [o.id for o in importer.selected(objs, ids=["A"])] == ["A"]
    assert [o.id for o in importer.selected(objs, open_only=True)] == ["C"]
    assert [o.id for o in importer.selected(objs, since="2026-11-25")] == ["B"]


def test_drift_names_missing_objects_and_renames() -> None:
    window = RemoteMaintenance(
        "M1",
        "DB upgrade (moved)",
        "maintenance_scheduled",
        (update("U1", "m", "maintenance_scheduled", 50),),
        status_page_id=PAGE,
        start_at="2030-01-01T11:00:00Z",
        end_at="2030-01-01T12:00:00Z",
    )
    closed = RemoteIncident("I2", "Old", "resolved", (update("U9", "m", "resolved", 10),))
    history = Ledger().add2(
        "created",
        path="w/maintenance.yaml",
        sha256="s",
        object="maintenance",
        key="k",
        id="M1",
        published_at="t",
        payload={
            "name": "DB upgrade",
            "start_at": "2030-01-01T10:00:00Z",
            "end_at": "2030-01-01T13:00:00+01:00",
        },
    )
    found = importer.drift([window, closed], tree([], history), None, {})
    assert {(d.kind, d.folder) for d in found} == {("renamed", "w"), ("rescheduled", "w")}
    (moved,) = [d for d in found if d.kind == "rescheduled"]
    assert "start_at" in moved.detail  # 13:00+01:00 is 12:00Z: the end did not move
    everything = importer.drift([window, closed], tree([], history), None, {}, everything=True)
    assert ("object-missing", "Old") in {(d.kind, d.name) for d in everything}


def test_drift_names_a_folder_as_the_statusfiles_are_named() -> None:
    """From the repository, ``statusfiles/f/``; from inside the statusfiles directory (root "."), ``f/``."""
    d = importer.Drift("update-missing", "API errors", "2026-11-26-api", "one update is not in git")
    assert "[statusfiles/2026-11-26-api/]" in importer.drift_text([d], "statusfiles")
    assert "[2026-11-26-api/]" in importer.drift_text([d], ".")
    assert "| `2026-11-26-api/` |" in importer.drift_markdown([d], ".")


def test_drift_escapes_a_folder_from_the_ledger() -> None:
    # A renamed object's folder is its ledger record's, and anyone can edit the ledger.
    d = importer.Drift("renamed", "API", "a\n::error::x`|", "named 'B' on the page, 'A' in git")
    first = importer.drift_text([d], ".").splitlines()[0]
    assert first.endswith("[a\\n::error::x`|/]")
    table = importer.drift_markdown([d], ".").splitlines()[-1]
    assert table.startswith("| renamed | API | `a\\n::error::x'¦/` |"), table


def test_many_updates_and_many_objects_of_one_name_are_numbered_as_new_numbers_them() -> None:
    ups = tuple(update(f"U{i}", f"Update {i}.", "identified", 50) for i in range(102))
    many = RemoteIncident("I1", "API", "identified", ups, PAGE)
    alike = [RemoteIncident(f"I{i}", "API", "identified", (ups[0],), PAGE) for i in range(2, 5)]
    taken = {"": [], "2026-11-25-api": [], "2026-11-25-api-3": []}
    plans = importer.plan_import([many, *alike], tree(folders=taken))
    assert [p.folder for p in plans] == [
        "2026-11-25-api-2",
        "2026-11-25-api-4",
        "2026-11-25-api-5",
        "2026-11-25-api-6",
    ]
    names = [f.rel.rsplit("/", 1)[1] for f in plans[0].files[1:]]
    assert names[:2] == ["01-identified.yaml", "02-identified.yaml"]
    assert names[-3:] == ["99-identified.yaml", "100-identified.yaml", "101-identified.yaml"]


@pytest.mark.parametrize(
    ("published_at", "folder"),
    [("2026-11-25T09:00:00", "2026-11-25-api"), ("../../x", ""), ("2026-11-25/../x", "")],
)
def test_only_a_first_update_dated_by_a_time_names_a_folder(published_at: str, folder: str) -> None:
    obj = RemoteIncident(
        "I9", "API", "investigating", (RemoteUpdate("U1", "m", None, {}, published_at),), PAGE
    )
    (imp,) = importer.plan_import([obj], tree())
    assert imp.folder == folder
    assert (imp.problem is None) == bool(folder)
