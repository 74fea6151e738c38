"""The loader's fast path for the common shape: the same Document as the parser's, or it declines.

A wrong Document here would be a silently wrong payload or position, so every generated text, every
near miss, every corpus case and every file in the repository is read both ways and compared.
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from yaml.resolver import Resolver

from sync import yamlstrict
from tests.support.payloads import update, write_statusfile
from tests.support.repo import REPO
from tests.support.validation_corpus import INVALID, VALID

SETTINGS = settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _parsed(text: str) -> yamlstrict.Document | None:
    """What the parser makes of ``text`` when it is valid and has no problem (what load returns then)."""
    try:
        doc = yamlstrict._load(text, yamlstrict._parsers()[0])
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


# What YAML 1.1 may read as something other than text: digits, signs, dots, colons, the letters of
# numbers, dates, booleans and null, and the few characters with a type of their own.
SCALAR_CHARS = "0123456789-+._: \tabefinorstuxyzABEFINORSTUXYZTlLN~<=!&*"
SCALARS = [
    *("", "~", "null", "Null", "NULL", "nULL", "<<", "<", "=", "==", "yes", "Yes", "YES", "yEs", "y", "n"),
    *("on", "On", "ON", "off", "oFF", "true", "True", "TRUE", "tRUE", "false", "False", "no", "No", "NO"),
    *("0", "-0", "+12", "012", "08", "0b101", "-0b1_0", "0x1F", "0x_", "0o17", "1_000", "1:20", "-1:20:30"),
    *("190:20:30.15", "1.5", "-.5", ".5e+3", "1e3", "1.0e3", "1.0e+3", ".inf", "-.Inf", "+.INF", ".nan"),
    *(".NaN", ".NAN", ".", "-.", "2002-12-14", "2001-12-14t21:59:43.10-05:00", "2001-12-14 21:59:43.10 Z"),
    *("2001-12-14T21:59:43Z", "2001-1-4T1:59:43", "2001-12-14 21:59:43.10 -5", "2001-12-14X", "01JB2K"),
]


def test_the_yaml_1_1_types_are_pyyaml_s() -> None:
    """The fast path reads files without importing yaml: its table of types gives PyYAML's answer."""
    resolver = Resolver()
    for value in SCALARS:
        assert yamlstrict.yaml11_tag(value) == resolver.resolve(yaml.ScalarNode, value, (True, False)), value


@SETTINGS
@given(st.text(SCALAR_CHARS, max_size=24))
def test_any_scalar_gets_pyyaml_s_yaml_1_1_type(value: str) -> None:
    assert yamlstrict.yaml11_tag(value) == Resolver().resolve(yaml.ScalarNode, value, (True, False))


def test_a_file_the_fast_path_reads_never_imports_yaml(tmp_path: Path) -> None:
    """One valid update (what pre-commit checks) is validated without the yaml package's start-up."""
    folder = tmp_path / "statusfiles" / "2026-11-27-api"
    folder.mkdir(parents=True)
    write_statusfile(folder / "01-investigating.yaml", update(message="We are looking into it."))
    code = (
        "import sys\n"
        "from sync.cli import cli\n"
        "try:\n"
        "    cli(['validate', sys.argv[1]])\n"
        "except SystemExit as e:\n"
        "    assert e.code == 0, e.code\n"
        "print('yaml' in sys.modules, [m for m in sys.modules if m.startswith('yaml')])\n"
    )
    file = str(folder / "01-investigating.yaml")
    proc = subprocess.run([sys.executable, "-c", code, file], capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[-1] == "False []"
