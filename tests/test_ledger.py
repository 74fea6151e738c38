"""The ledger: format, folding records into state, torn lines, crash-safe appends, locking."""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sync import ledger
from sync.ledger import LedgerError, LedgerLocked, Writer
from tests.support.payloads import update

PAYLOAD = update("m", incident="I1", status=None)


def rec(event: str, path: str = "a/01.yaml", sha: str = "s1", **extra: object) -> str:
    base: dict[str, object] = {
        "v": 1,
        "event": event,
        "at": "2026-11-26T00:00:00Z",
        "run": "r",
        "path": path,
        "sha256": sha,
        "incident": "I1",
    }
    if event in ("intent", "adopted"):
        base["payload"] = PAYLOAD
    if event in ("posted", "adopted"):
        base.update(update_id="U1", published_at="2026-11-26T00:00:01Z")
    if event == "unknown":
        base["error"] = "connection dropped"
    base.update(extra)
    return json.dumps(base)


def test_missing_ledger_is_empty(tmp_path: Path) -> None:
    state = ledger.read(tmp_path / "ledger.jsonl")
    assert state.entries == {} and state.records == 0


def test_intent_then_posted() -> None:
    state = ledger.parse(rec("intent") + "\n" + rec("posted") + "\n")
    entry = state.entries["a/01.yaml"]
    assert (entry.status, entry.update_id, entry.payload, entry.seq) == ("posted", "U1", PAYLOAD, 2)
    assert state.claimed_update_ids() == {"U1"} and list(state.unsettled()) == []


@pytest.mark.parametrize("events", [["intent"], ["intent", "unknown"], ["intent", "unknown", "intent"]])
def test_intent_without_outcome_is_unsettled(events: list[str]) -> None:
    state = ledger.parse("".join(rec(e) + "\n" for e in events))
    assert [e.path for e in state.unsettled()] == ["a/01.yaml"]
    assert list(state.posted()) == []


def test_an_entry_keeps_the_time_of_its_latest_record() -> None:
    """How long an outcome has been unknown is judged from it (the planner's hold)."""
    state = ledger.parse(rec("intent") + "\n" + rec("unknown", at="2026-11-26T00:00:31Z") + "\n")
    assert state.entries["a/01.yaml"].at == "2026-11-26T00:00:31Z"
    assert ledger.parse(rec("intent", at=5) + "\n").entries["a/01.yaml"].at is None  # not a time: none


def test_adopted_needs_no_intent_and_unknown_never_undoes_posted() -> None:
    state = ledger.parse(rec("adopted") + "\n" + rec("unknown") + "\n")
    assert state.entries["a/01.yaml"].status == "posted"


def test_moved_follows_the_file_but_keeps_the_posted_path() -> None:
    text = (
        rec("intent")
        + "\n"
        + rec("posted")
        + "\n"
        + rec("moved", path="b/01.yaml", **{"from": "a/01.yaml"})
        + "\n"
    )
    state = ledger.parse(text)
    assert list(state.entries) == ["b/01.yaml"]
    entry = state.entries["b/01.yaml"]
    assert (entry.path, entry.posted_path, entry.status) == ("b/01.yaml", "a/01.yaml", "posted")


def test_torn_last_line_is_tolerated_and_reported() -> None:
    text = rec("intent") + "\n" + rec("posted") + "\n" + rec("intent", path="a/02.yaml", sha="s2")[:40]
    state = ledger.parse(text)
    assert state.torn_line == 3
    assert list(state.entries) == ["a/01.yaml"]


def test_a_last_line_nested_too_deeply_is_an_error_not_a_torn_append(tmp_path: Path) -> None:
    """No append of statusfiles' nests that deep: the line is reported, and a writer leaves it alone."""
    deep = '{"v": 1, "x": ' + "[" * 100_000
    with pytest.raises(LedgerError, match=r":2: nested too deeply"):
        ledger.parse(rec("intent") + "\n" + deep)
    path = tmp_path / "ledger.jsonl"
    path.write_text(rec("intent") + "\n" + deep)
    with Writer(path, "r"):
        pass
    assert path.read_text() == rec("intent") + "\n" + deep


