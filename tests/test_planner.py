"""The pure planner: every outcome, ordering, the page's state, and properties over random histories."""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from sync.ledger import Entry
from sync.planner import Plan, held_until, plan
from sync.planview import headline, render_json_plan, render_markdown_plan, render_text_plan
from sync.remote import RemoteUpdate, matches
from sync.statusfile import Statusfile
from tests.support.planning import Ledger, incident, remote_update, sf


def rules(p: Plan) -> list[tuple[str, str, str]]:
    return [(d.rule, str(d.severity), d.file) for d in p.diagnostics]


def created(p: Plan) -> list[str]:
    return [u.file.rel for inc in p.incidents for u in inc.updates if u.action == "create"]


def test_new_files_are_created_in_natural_order_per_incident() -> None:
    files = [sf("b/10-x.yaml", "ten"), sf("b/2-x.yaml", "two"), sf("a/1.yaml", "other", incident="I2")]
    p = plan(files, Ledger().state)
    assert [(inc.incident_id, [u.file.rel for u in inc.updates]) for inc in p.incidents] == [
        ("I2", ["a/1.yaml"]),
        ("I1", ["b/2-x.yaml", "b/10-x.yaml"]),
    ]
    assert p.has_changes and not p.errors and p.unchanged == 0


def test_posted_files_are_unchanged_not_listed() -> None:
    a, b = sf("i/01.yaml", "one"), sf("i/02.yaml", "two")
    p = plan([a, b], Ledger().posted(a).state)
    assert p.unchanged == 1 and created(p) == ["i/02.yaml"]
    assert plan([a, b], Ledger().posted(a).posted(b).state).has_changes is False


def test_reformatting_is_not_a_change() -> None:
    a = sf("i/01.yaml", "one")
    assert (
        a.sha256 == sf("i/01.yaml", "one").sha256
    )  # same payload, same identity whatever the YAML looked like
    assert not plan([a], Ledger().posted(a).state).has_changes


def test_renamed_file_is_moved_never_reposted() -> None:
    a = sf("old/01.yaml", "one")
    moved = sf("new/01-investigating.yaml", "one")
    p = plan([moved], Ledger().posted(a).state)
    assert [(m.entry.path, m.file.rel) for m in p.moves] == [("old/01.yaml", "new/01-investigating.yaml")]
    assert not p.has_changes and not p.diagnostics


def test_changed_after_publish_is_an_error_showing_the_difference() -> None:
    a = sf("i/01.yaml", "one")
    edited = sf("i/01.yaml", "one, edited", status="monitoring")
    p = plan([edited], Ledger().posted(a).state)
    [d] = p.errors
    assert d.rule == "changed-after-publish" and d.file == "statusfiles/i/01.yaml"
    assert "incident_status, message differ" in d.message
    assert '-  "message": "one",' in d.message and '+  "message": "one, edited",' in d.message
    assert not p.creates


def test_deleted_after_publish_is_a_warning() -> None:
    a, b = sf("i/01.yaml", "one"), sf("i/02.yaml", "two")
    p = plan([b], Ledger().posted(a).posted(b).state)
    assert rules(p) == [("deleted-after-publish", "warning", "statusfiles/i/01.yaml")]
    assert [e.path for e in p.deleted] == ["i/01.yaml"] and not p.has_changes


def test_out_of_order_compares_numbers_as_numbers() -> None:
    posted = sf("i/05-x.yaml", "five")
    early, late = sf("i/03-y.yaml", "three"), sf("i/10-z.yaml", "ten")
    p = plan([posted, early, late], Ledger().posted(posted).state)
    assert rules(p) == [("out-of-order", "error", "statusfiles/i/03-y.yaml")]
    assert not plan([posted, late], Ledger().posted(posted).state).errors


def test_out_of_order_uses_the_path_recorded_when_posted() -> None:
    first = sf("i/05.yaml", "five")
    renamed = sf("archive/05.yaml", "five")
    new = sf("i/06.yaml", "six")
    history = Ledger().posted(first).moved(renamed, "i/05.yaml")
    assert not plan([renamed, new], history.state).errors
    assert [d.rule for d in plan([renamed, sf("i/04.yaml", "four")], history.state).errors] == [
        "out-of-order"
    ]


