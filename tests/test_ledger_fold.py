"""The ledger's fast fold of the usual intent and posted records: the same state and the same errors
as the full check and apply, or it declines and leaves the record to them.

A record the fast fold wrongly took would be a silently wrong ledger state, so every near miss of the
usual records (a field missing or of another type, a bool for an int, a maintenance window, another
event, an entry that changed) is read both ways, after each kind of earlier record, and compared.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sync import ledger
from sync.ledger import LedgerError, LedgerState

PAYLOAD = {"status_page_incident_id": "I1", "incident_status": "investigating", "message": "Down.\n"}
INTENT = {
    "v": 2,
    "event": "intent",
    "at": "2026-11-26T00:00:00Z",
    "run": "r",
    "path": "a/01.yaml",
    "sha256": "s1",
    "incident": "I1",
    "payload": PAYLOAD,
}
POSTED = {
    **{k: v for k, v in INTENT.items() if k != "payload"},
    "event": "posted",
    "update_id": "U1",
    "published_at": "2026-11-26T00:00:01Z",
}
BASES = {"intent": INTENT, "posted": POSTED, "intent v1": {**INTENT, "v": 1}, "posted v1": {**POSTED, "v": 1}}


def line(record: object) -> str:
    return json.dumps(record)


# What comes before the record under test: nothing, or an entry for its path in each state it can be in.
PREFIXES = {
    "none": [],
    "pending": [INTENT],
    "posted": [INTENT, POSTED],
    "other content pending": [{**INTENT, "sha256": "s0"}],
    "other content posted": [{**INTENT, "sha256": "s0"}, {**POSTED, "sha256": "s0"}],
    "maintenance": [{**{k: v for k, v in INTENT.items() if k != "incident"}, "maintenance": "W1"}],
    "moved away": [INTENT, POSTED, {**INTENT, "event": "moved", "from": "a/01.yaml", "path": "b/01.yaml"}],
}

ODD_VALUES: list[object] = [None, True, False, 0, 1, 3, -1, 2.0, "", "x", "2", [], {}, {"a": 1}, ["x"]]


def near_misses(base: dict[str, Any]) -> Iterator[object]:
    """``base`` itself and records one change away from it: each field dropped or of another value,
    a field added that changes how the record reads, another event, or no object at all."""
    yield base
    for key in base:
        yield {k: v for k, v in base.items() if k != key}
        for value in ODD_VALUES:
            yield {**base, key: value}
    for event in [*ledger._FIELDS, "Intent", "teleported"]:
        yield {**base, "event": event}
    extra: dict[str, list[object]] = {
        "maintenance": ["W1", None, 1, ""],
        "kind": ["maintenance", 1, None],
        "origin": ["import", "page", 5, None],
        "payload": [PAYLOAD, {}, None, "x", []],
        "update_id": ["U2", 1],
        "published_at": ["2026-11-26T00:00:02Z", None],
        "from": ["a/01.yaml", "b/01.yaml"],
        "object": ["incident"],
        "error": ["lost"],
        "unrelated": [1],
    }
    for key, values in extra.items():
        for value in values:
            yield {**base, key: value}
    without_incident = {k: v for k, v in base.items() if k != "incident"}
    yield {**without_incident, "maintenance": "W1"}
    yield {**without_incident, "maintenance": "W1", "kind": "incident"}
    yield {**base, "sha256": "s2"}
    yield {**base, "path": "b/01.yaml"}
    yield {**base, "path": "b/01.yaml", "sha256": "s2"}
    yield from ([base], "text", 1, None)


def _outcome(text: str) -> tuple[str, object]:
    """What parse makes of ``text``: its state, field by field and in order, or its error."""
    try:
        state = ledger.parse(text, "statusfiles/ledger.jsonl")
    except LedgerError as exc:
        return ("error", (str(exc), exc.line))
    entries = [(path, repr(entry)) for path, entry in state.entries.items()]
    objects = [(path, repr(obj)) for path, obj in state.objects.items()]
    return ("state", (entries, objects, state.records, state.torn_line))


def _both_ways(text: str, monkeypatch: pytest.MonkeyPatch) -> tuple[str, object]:
    """Parse ``text`` with the fast fold and without it; the outcomes must be the same."""
    fast = _outcome(text)
    with monkeypatch.context() as m:
        m.setattr(ledger, "_fold_usual", lambda *args: False)
        full = _outcome(text)
    assert fast == full, text
    return full


@pytest.mark.parametrize("prefix", PREFIXES)
@pytest.mark.parametrize("base", BASES)
def test_every_near_miss_reads_as_the_full_check_reads_it(
    prefix: str, base: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    head = "".join(line(r) + "\n" for r in PREFIXES[prefix])
    kinds = set()
    for record in near_misses(BASES[base]):
        text = head + line(record) + "\n" + line({**POSTED, "path": "c/01.yaml"}) + "\n"
        kinds.add(_both_ways(text, monkeypatch)[0])
    assert kinds == {"state", "error"}  # the cases include both: the comparison has something to catch


def test_the_usual_records_take_the_fast_fold_and_a_near_miss_changes_nothing() -> None:
    """The fast fold is what reads the usual ledger (so the comparisons above test it), and a record
    it declines leaves the state exactly as it was, for the full check to judge."""
    for intent, posted in [(INTENT, POSTED), ({**INTENT, "v": 1}, {**POSTED, "v": 1})]:
        state = LedgerState()
        assert ledger._fold_usual(state, copy.deepcopy(intent), 1)
        assert ledger._fold_usual(state, copy.deepcopy(posted), 2)
        assert state.entries["a/01.yaml"].posted and state.records == 2
    refused = 0
    for prefix in PREFIXES.values():
        for record in near_misses(POSTED):
            state = ledger.parse("".join(line(r) + "\n" for r in prefix))
            before = copy.deepcopy(state)
            if not ledger._fold_usual(state, copy.deepcopy(record), len(prefix) + 1):
                refused += 1
                assert state == before and list(state.entries) == list(before.entries), record
    assert refused > 100


FIELD_NAMES = ["v", "event", "at", "run", "from", "path", "sha256", "incident", "maintenance", "kind"]
FIELD_NAMES += ["payload", "update_id", "published_at", "origin"]
RECORD_VALUES: st.SearchStrategy[object] = st.one_of(
    st.sampled_from(["a/01.yaml", "s1", "s2", "I1", "W1", "U1", "intent", "posted", "t", "import"]),
    st.sampled_from([None, True, False, 0, 1, 2, 3, 2.0, [], {}, PAYLOAD]),
)
RECORDS = st.dictionaries(
    st.sampled_from(FIELD_NAMES),
    RECORD_VALUES,
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    prefix=st.sampled_from(list(PREFIXES.values())),
    record=st.one_of(
        RECORDS,
        st.tuples(st.sampled_from(list(BASES.values())), RECORDS).map(lambda t: {**t[0], **t[1]}),
    ),
)
def test_any_record_reads_as_the_full_check_reads_it(
    prefix: list[dict[str, Any]], record: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    _both_ways("".join(line(r) + "\n" for r in [*prefix, record]), monkeypatch)


@pytest.mark.parametrize(
    "text",
    [
        line(INTENT) + "\n" + line(POSTED) + "\n",
        line(INTENT) + "\n" + line(POSTED),  # no final newline
        line(INTENT) + "\n" + line(POSTED) + "\n\n\n",  # blank last lines
        line(INTENT) + "\r\n" + line(POSTED) + "\r\n",
        line(INTENT) + "\n",
        line(INTENT),
        "\n" + line(INTENT) + "\n",
        line(INTENT) + "\n\n" + line(POSTED) + "\n",
        line(INTENT) + "\n \n" + line(POSTED) + " \n",
    ],
)
def test_decoding_in_one_pass_gives_each_line_its_record(text: str) -> None:
    expected = [(n, json.loads(raw)) for n, raw in enumerate(text.split("\n"), 1) if raw.strip()]
    assert list(ledger._decode_lines(text, "ledger.jsonl")) == expected