def test_complete_last_line_without_newline_is_read() -> None:
    state = ledger.parse(rec("adopted"))
    assert state.torn_line is None and state.entries["a/01.yaml"].posted


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "must be a JSON object"),
        ('{"event": "intent"}', "no format version"),
        ('{"v": 3, "event": "intent"}', "written by a newer statusfiles (ledger format v3"),
        ('{"v": 1, "event": "create"}', "unknown event 'create'"),
        ('{"v": 1, "event": "teleported"}', "unknown event 'teleported'"),
        ('{"v": 1, "event": []}', "unknown event []"),
        ('{"v": 1, "event": {"a": 1}}', "unknown event {'a': 1}"),
        ("[" * 100_000 + "]" * 100_000, "nested too deeply to be a ledger record"),
        ('{"v": 1, "x": ' + "[" * 100_000 + "]" * 100_000 + "}", "nested too deeply to be a ledger record"),
        ('{"v": 1, "event": "posted", "path": "a", "sha256": "s", "incident": "I"}', "lacks 'update_id'"),
    ],
)
def test_malformed_line_names_the_line(line: str, message: str) -> None:
    text = rec("intent") + "\n" + line + "\n" + rec("posted") + "\n"
    with pytest.raises(LedgerError) as info:
        ledger.parse(text, "statusfiles/ledger.jsonl")
    assert info.value.line == 2 and message in str(info.value)
    assert str(info.value).startswith("statusfiles/ledger.jsonl:2: ")


@pytest.mark.parametrize(
    ("text", "line"),
    [
        (
            rec("intent") + "\n" + rec("posted") + " " + rec("posted", sha="s2") + "\n",
            2,
        ),  # two values, one line
        (
            rec("intent") + "\n" + rec("posted") + ", " + rec("posted", sha="s2") + "\n",
            2,
        ),  # joined by a comma
        (rec("intent") + "\n\n" + rec("posted")[:-1] + "\n}\n", 3),  # one record cut over two lines
        (  # two records on a line and one cut inside its message: as many lines as records, all the same
            rec("intent")
            + ","
            + rec("posted")
            + "\n"
            + rec("intent", sha="s2").replace('"m"', '"m\nx"')
            + "\n",
            1,
        ),
    ],
)
def test_a_line_that_is_not_exactly_one_record_is_named(text: str, line: int) -> None:
    with pytest.raises(LedgerError) as info:
        ledger.parse(text)
    assert info.value.line == line and "not valid JSON" in info.value.message


def test_blank_lines_and_line_endings_change_nothing_but_line_numbers() -> None:
    records = [rec("intent"), rec("posted"), rec("intent", path="a/02.yaml", sha="s2")]
    plain = ledger.parse("\n".join(records) + "\n")
    spaced = ledger.parse("\n" + "\r\n  \n".join(r + "\r" for r in records) + "\n\n")
    assert spaced.entries.keys() == plain.entries.keys() == {"a/01.yaml", "a/02.yaml"}
    assert spaced.entries["a/01.yaml"].posted and spaced.entries["a/02.yaml"].unsettled
    assert (plain.entries["a/01.yaml"].seq, spaced.entries["a/01.yaml"].seq) == (2, 4)
    assert (plain.records, spaced.records) == (3, 3)


def test_newer_version_on_the_last_line_is_refused_not_ignored() -> None:
    with pytest.raises(LedgerError, match="newer statusfiles"):
        ledger.parse(rec("intent") + "\n" + '{"v": 9, "event": "x"}')


def test_encode_is_one_readable_line_in_a_fixed_order() -> None:
    line = ledger.encode(
        {
            "payload": PAYLOAD,
            "event": "intent",
            "v": 1,
            "path": "p",
            "sha256": "s",
            "incident": "I",
            "at": "t",
            "run": "r",
        }
    ).decode()
    assert line.endswith("\n") and line.count("\n") == 1
    assert list(json.loads(line)) == ["v", "event", "at", "run", "path", "sha256", "incident", "payload"]