def test_too_many_updates() -> None:
    history = Ledger()
    posted = [sf(f"i/{n:03d}.yaml", f"m{n}") for n in range(99)]
    for f in posted:
        history.posted(f)
    new = [sf("i/100.yaml", "a"), sf("i/101.yaml", "b")]
    p = plan(posted + new, history.state)
    assert rules(p) == [("too-many-updates", "error", "statusfiles/i/101.yaml")]
    assert not plan(posted + new[:1], history.state).errors


def test_after_resolved_is_a_warning() -> None:
    done = sf("i/01.yaml", "done", status="resolved")
    again = sf("i/02.yaml", "again")
    assert rules(plan([done, again], Ledger().posted(done).state)) == [
        ("after-resolved", "warning", "statusfiles/i/02.yaml")
    ]
    planned = [
        sf("j/01.yaml", "fixed", incident="I2", status="resolved"),
        sf("j/02.yaml", "more", incident="I2"),
    ]
    assert rules(plan(planned, Ledger().state)) == [("after-resolved", "warning", "statusfiles/j/02.yaml")]


def test_unsettled_intent_is_listed_with_a_warning() -> None:
    a = sf("i/01.yaml", "one")
    for history in (Ledger().intent(a), Ledger().intent(a).unknown(a)):
        p = plan([a], history.state)
        [u] = p.incidents[0].updates
        assert u.unsettled and u.action == "create"
        assert rules(p) == [("unsettled", "warning", "statusfiles/i/01.yaml")]
        assert "read incident I1 back" in p.diagnostics[0].message


def test_unsettled_intent_of_a_deleted_file_points_at_the_ledger() -> None:
    a = sf("i/01.yaml", "one")
    p = plan([], Ledger().intent(a).state, ledger_display="statusfiles/ledger.jsonl")
    assert rules(p) == [("unsettled", "warning", "statusfiles/ledger.jsonl")]
    assert p.diagnostics[0].line == 1


def test_notify_subscribers_is_stated_plainly() -> None:
    files = [
        sf("i/01.yaml", "a", notify=True),
        sf("i/02.yaml", "b"),
        sf("j/01.yaml", "c", incident="I2", notify=True),
    ]
    p = plan(files, Ledger().state)
    assert [r for r, *_ in rules(p)] == ["notify-subscribers", "notify-subscribers"]
    assert headline(p) == "3 updates to 2 incidents will be published; 2 will notify subscribers."


MONITOR = "We are continuing to monitor."


def test_the_same_update_twice_is_two_updates() -> None:
    a, b = sf("i/01.yaml", MONITOR), sf("i/02.yaml", MONITOR)  # two in a row
    p = plan([a, b], Ledger().state)
    assert created(p) == ["i/01.yaml", "i/02.yaml"] and not p.diagnostics
    p = plan([a, b], Ledger().posted(a).state)
    assert created(p) == ["i/02.yaml"] and p.unchanged == 1 and not p.diagnostics
    assert not plan([a, b], Ledger().posted(a).posted(b).state).has_changes


def test_a_copy_of_a_published_update_is_a_new_update() -> None:
    a, other, copy = sf("i/01.yaml", MONITOR), sf("i/02.yaml", "Fixed."), sf("i/03.yaml", MONITOR)
    p = plan([a, other, copy], Ledger().posted(a).posted(other).state)
    assert created(p) == ["i/03.yaml"] and not p.diagnostics and not p.moves


def test_a_copy_beside_the_rename_of_a_published_update_is_ambiguous() -> None:
    a = sf("i/01.yaml", MONITOR)
    renamed, copy = sf("i/02.yaml", MONITOR), sf("i/03.yaml", MONITOR)
    p = plan([renamed, copy], Ledger().posted(a).state)
    assert [(m.entry.path, m.file.rel) for m in p.moves] == [("i/01.yaml", "i/02.yaml")]
    [d] = p.errors
    assert (d.rule, d.file) == ("duplicate-payload", "statusfiles/i/03.yaml")
    assert "i/01.yaml" in d.message and "statusfiles/i/02.yaml" in d.message
    assert not plan([renamed], Ledger().posted(a).state).has_changes  # the rename alone is still a rename


