"""The loader's fast path for the common shape: the same Document as the parser's, or it declines.

A wrong Document here would be a silently wrong payload or position, so every generated text, every
near miss, every corpus case and every file in the repository is read both ways and compared.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sync import yamlstrict
from tests.support.repo import REPO
from tests.support.validation_corpus import INVALID, VALID

SETTINGS = settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _parsed(text: str) -> yamlstrict.Document | None:
    """What the parser makes of ``text`` when it is valid and has no problem (what load returns then)."""
    try:
        doc = yamlstrict._load(text, yamlstrict._FAST_LOADER)
    except yamlstrict.YAMLProblems:
        return None
    return None if doc.problems else doc


def _view(doc: yamlstrict.Document) -> list[Any]:
    """Every field of a Document, dictionaries with their order (callers iterate them)."""
    out: list[Any] = []
    for f in dataclasses.fields(doc):
        value = getattr(doc, f.name)
        out.append(
            repr(value) if f.name == "data" else (list(value.items()) if isinstance(value, dict) else value)
        )
    return out


def _check(text: str) -> bool:
    """The fast path agrees with the parser on ``text``; whether it took it."""
    fast = yamlstrict._simple(text)
    if fast is None:
        return False
    parsed = _parsed(text)
    assert parsed is not None, f"the fast path read text the parser refuses or warns about: {text!r}"
    assert _view(fast) == _view(parsed), text
    assert yamlstrict.load(text) == yamlstrict.load(text, pure=True)
    return True


def mostly(usual: list[str], odd: list[str]) -> st.SearchStrategy[str]:
    """One of ``usual`` nearly always, now and then a near miss from ``odd``."""
    return st.integers(0, 15).flatmap(lambda i: st.sampled_from(usual if i else odd))


KEYS = mostly(
    ["message", "incident_status", "k", "_x", "a1", "component_statuses"],
    ["key ", "<<", "-k", "k k", '"k"', "1k", "k-e", "ké", "?k", "true", "null"],
)
AFTER_COLON = mostly([" ", " ", "  "], ["", "\t", ":", " \t"])
USUAL = ["investigating", "Still down.", "01FCNDV6P870EA6S7TK1DSYDG1", "true", "false", "null", "(see) x"]
USUAL += [
    "a:b",
    "http://a.b/c?x=1",
    "it's",
    "x'y",
    "x, y",
    "café",
    "…",
    "😀",
    "x\\y",
    "50%",
    "./x",
    "_x",
    "x ",
]
ODD = ["Null", "~", "yes", "no", "on", "True", "1", "1.5", "0x1F", "1e3", "2026-11-26", "12:30", ".inf", ".x"]
ODD += ["a: b", "a:", "a #b", "a#b", '"q"', "'q'", '["x"]', "[x]", "{x}", "a]b", "a}b", "a\u2028b", "a\x85b"]
ODD += [
    "a\u00a0",
    "\u00a0a",
    "\ufeffx",
    "\u200bx",
    "*x",
    "&a x",
    "!x",
    "!!str x",
    "%x",
    "@x",
    "`x`",
    "|",
    "|-",
]
ODD += [
    "|+",
    ">",
    ">-",
    "|2",
    "| # c",
    "|-  ",
    "-",
    "- x",
    "?",
    "? x",
    ":x",
    "x  ",
    "a\tb",
    "x\r",
    "---",
    "...",
]
VALUE = st.integers(0, 7).flatmap(
    lambda i: (
        mostly(USUAL, ODD)
        if i
        else st.text(
            alphabet=st.sampled_from([*"abcXYZ019 .,:-#'\"|>[]{}&*!?%@`()_/\\\t", "é", "\u2028", "\x85"]),
            max_size=10,
        )
    )
)
HEADER = mostly(["|", "|-", "|  "], ["|+", ">", "| # c", "|1", "|-2", "|\t"])
BODY = mostly(
    ["  text", "  more text", "    deeper", "", "  # not a comment", "  a: b #c", "  '", '  "q"', "  - x"],
    ["   ", "  ", " one", "\ttab", "text", "# comment", "  \u2028", "      ", "  k\x85"],
)
SEQ_ODD = [
    "  - k: v # c",
    "  - k:",
    "  -",
    "  - - x",
    "  - [a]",
    "  - 'q'",
    "  - k: |",
    "   k2: w",
    "  -k: v",
]
SEQ_ODD += ["    k2: w", "  k2: w", "      k3: x", "- a", "    - a", "  -  k: v", "# c", "", "  # c", "\t- a"]
STRAY = mostly(
    ["# comment", "#", ""], ["  # indented comment", "   ", "---", "...", "%YAML 1.2", "x", "  k: v"]
)
NEWLINE = mostly(["\n"], ["\r\n", "\r"])
END = mostly(["\n", "\n\n"], ["", "\r\n", "\n  "])


@st.composite
def statusfile_like(draw: Any) -> str:
    """Top-level fields with plain, block and list values, comments, blank lines; some lines slightly off."""
    lines: list[str] = []
    if draw(st.booleans()):
        lines.append("# yaml-language-server: $schema=../../schemas/status-page-incident-update.schema.json")
    for _ in range(draw(st.integers(1, 6))):
        key = draw(KEYS)
        shape = draw(st.sampled_from(["plain", "plain", "block", "list", "stray"]))
        if shape == "plain":
            lines.append(f"{key}:{draw(AFTER_COLON)}{draw(VALUE)}")
        elif shape == "block":
            lines.append(f"{key}: {draw(HEADER)}")
            lines += draw(st.lists(BODY, min_size=0, max_size=5))
        elif shape == "list":
            lines.append(f"{key}:")
            dash = draw(st.sampled_from(["", "  ", "  ", "    "]))
            pad = " " * draw(mostly(["1"], ["2", "3"]).map(int))
            for _ in range(draw(st.integers(0, 3))):
                if draw(st.booleans()):
                    lines.append(f"{dash}-{pad}{draw(VALUE)}")
                else:
                    lines.append(f"{dash}-{pad}component_id: {draw(VALUE)}")
                    if draw(st.booleans()):
                        lines.append(f"{dash} {pad}component_status: {draw(VALUE)}")
                if draw(st.integers(0, 5)) == 0:
                    lines.append(draw(st.sampled_from(SEQ_ODD)))
        else:
            lines.append(draw(STRAY))
    return draw(NEWLINE).join(lines) + draw(END)


@SETTINGS
@given(statusfile_like())
def test_the_fast_path_reads_what_the_parser_reads_or_declines(text: str) -> None:
    _check(text)


def test_generated_files_mostly_take_the_fast_path() -> None:
    """The generator reaches the fast path often enough for the property above to mean something."""
    taken = 0

    @settings(max_examples=300, deadline=None, database=None, derandomize=True)
    @given(statusfile_like())
    def count(text: str) -> None:
        nonlocal taken
        taken += _check(text)

    count()
    assert taken >= 15, taken  # one in twenty: the property then compares hundreds of files per run


def _repository_files() -> list[Path]:
    found = [*(REPO / "statusfiles").rglob("*.yaml"), *(REPO / "statusfiles").rglob("*.yml")]
    found += [
        *(REPO / "tests").rglob("*.yaml"),
        *(REPO / "tests").rglob("*.yml"),
        *(REPO / "examples").rglob("*.y*ml"),
    ]
    return sorted(found)


def test_every_file_in_the_repository_and_the_corpus_agrees() -> None:
    texts = [p.read_text(encoding="utf-8") for p in _repository_files()]
    texts += [c.content.decode("utf-8", "replace").removeprefix("\ufeff") for c in [*VALID, *INVALID]]
    taken = [_check(text) for text in texts]
    assert sum(taken[: len(_repository_files())]) >= 8  # the examples are the common shape


BENCHMARK_SHAPE = (
    "# yaml-language-server: $schema=../../schemas/status-page-incident-update.schema.json\n"
    "status_page_incident_id: 01JBENCH000000000000000001\n"
    "incident_status: investigating\n"
    "notify_subscribers: true\n"
    "component_statuses:\n"
    "  - component_id: 01JBENCHCOMPONENT000000003\n"
    "    component_status: degraded_performance\n"
    "  - component_id: 01JBENCHCOMPONENT000000007\n"
    "    component_status: operational\n"
    "message: |\n"
    "  We are investigating elevated error rates on the public API.\n"
    "\n"
    "  Update 1 for incident 1, see #42: it's: fine.\n"
)


@pytest.mark.parametrize(
    "text",
    [
        BENCHMARK_SHAPE,
        "message: Still down.\nincident_status: resolved\n",
        "affected_component_ids:\n- a\n- b\n\n# next\nmessage: |-\n  x\n\n\n# c\nk: null\n",
        "a: x  \nb:\n  -   k: v\n      j: w\n  - z\n",
    ],
)
def test_the_common_shape_takes_the_fast_path(text: str) -> None:
    assert _check(text)


@pytest.mark.parametrize(
    "text",
    [
        "message: 'quoted'\n",
        "message: yes\n",
        "message: a: b\n",
        "message: x # cut\n",
        "message: x\n  continued\n",
        "message:\tx\n",
        "message: x\r\n",
        "message: x",
        "message: x\u2028y: z\n",
        "message: |\n\n  x\n",
        "message: |\n  x\n   \n",
        "message: |+\n  x\n",
        "message: >\n  x\n",
        "a: &x b\n",
        "a: x\na: y\n",
        "list:\n  - a\n - b\n",
        "list:\n  - k: v\n     j: w\n",
        "list:\n  - k: |\n      x\n",
        "list:\nk: v\n",
        "---\nmessage: x\n",
        " message: x\n",
        "# only a comment\n",
        "",
    ],
)
def test_anything_else_is_left_to_the_parser(text: str) -> None:
    assert yamlstrict._simple(text) is None
    _check(text)