def test_writer_appends_fsynced_records_and_repairs_a_torn_tail(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "ledger.jsonl"
    with Writer(path, run="r1") as w:
        w.append("intent", path="a/01.yaml", sha256="s1", incident="I1", payload=PAYLOAD)
    path.write_bytes(path.read_bytes() + rec("posted")[:25].encode())  # a crash mid-append
    assert ledger.read(path).torn_line == 2
    with Writer(path, run="r2") as w:
        assert w.repaired == 25
        w.append("posted", path="a/01.yaml", sha256="s1", incident="I1", update_id="U1", published_at="t")
    state = ledger.read(path)
    assert state.torn_line is None and state.entries["a/01.yaml"].posted and state.records == 2
    assert [json.loads(x)["run"] for x in path.read_text().splitlines()] == ["r1", "r2"]


def test_writer_adds_a_lost_final_newline(tmp_path: Path) -> None:
    path = tmp_path / "ledger.jsonl"
    path.write_text(rec("adopted"))
    with Writer(path, run="r") as w:
        assert w.repaired is None
        w.append(
            "adopted",
            path="b.yaml",
            sha256="s2",
            incident="I1",
            update_id="U2",
            published_at="t",
            payload=PAYLOAD,
        )
    assert len(ledger.read(path).entries) == 2


def test_writer_refuses_an_invalid_record(tmp_path: Path) -> None:
    with Writer(tmp_path / "l.jsonl", run="r") as w, pytest.raises(LedgerError):
        w.append("posted", path="a")


def test_a_writer_with_nothing_to_record_creates_no_file(tmp_path: Path) -> None:
    path = tmp_path / "ledger.jsonl"
    with Writer(path, run="r"):
        pass
    assert not path.exists()


def test_lock_excludes_a_second_writer(tmp_path: Path) -> None:
    path = tmp_path / "ledger.jsonl"
    with Writer(path, run="r1"), pytest.raises(LedgerLocked):
        Writer(path, run="r2").open()
    with Writer(path, run="r3"):  # released on close
        pass


def test_lock_is_held_across_processes(tmp_path: Path) -> None:
    path = tmp_path / "ledger.jsonl"
    fd = os.open(tmp_path, os.O_RDONLY)  # the writer locks the ledger's folder
    fcntl.flock(fd, fcntl.LOCK_EX)
    code = (
        "import sys; from pathlib import Path; from sync.ledger import Writer, LedgerLocked\n"
        "try:\n    Writer(Path(sys.argv[1]), run='x').open()\nexcept LedgerLocked:\n    sys.exit(3)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code, str(path)], check=False)
    assert proc.returncode == 3
    os.close(fd)
    assert subprocess.run([sys.executable, "-c", code, str(path)], check=False).returncode == 0


def test_reading_ten_thousand_records(tmp_path: Path) -> None:
    """The scale the benchmark times; here it must merely be read correctly."""
    lines = []
    for i in range(5000):
        lines.append(rec("intent", path=f"i{i % 500}/{i:05d}.yaml", sha=f"s{i}"))
        lines.append(rec("posted", path=f"i{i % 500}/{i:05d}.yaml", sha=f"s{i}", update_id=f"U{i}"))
    path = tmp_path / "ledger.jsonl"
    path.write_text("\n".join(lines) + "\n")
    start = time.perf_counter()
    state = ledger.read(path)
    elapsed = time.perf_counter() - start
    assert state.records == 10_000 and len(list(state.posted())) == 5000
    print(f"read 10,000 ledger records in {elapsed:.3f}s")


BIG_PAYLOAD = {**PAYLOAD, "message": "x" * 100_000}  # one record far longer than any read buffer


@pytest.mark.parametrize("records_before", [0, 2])
def test_a_long_complete_last_record_without_its_newline_is_kept(tmp_path: Path, records_before: int) -> None:
    path = tmp_path / "ledger.jsonl"
    head = "".join(
        rec("adopted", path=f"a/0{n}.yaml", update_id=f"U{n}") + "\n" for n in range(records_before)
    )
    last = rec("adopted", path="a/big.yaml", update_id="UB", payload=BIG_PAYLOAD)
    path.write_text(head + last)
    assert len(ledger.read(path).entries) == records_before + 1
    with Writer(path, run="r") as w:
        assert w.repaired is None
    assert path.read_text() == head + last + "\n"
    assert len(ledger.read(path).entries) == records_before + 1


@pytest.mark.parametrize("records_before", [0, 2])
def test_only_a_long_torn_fragment_is_cut(tmp_path: Path, records_before: int) -> None:
    path = tmp_path / "ledger.jsonl"
    head = "".join(
        rec("adopted", path=f"a/0{n}.yaml", update_id=f"U{n}") + "\n" for n in range(records_before)
    )
    torn = rec("intent", path="a/big.yaml", payload=BIG_PAYLOAD)[:-10]
    path.write_text(head + torn)
    assert ledger.read(path).torn_line == records_before + 1
    with Writer(path, run="r") as w:
        assert w.repaired == len(torn)
    assert path.read_text() == head
    assert len(ledger.read(path).entries) == records_before


def test_a_write_torn_inside_a_character_is_a_torn_line(tmp_path: Path) -> None:
    """A crash can cut a multi-byte character: the reader and the writer still agree it is torn."""
    path = tmp_path / "ledger.jsonl"
    head = rec("adopted") + "\n"
    torn = ledger.encode(
        json.loads(rec("intent", path="a/02.yaml", payload={**PAYLOAD, "message": "café ✓"}))
    )
    path.write_bytes(head.encode() + torn[: torn.index("✓".encode()) + 1])
    state = ledger.read(path)
    assert state.torn_line == 2 and list(state.entries) == ["a/01.yaml"]
    with Writer(path, run="r") as w:
        assert w.repaired is not None
    assert path.read_text() == head


@pytest.mark.parametrize("tail", ["not a record", '"text"', "]", rec("adopted", path="b.yaml") + " and more"])
def test_a_last_line_that_is_no_record_and_no_torn_write_is_an_error_left_in_place(
    tmp_path: Path, tail: str
) -> None:
    path = tmp_path / "ledger.jsonl"
    path.write_text(rec("adopted") + "\n" + tail)
    with pytest.raises(LedgerError) as info:
        ledger.read(path)
    assert info.value.line == 2
    with Writer(path, run="r"):
        pass
    assert path.read_text().startswith(rec("adopted") + "\n" + tail)  # nothing removed


@pytest.mark.parametrize("tail", [" ", "\t", "\r", "\x0c", "\xa0", "\u2028", "\x1c", "\u3000"])
def test_a_last_line_the_reader_takes_for_blank_is_ended_before_the_next_record(
    tmp_path: Path, tail: str
) -> None:
    """Whatever whitespace the reader skips as a blank last line, the writer ends with a newline: the record
    it appends is a line of its own, never glued to it into a line no reader can read."""
    path = tmp_path / "ledger.jsonl"
    path.write_text(rec("intent", payload=update()) + "\n" + tail, encoding="utf-8")
    assert ledger.read(path).records == 1
    with Writer(path, run="r") as w:
        w.append("posted", path="a/01.yaml", sha256="s1", incident="I1", update_id="U1", published_at="t")
    state = ledger.read(path)
    assert state.records == 2 and state.entries["a/01.yaml"].posted


# --- format 2: declarations and maintenance updates ---

FIXTURES = Path(__file__).parent / "fixtures"


def test_a_format_1_ledger_reads_as_it_always_did() -> None:
    state = ledger.read(FIXTURES / "ledger-v1.jsonl")
    assert not state.objects and state.records == 5
    first, second = (
        state.entries["2026-11-20-api/01-looking.yaml"],
        state.entries["2026-11-20-api/02-identified.yaml"],
    )
    assert (first.status, first.update_id, first.kind, first.posted_path) == (
        "posted",
        "01U1",
        "incident",
        "2026-11-20-api/01-investigating.yaml",
    )
    assert second.unsettled and second.status == "unknown" and second.payload is not None


def obj(event: str, path: str = "x/incident.yaml", sha: str = "d1", **extra: object) -> str:
    base: dict[str, object] = {"v": 2, "event": event, "at": "t", "run": "r", "path": path, "sha256": sha}
    base.update(object="incident", key="statusfiles-incident-k")
    if event in ("create", "created", "put"):
        base["payload"] = {"name": "Old", "message": "m"}
    if event in ("created", "put"):
        base["id"] = "OBJ1"
    if event == "created":
        base["published_at"] = "2026-11-26T00:00:00Z"
    if event.startswith("create-"):
        base["error"] = "lost"
    base.update(extra)
    return json.dumps(base)


def test_a_create_is_unsettled_until_its_outcome_then_created_then_put() -> None:
    state = ledger.parse(obj("create") + "\n")
    o = state.objects["x/incident.yaml"]
    assert o.unsettled and o.key == "statusfiles-incident-k" and o.id is None
    state = ledger.parse(obj("create") + "\n" + obj("create-unknown") + "\n")
    assert state.objects["x/incident.yaml"].status == "unknown"
    text = obj("create") + "\n" + obj("created") + "\n"
    state = ledger.parse(text)
    assert state.objects["x/incident.yaml"].created and state.claimed_object_ids() == {"OBJ1"}
    state = ledger.parse(text + obj("put", sha="d2", payload={"name": "New", "message": "m"}) + "\n")
    o = state.objects["x/incident.yaml"]
    assert (o.sha256, o.payload["name"], o.id) == ("d2", "New", "OBJ1")


def test_a_created_object_seen_under_a_new_path_has_moved() -> None:
    text = obj("create") + "\n" + obj("created") + "\n" + obj("created", path="y/incident.yaml") + "\n"
    state = ledger.parse(text)
    assert list(state.objects) == ["y/incident.yaml"] and state.objects["y/incident.yaml"].id == "OBJ1"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (obj("put"), "whose object the ledger does not hold"),
        (obj("created", id="OTHER", path="a/01.yaml"), "already created"),
        (obj("create", object="meeting"), "unknown object 'meeting'"),
        (obj("created", published_at=None), "lacks 'published_at'"),
    ],
)
def test_bad_object_records_name_the_line(line: str, message: str) -> None:
    prefix = obj("created", path="a/01.yaml") + "\n" if "already" in message else ""
    with pytest.raises(LedgerError) as info:
        ledger.parse(prefix + line + "\n")
    assert message in str(info.value)