def test_a_lost_ledger_adopts_each_copy_on_the_page_once() -> None:
    a, b, c = sf("i/01.yaml", MONITOR), sf("i/02.yaml", MONITOR), sf("i/03.yaml", MONITOR)
    first, second = remote_update(a, "R1"), remote_update(b, "R22")  # R22 was published later
    for page in ((first,), (second, first)):  # the API's order is not relied on
        p = plan([a, b, c], Ledger().state, remote={"I1": incident("I1", *page)})
        assert [(u.file.rel, u.action, u.remote and u.remote.id) for u in p.incidents[0].updates] == [
            ("i/01.yaml", "adopt", "R1"),
            ("i/02.yaml", "adopt" if len(page) == 2 else "create", "R22" if len(page) == 2 else None),
            ("i/03.yaml", "create", None),
        ]
        assert not p.diagnostics


def test_an_unsettled_copy_is_not_settled_by_the_update_before_it() -> None:
    a, b = sf("i/01.yaml", MONITOR), sf("i/02.yaml", MONITOR)
    history = Ledger().posted(a, update_id="U1").intent(b)
    absent = plan([a, b], history.state, remote={"I1": incident("I1", remote_update(a, "U1"))})
    assert not absent.settlements and created(absent) == ["i/02.yaml"]
    page = incident("I1", remote_update(b, "U22"), remote_update(a, "U1"))
    found = plan([a, b], history.state, remote={"I1": page})
    assert [(s.entry.path, s.remote.id) for s in found.settlements] == [("i/02.yaml", "U22")]
    assert not found.has_changes


def test_torn_ledger_line_is_reported() -> None:
    history = Ledger().posted(sf("i/01.yaml"))
    history.lines.append('{"v": 1, "event": "int')
    p = plan([sf("i/01.yaml")], history.state)
    assert rules(p) == [("ledger-torn-line", "warning", "statusfiles/ledger.jsonl")]
    assert p.diagnostics[0].line == 3


# --- with the status page's state --------------------------------------------


def test_updates_already_on_the_page_are_adopted_not_posted() -> None:
    a, b = sf("i/01.yaml", "one", status="investigating"), sf("i/02.yaml", "two")
    page = {"I1": incident("I1", remote_update(a, "R1"))}
    p = plan([a, b], Ledger().state, remote=page)
    assert [(u.file.rel, u.action) for u in p.incidents[0].updates] == [
        ("i/01.yaml", "adopt"),
        ("i/02.yaml", "create"),
    ]
    assert p.incidents[0].posted == 1 and p.remote_checked


def test_updates_the_ledger_claims_are_not_adopted_twice() -> None:
    a = sf("i/01.yaml", "same words")
    b = sf("i/02.yaml", "same words", status="monitoring")  # same message, different payload
    page = {"I1": incident("I1", remote_update(a, "U1"))}
    p = plan([a, b], Ledger().posted(a, update_id="U1").state, remote=page)
    assert [(u.file.rel, u.action) for u in p.incidents[0].updates] == [("i/02.yaml", "create")]


def test_unsettled_intents_are_settled_by_the_page() -> None:
    a, b = sf("i/01.yaml", "one"), sf("i/02.yaml", "two")
    history = Ledger().intent(a)
    found = plan([a, b], history.state, remote={"I1": incident("I1", remote_update(a, "R9"))})
    assert [(s.entry.path, s.remote.id) for s in found.settlements] == [("i/01.yaml", "R9")]
    assert created(found) == ["i/02.yaml"] and found.unchanged == 1 and not found.diagnostics

    absent = plan([a, b], history.state, remote={"I1": incident("I1")})
    assert not absent.settlements and created(absent) == ["i/01.yaml", "i/02.yaml"]
    assert not any(u.unsettled for u in absent.incidents[0].updates) and not absent.diagnostics


AT = "2026-11-27T10:00:00.000000Z"  # when an earlier sync's post of i/01.yaml lost its outcome
AT_TIME = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)


