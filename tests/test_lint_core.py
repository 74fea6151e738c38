"""The pure core of the linter: locating text inside any scalar, which fields it reads, its settings."""

from __future__ import annotations

from collections import Counter

import pytest
import yaml
from hypothesis import given, reject, settings
from hypothesis import strategies as st

from sync import lint, yamlstrict
from tests.support.lint_corpus import CLEAN, HITS

STYLES = [None, "'", '"', "|", ">"]
# Printable text with the characters that make YAML escape, fold or quote; no bare CR, NEL, LS or PS,
# which YAML would turn into line breaks of its own.
TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\r\x85\u2028\u2029\ufeff")
    | st.sampled_from(["\n", "\t", " ", "'", '"', "\\", ":", "#", "-", "é", "日"]),
    max_size=80,
)


@settings(max_examples=300, deadline=None)
@given(value=TEXT, style=st.sampled_from(STYLES), indent=st.sampled_from([0, 2]))
def test_every_character_of_a_value_is_found_in_the_source(
    value: str, style: str | None, indent: int
) -> None:
    body = yaml.safe_dump({"message": value}, default_style=style, allow_unicode=True, width=30)
    source = (
        " " * indent + "outer:\n" + "".join(" " * indent + "  " + ln + "\n" for ln in body.splitlines())
        if indent
        else body
    )
    try:
        doc = yamlstrict.load(source, pure=True)
    except yamlstrict.YAMLProblems:
        reject()  # plain text PyYAML writes but strict YAML refuses, such as 0E0 (a YAML 1.2 number)
    path = ("outer", "message") if indent else ("message",)
    loaded = doc.data["outer"]["message"] if indent else doc.data["message"]
    assert loaded == value
    span = doc.spans[path]
    where = lint.source_offsets(source, span, value, range(len(value)))
    for i, ch in enumerate(value):
        j = where[i]
        assert span[0] <= j < span[1]
        if not ch.isspace():
            # the same character, or the backslash of the escape that produces it
            assert source[j] == ch or (span[2] == '"' and source[j] == "\\"), (i, ch, source[j])
        line, col = lint.line_col(source, j, span[0], doc.positions[path])
        assert (line, col) == (source.count("\n", 0, j) + 1, j - (source.rfind("\n", 0, j) + 1) + 1)
    offsets = [where[i] for i in range(len(value))]
    assert offsets == sorted(offsets)


def test_every_message_and_name_field_is_linted_and_nothing_else() -> None:
    source = (
        "status_page_incident_id: db-1.corp\n"
        "message: all fine\n"
        "incident:\n"
        "  name: Outage of db-1.corp\n"
        "  maintenance_windows:\n"
        "    - name: Upgrade of 10.0.0.1\n"
        "      note: 10.0.0.2\n"
    )
    doc = yamlstrict.load(source)
    found = lint.Linter().check(doc, source, "f.yaml")
    assert [(d.field, d.rule, d.line, d.column) for d in found] == [
        ("incident.name", "internal-host", 4, 19),
        ("incident.maintenance_windows[0].name", "private-address", 6, 24),
    ]


def test_settings_from_the_defaults_and_a_configuration() -> None:
    defaults, problems = lint.settings_from({})
    assert problems == []
    assert defaults == lint.Settings()
    custom, problems = lint.settings_from(
        {
            "rules": {"email": "error", "mention": "off", "raw-log": False, "secret": "error"},
            "internal_suffixes": [".Acme-Prod.net", "svc"],
            "allow": {"addresses": ["10.1.0.0/16", "fd00::1", "Status.Corp"], "emails": ["*@Acme.com"]},
        }
    )
    assert problems == []
    assert custom.severity["email"] == "error"
    assert custom.severity["mention"] is None and custom.severity["raw-log"] is None
    assert custom.suffixes[-2:] == ("acme-prod.net", "svc")
    assert [str(n) for n in custom.networks] == ["10.1.0.0/16", "fd00::1/128"]
    assert custom.hosts == {"status.corp"} and custom.emails[-1] == "*@acme.com"
    linter = lint.Linter(custom)
    text = "a.acme-prod.net b.svc status.corp 10.1.2.3 10.2.0.1 x@acme.com"
    assert [(f.rule, f.text) for f in linter.findings(text)] == [
        ("internal-host", "a.acme-prod.net"),
        ("internal-host", "b.svc"),
        ("private-address", "10.2.0.1"),
    ]