def test_a_maintenance_update_names_its_window() -> None:
    line = rec("posted", v=2, incident=None, maintenance="W1").replace('"incident": null, ', "")
    entry = ledger.parse(rec("intent", v=2) + "\n" + line + "\n").entries["a/01.yaml"]
    assert (entry.incident, entry.kind) == ("I1", "incident")  # the intent named I1: the entry keeps it
    fresh = ledger.parse(line + "\n").entries["a/01.yaml"]
    assert (fresh.incident, fresh.kind, fresh.status) == ("W1", "maintenance", "posted")
    with pytest.raises(LedgerError, match="both an incident and a maintenance window"):
        ledger.parse(rec("posted", v=2, maintenance="W1") + "\n")


def test_the_writer_writes_format_2_records_that_read_back(tmp_path: Path) -> None:
    path = tmp_path / "ledger.jsonl"
    with Writer(path, run="r") as w:
        w.append(
            "create",
            path="x/maintenance.yaml",
            sha256="s",
            object="maintenance",
            key="k",
            payload={"name": "W"},
        )
        w.append(
            "created",
            path="x/maintenance.yaml",
            sha256="s",
            object="maintenance",
            key="k",
            id="W1",
            published_at="t",
            payload={"name": "W"},
        )
        w.append("intent", path="x/01.yaml", sha256="u", maintenance="W1", payload={"message": "m"})
        w.append("posted", path="x/01.yaml", sha256="u", maintenance="W1", update_id="U", published_at="t")
    state = ledger.read(path)
    assert state.objects["x/maintenance.yaml"].id == "W1"
    assert state.entries["x/01.yaml"].kind == "maintenance" and state.entries["x/01.yaml"].posted
    assert all(json.loads(line)["v"] == 2 for line in path.read_text().splitlines())
    assert '"incident"' not in path.read_text()