def test_an_unsettled_update_missing_from_the_page_is_held_while_its_post_may_still_be_applied() -> None:
    a, b = sf("i/01.yaml", "one"), sf("i/02.yaml", "two")
    now = AT_TIME + timedelta(seconds=61)
    for history in (Ledger(at=AT).intent(a), Ledger(at=AT).intent(a).unknown(a)):
        p = plan([a, b], history.state, remote={"I1": incident("I1")}, now=now)
        first, second = p.incidents[0].updates
        assert (first.action, first.unsettled, first.hold_until) == (
            "create",
            True,
            AT_TIME + timedelta(minutes=2),
        )
        assert (second.action, second.hold_until) == ("create", None)
        assert rules(p) == [("unsettled", "warning", "statusfiles/i/01.yaml")]
        assert "will not post it again before 2026-11-27 10:02:00 UTC" in p.diagnostics[0].message
        [inc] = json.loads(render_json_plan(p))["incidents"]
        assert [u["hold_until"] for u in inc["updates"]] == ["2026-11-27T10:02:00Z", None]
        assert (
            "(held: an earlier post of it may still appear; not posted before 2026-11-27 10:02:00 UTC)"
            in render_text_plan(p)
        )

    later = plan(
        [a, b], Ledger(at=AT).intent(a).state, remote={"I1": incident("I1")}, now=now, settle_after=60
    )
    assert [u.hold_until for u in later.incidents[0].updates] == [None, None]  # settled: it never arrived
    assert created(later) == ["i/01.yaml", "i/02.yaml"] and not later.diagnostics

    found = plan(
        [a, b], Ledger(at=AT).intent(a).state, remote={"I1": incident("I1", remote_update(a, "R9"))}, now=now
    )
    assert [s.remote.id for s in found.settlements] == ["R9"] and created(found) == ["i/02.yaml"]

    unread = plan([a, b], Ledger(at=AT).intent(a).state, now=now)  # plan, not sync: the page is not read
    assert [u.hold_until for u in unread.incidents[0].updates] == [None, None]


def test_a_held_entry_whose_file_is_gone_stays_in_the_ledger_with_a_warning() -> None:
    a = sf("i/01.yaml", "one")
    now = AT_TIME + timedelta(seconds=5)
    p = plan([], Ledger(at=AT).intent(a).state, remote={"I1": incident("I1")}, now=now)
    assert rules(p) == [("unsettled", "warning", "statusfiles/ledger.jsonl")] and not p.incidents


def test_a_held_entry_whose_file_is_gone_holds_back_every_update_to_its_incident() -> None:
    """Its file renamed (or its folder), posting the copy now could post it twice; deleted, an update
    after it could land before it."""
    a, b = sf("i/01.yaml", "one"), sf("i/02.yaml", "two")
    renamed = sf("j/01.yaml", "one")
    now = AT_TIME + timedelta(seconds=5)
    history = Ledger(at=AT).intent(a).unknown(a)
    for files in ([renamed, b], [b]):
        p = plan(files, history.state, remote={"I1": incident("I1")}, now=now)
        updates = p.incidents[0].updates
        assert [(u.hold_until, u.held_by) for u in updates] == [
            (AT_TIME + timedelta(minutes=2), "statusfiles/i/01.yaml")
        ] * len(files)
        assert any("an earlier sync posted statusfiles/i/01.yaml" in d.message for d in p.diagnostics)
        note = (
            "(held: an earlier post of statusfiles/i/01.yaml may still appear; "
            "not posted before 2026-11-27 10:02:00"
        )
        assert render_text_plan(p).count(note) == len(files)
    found = plan([renamed, b], history.state, remote={"I1": incident("I1", remote_update(a, "R9"))}, now=now)
    assert [m.file.rel for m in found.moves] == ["j/01.yaml"] and created(found) == ["i/02.yaml"]
    assert not any(u.hold_until for u in found.incidents[0].updates)


def _entry(at: str | None) -> Entry:
    return Entry("i/01.yaml", "i/01.yaml", "sha", "I1", {}, status="unknown", at=at)