def test_clean_text_takes_the_prefilter_only() -> None:
    """What makes the linter cheap: text none of the rules could match is rejected in one search."""
    linter = lint.Linter()
    clean = (
        "We are investigating elevated error rates on the public API.",
        "Resolved at 10:30 UTC.",
        "Since 2026-11-26 requests may fail; the fix is due on 2026-11-27.",
    )
    for text in clean:
        assert linter._prefilter.search(text) is None
    for text in ("see 10.0.0.1", "ping @here", "grafana.corp", "ERROR [main]", "token 3f9a8b7c6d5e4f3a"):
        assert linter._prefilter.search(text) is not None


FRAGMENTS = [*(h.content.split("message:", 1)[1] for h in HITS), *CLEAN, " ", "\n", "x", ".", ":", "@", "-"]


@settings(max_examples=300, deadline=None)
@given(parts=st.lists(st.sampled_from(FRAGMENTS) | TEXT, max_size=6))
def test_the_prefilter_passes_everything_a_rule_finds(parts: list[str]) -> None:
    text = "".join(parts)
    linter = lint.Linter(lint.settings_from({"internal_suffixes": [".acme-prod.net"]})[0])
    if linter._findings(text):
        assert linter._prefilter.search(text) is not None


@pytest.mark.parametrize("unit", ["a.", "at a ", "x@a-", "ERROR:", "<@UA|", "key  ", "1.1.", "http://a:"])
def test_hostile_text_is_linted_in_linear_time(unit: str) -> None:
    """A file's largest message made of what a careless pattern backtracks on (that would hang here)."""
    text = unit * (128 * 1024 // len(unit))
    findings = lint.Linter()._findings(text)
    assert all(0 <= f.start < f.end <= len(text) for f in findings)


def test_many_findings_and_allowances_in_one_file() -> None:
    body = "".join(f"  10.0.{i // 250}.{i % 250} and grafana.corp, @here\n" for i in range(2000))
    allow = "".join(
        f"# statusfiles: allow private-address 10.0.{i // 250}.{i % 250}\n" for i in range(0, 2000, 2)
    )
    source = allow + "status_page_incident_id: x\nnotify_subscribers: false\nmessage: |\n" + body
    found = lint.Linter().check(yamlstrict.load(source), source, "f.yaml")
    by_rule = Counter(d.rule for d in found)
    # comments above the key are outside the value: they allow nothing, and say so
    assert by_rule == {"private-address": 2000, "internal-host": 2000, "mention": 2000, "lint-allow": 1000}
    last = max(found, key=lambda d: (d.line, d.column))
    assert (last.line, last.column, last.rule) == (1000 + 3 + 2000, 32, "mention")


# What a paste or an input method can put into text without changing what a reader sees, and the odd
# characters around it: combining marks, a surrogate escaped in YAML, text that grows (U+FDFA, an ellipsis)
# when normalised.
HIDING = ["\u200b", "\u00ad", "\u2060", "\ufe0f", "\U000e0020", "\u202e"]
ODD = ["\u0301", "e\u0301", "\ud800", "\ufdfa", "\u2026", "\ufb01", "日", "😀", "\u00a0", "\u3164"]


@settings(max_examples=300, deadline=None)
@given(
    parts=st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=4),
    hide=st.lists(st.tuples(st.integers(min_value=0), st.sampled_from(HIDING)), max_size=6),
    odd=st.lists(st.sampled_from(ODD), max_size=3),
    wide=st.booleans(),
)
def test_hidden_and_fullwidth_characters_change_no_finding_and_no_position(
    parts: list[str], hide: list[tuple[int, str]], odd: list[str], wide: bool
) -> None:
    """Text written with invisible characters, or digits written fullwidth, has the findings of the text a
    reader sees, each starting at the character it starts at there."""
    plain = "".join(parts) + " " + " ".join(odd)
    written: list[str] = []
    at: list[int] = []  # where each character of ``plain`` is in the text written
    inserts = sorted((i % (len(plain) + 1), h) for i, h in hide)
    for i, c in enumerate(plain):
        written += [h for j, h in inserts if j == i]
        at.append(len(written))
        written.append(chr(ord(c) + 0xFEE0) if wide and c.isdigit() and c.isascii() else c)
    written += [h for j, h in inserts if j == len(plain)]
    text = "".join(written)
    linter = lint.Linter()
    expected = [(f.rule, at[f.start]) for f in linter.findings(plain)]
    found = linter.findings(text)
    assert [(f.rule, f.start) for f in found] == expected
    assert all(0 <= f.start < f.end <= len(text) for f in found)