def test_read_bytes_reads_a_plain_file_and_refuses_anything_else(tmp_path: Path) -> None:
    path = tmp_path / "ledger.jsonl"
    assert ledger.read_bytes(path) is None  # no ledger yet
    path.write_text(rec("adopted") + "\n")
    assert ledger.read_bytes(path) == (rec("adopted") + "\n").encode()
    fifo, folder = tmp_path / "fifo.jsonl", tmp_path / "folder.jsonl"
    os.mkfifo(fifo)  # opened blocking, it would hang
    folder.mkdir()
    for special in (fifo, folder):
        with pytest.raises(LedgerError) as info:
            ledger.read_bytes(special)
        assert str(info.value) == f"{special}:0: is not a regular file; the ledger must be a plain file"
    with pytest.raises(NotADirectoryError):  # any other failure is the system's own error
        ledger.read_bytes(path / "ledger.jsonl")


@pytest.mark.parametrize(
    "marker", ["<<<<<<< HEAD", "||||||| merged common ancestors", "=======", ">>>>>>> main\r"]
)
def test_a_git_conflict_marker_is_named_as_one(marker: str) -> None:
    """A ledger merged with a conflict says so, and what to keep, at the marker's line."""
    text = rec("intent") + "\n" + marker + "\n" + rec("posted") + "\n"
    with pytest.raises(LedgerError) as info:
        ledger.parse(text, "statusfiles/ledger.jsonl")
    assert info.value.line == 2
    assert str(info.value).startswith("statusfiles/ledger.jsonl:2: a git merge conflict marker, not a record")
    assert "keep the records of both sides" in info.value.message