def test_held_until_counts_from_the_latest_record_and_never_holds_for_ever() -> None:
    until = AT_TIME + timedelta(seconds=120)
    assert held_until(_entry(AT), AT_TIME + timedelta(seconds=119), 120) == until
    assert held_until(_entry(AT), until, 120) is None  # the moment it is over
    assert held_until(_entry(AT), AT_TIME - timedelta(seconds=30), 120) == until  # a clock a little behind
    assert held_until(_entry(AT), AT_TIME - timedelta(hours=1), 120) is None  # a ledger from the future
    assert held_until(_entry("2026-11-27T11:00:00+01:00"), AT_TIME, 120) == until  # any offset
    for at in (None, "t", "2026-11-27 10:00:00"):  # no usable time: nothing to wait for
        assert held_until(_entry(at), AT_TIME, 120) is None
    assert held_until(_entry(AT), AT_TIME, 0) is None
    assert held_until(_entry(AT), None, 120) is None


def test_missing_incident_is_an_error_naming_its_files() -> None:
    files = [sf("i/01.yaml", "one"), sf("i/02.yaml", "two")]
    p = plan(files, Ledger().state, remote={"I1": None})
    assert rules(p) == [
        ("incident-not-found", "error", "statusfiles/i/01.yaml"),
        ("incident-not-found", "error", "statusfiles/i/02.yaml"),
    ]


def test_page_count_and_status_are_used_when_known() -> None:
    others = [RemoteUpdate(f"R{n}", f"ui {n}", "investigating", {}, f"t{n:03d}") for n in range(99)]
    files = [sf("i/01.yaml", "a"), sf("i/02.yaml", "b")]
    p = plan(files, Ledger().state, remote={"I1": incident("I1", *others, status="resolved")})
    assert rules(p) == [
        ("after-resolved", "warning", "statusfiles/i/01.yaml"),
        ("after-resolved", "warning", "statusfiles/i/02.yaml"),
        ("too-many-updates", "error", "statusfiles/i/02.yaml"),
    ]


def test_matching_rules() -> None:
    f = sf("i/01.yaml", "  Fixed.\r\nMonitoring.  ", status="monitoring", components={"C1": "operational"})
    u = RemoteUpdate(
        "R", "Fixed.\nMonitoring.", "monitoring", {"C1": "operational", "C2": "full_outage"}, "t"
    )
    assert matches(f.payload, u)
    assert matches(
        f.payload, RemoteUpdate("R", "Fixed.\nMonitoring.", "monitoring", {}, "t")
    )  # operational: unlisted
    assert not matches(
        f.payload, RemoteUpdate("R", "Fixed.\nMonitoring.", "resolved", {"C1": "operational"}, "t")
    )
    assert not matches(f.payload, RemoteUpdate("R", "Fixed.", "monitoring", {"C1": "operational"}, "t"))
    assert not matches(
        f.payload, RemoteUpdate("R", "Fixed.\nMonitoring.", "monitoring", {"C1": "full_outage"}, "t")
    )
    assert matches(sf("i/02.yaml", "Fixed.\nMonitoring.").payload, u)  # an omitted status matches any


def test_renderers_show_the_plan() -> None:
    files = [
        sf(
            "i/01.yaml",
            "We are on it.",
            status="investigating",
            notify=True,
            components={"C1": "full_outage"},
        ),
        sf("i/02.yaml", "Fixed.\n\nAll good.", status="resolved"),
    ]
    p = plan(files, Ledger().state)
    text = render_text_plan(p)
    assert (
        "  + i/01.yaml\n      status:     set to investigating\n      component:  C1 set to full_outage\n"
        in text
    )
    assert "component:  C1 full_outage -> operational" in text
    assert text.rstrip().endswith(
        "2 updates to 1 incident will be published; 1 will notify subscribers. 0 unchanged."
    )
    md = render_markdown_plan(p)
    assert md.startswith("### statusfiles plan\n\n**2 updates to 1 incident will be published; 1 will notify")
    assert "   > Fixed.\n   >\n   > All good." in md and "**emails subscribers**" in md
    assert '"status_after": "resolved"' in render_json_plan(p)


# --- properties -----------------------------------------------------------------

messages = st.sampled_from(["a", "b", "c", "d", "e", "f"])
file_specs = st.lists(
    st.tuples(
        st.sampled_from(["I1", "I2"]), st.integers(1, 12), messages, st.sampled_from([None, "monitoring"])
    ),
    max_size=10,
    unique_by=lambda t: (t[0], t[1]),
)


@settings(max_examples=200, deadline=None)
@given(file_specs, st.data())
def test_a_posted_payload_is_never_planned_again(
    specs: list[tuple[str, int, str, str | None]], data: st.DataObject
) -> None:
    files = [sf(f"{inc}/{n:02d}.yaml", msg, incident=inc, status=status) for inc, n, msg, status in specs]
    history = Ledger()
    posted = data.draw(st.lists(st.sampled_from(files), unique_by=lambda f: f.rel)) if files else []
    for f in sorted(posted, key=lambda f: f.rel):
        renamed = data.draw(st.booleans())
        history.posted(f, path=f"old/{f.rel}" if renamed else None)
    on_page = data.draw(st.lists(st.sampled_from(files), unique_by=lambda f: f.rel)) if files else []
    page = {
        inc: incident(
            inc, *(remote_update(f, f"P{i}") for i, f in enumerate(on_page) if f.incident_id == inc)
        )
        for inc in ("I1", "I2")
    }
    posted_entries = list(history.state.posted())
    for remote in (None, page):
        p = plan(files, history.state, remote=remote)
        assert not {(u.file.rel, u.file.sha256) for u in p.creates} & {
            (e.path, e.sha256) for e in posted_entries
        }
        for sha, n in Counter(u.file.sha256 for u in p.creates).items():  # copies: never more than are new
            assert n <= sum(f.sha256 == sha for f in files) - sum(e.sha256 == sha for e in posted_entries)
        if remote is not None:
            for u in p.creates:  # nothing on the page that nobody has claimed is posted again
                claimed = history.state.claimed_update_ids() | {a.remote.id for a in p.adopts if a.remote}
                free = [r for r in remote[u.file.incident_id].updates if r.id not in claimed]
                assert not any(matches(u.file.payload, r) for r in free)
        if not p.errors:  # carrying the plan out leaves nothing to do
            after = Ledger()
            after.lines = list(history.lines)
            after.apply(p)
            assert not plan(files, after.state, remote=remote).has_changes


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["I1", "I2"]), st.sampled_from(["a", "b"]), st.sampled_from([None, "monitoring"])
        ),
        max_size=8,
    ),
    st.data(),
)
def test_copies_are_each_posted_once_whatever_the_ledger_kept(
    specs: list[tuple[str, str, str | None]], data: st.DataObject
) -> None:
    """Files repeating payloads, the first few of each incident posted in order by an earlier run that then
    lost its ledger, or was killed after a POST or before one: the plan posts exactly the rest, in order."""
    files = [sf(f"{inc}/{i:02d}.yaml", m, incident=inc, status=s) for i, (inc, m, s) in enumerate(specs)]
    page: dict[str, list[RemoteUpdate]] = {"I1": [], "I2": []}
    history = Ledger()

    def publish(f: Statusfile, update_id: str) -> None:
        n = sum(map(len, page.values()))
        page[f.incident_id].append(
            dataclasses.replace(remote_update(f, update_id), published_at=f"2026-11-26T01:00:{n:02d}Z")
        )

    for inc in ("I1", "I2"):
        mine = [f for f in files if f.incident_id == inc]
        done = data.draw(st.integers(0, len(mine)))
        kept = data.draw(
            st.sampled_from(["nothing", "everything", "killed after a POST", "killed before a POST"])
        )
        for j, f in enumerate(mine[:done]):
            publish(f, f"R{inc}{j}")
            if kept == "killed after a POST" and j == done - 1:
                history.intent(f)  # posted, but the outcome was never recorded
            elif kept != "nothing":
                history.posted(f, update_id=f"R{inc}{j}")
        if kept == "killed before a POST" and done < len(mine):
            history.intent(mine[done])

    newest_first = {inc: incident(inc, *reversed(us)) for inc, us in page.items()}  # as the API lists them
    p = plan(files, history.state, remote=newest_first)
    assert not p.errors
    assert [u.file.rel for u in p.creates] == [
        f.rel for inc in ("I1", "I2") for f in [g for g in files if g.incident_id == inc][len(page[inc]) :]
    ]

    after = Ledger()
    after.lines, after.ids = list(history.lines), 1000
    after.apply(p)
    for u in p.creates:
        publish(u.file, str(after.state.entries[u.file.rel].update_id))
    for inc in ("I1", "I2"):
        assert [u.message for u in page[inc]] == [f.message for f in files if f.incident_id == inc]
    again = plan(files, after.state, remote={inc: incident(inc, *us) for inc, us in page.items()})
    assert not again.has_changes and not again.settlements and not again.adopts and not again.errors


def test_an_imported_file_never_puts_a_later_one_out_of_order() -> None:
    ours, pending = sf("i/02-b.yaml", "two"), sf("i/03-a.yaml", "three")
    slack = sf("i/03-z.yaml", "from slack")  # imported meanwhile, numbered after 02 like `new` numbers it
    history = Ledger().posted(ours)
    history.add2(
        "adopted",
        path=slack.rel,
        sha256=slack.sha256,
        incident=slack.incident_id,
        update_id="U-slack",
        published_at="2026-11-26T02:00:00Z",
        payload=slack.payload,
        origin="import",
    )
    state = history.state
    assert state.entries[slack.rel].imported and not state.entries[ours.rel].imported
    p = plan([ours, slack, pending], state)
    assert not p.errors and [x.file.rel for x in p.creates] == ["i/03-a.yaml"]
    # The same record without its origin is statusfiles' own, and the rule holds as before.
    history.lines[-1] = history.lines[-1].replace(', "origin": "import"', "")
    assert [d.rule for d in plan([ours, slack, pending], history.state).errors] == ["out-of-order"]


def test_a_settlement_is_shown_as_a_statusfile_is() -> None:
    """Its file may be gone: its path is shown in the statusfiles directory, as the files' own paths are."""
    a, b = sf("i/01.yaml", "one"), sf("i/02.yaml", "two")
    history = Ledger().posted(a, update_id="U1").intent(b)
    page = {"I1": incident("I1", remote_update(b, "U2"), remote_update(a, "U1"))}
    assert [s.display for s in plan([a], history.state, remote=page).settlements] == ["statusfiles/i/02.yaml"]
    from_inside = plan([a], history.state, root=".", remote=page)  # run in the statusfiles directory
    assert [s.display for s in from_inside.settlements] == ["i/02.yaml"]


def test_paths_from_the_ledger_are_shown_as_the_files_are_from_inside_the_statusfiles_directory() -> None:
    """Run in the statusfiles directory (root "."), a statusfile is ``i/01.yaml``: so is a ledger path."""
    a, b = sf("i/01.yaml", "one"), sf("i/02.yaml", "two")
    p = plan([b], Ledger().posted(a).posted(b).state, root=".")
    assert rules(p) == [("deleted-after-publish", "warning", "i/01.yaml")]
    posted, early = sf("i/05-x.yaml", "five"), sf("i/03-y.yaml", "three")
    p = plan([posted, early], Ledger().posted(posted).state, root=".")
    assert [d.message.split(", the incident")[0] for d in p.errors] == ["sorts before i/05-x.yaml"]


def test_a_held_post_from_a_file_gone_names_that_file_escaped() -> None:
    """Its path comes from the ledger, which anyone can edit: it never starts a workflow command or drives
    a terminal from inside the message."""
    gone, b = sf("i/01\n::error::x\x1b[2J.yaml", "one"), sf("i/02.yaml", "two")
    history = Ledger(at=AT).intent(gone).unknown(gone)
    p = plan([b], history.state, remote={"I1": incident("I1")}, now=AT_TIME + timedelta(seconds=5))
    [held] = [d.message for d in p.diagnostics if "an earlier sync posted" in d.message]
    assert "\n" not in held and "\x1b" not in held
    assert "statusfiles/i/01\\n::error::x\\x1b[2J.yaml" in held
