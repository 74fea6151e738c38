"""Properties of strict loading: no input crashes or hangs it, and libyaml and pure Python agree."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sync import yamlstrict
from sync.diagnostics import StatusfileError, render_github, render_json, render_text
from sync.statusfile import Source, canonical_json, load_bytes
from tests.support.cli import run_json

SOURCE = Source(path=Path("x.yaml"), display="x.yaml", rel="x.yaml")
SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# A file takes about a millisecond; a case that takes seconds is a hang in the making.
BOUNDED = settings(SETTINGS, deadline=timedelta(seconds=5))

# Text built from the characters that give YAML its structure, so most examples exercise the parser.
yamlish = st.text(
    alphabet=st.sampled_from(
        [*"abc01:-?[]{},&*!|>'\"#%@`~ \t\n\r\\", "\u00e9", "\ufeff", "\x00", "\x85", "\u2028", "\u2029"]
    ),
    max_size=200,
)
# Statusfiles as a person (or a paste) might write them: the fields in any order, each value plain,
# quoted or a block, with the mistakes of the README's rule table, escapes that make no character, hidden
# line breaks, comments, and now and then a stray line.
VALUES = [
    "01FCNDV6P870EA6S7TK1DSYDG1",
    "true",
    "false",
    "yes",
    "resolved",
    "fixed",
    "''",
    "'it''s'",
    "Still down.",
    '"\\ud800"',
    '"ok \\udfff"',
    '"\\U0001F600"',
    "|\n  Block text\n",
    "|\n  a\u2028b\n",
    ">-\n  folded\n",
    "[a",
    "{x: y}",
    "[]",
    "Fixed in release #1234",
    "# just a comment",
    "Update: still working",
    "**bold**: x",
    "@here",
    "`code`",
    "- item",
    "&a x",
    "*a",
    "!!str x",
    "!!str 5",
    "! 5",
    "!!str |\n  Block text\n",
    "&a >-\n  folded\n",
    "0123",
    "2026-11-26",
    "All good\u2028x: 1",
    '"All good\u2028x: 1"',
    "a\x85b",
    "\tTabbed",
    "caf\u00e9",
]
GOOD = {
    "status_page_incident_id": "01FCNDV6P870EA6S7TK1DSYDG1",
    "notify_subscribers": "false",
    "message": "Still down.",
}
EXTRA_FIELDS = ["incident_status", "message", "mesage", "<<", '"\\udc00"', "component_statuses"]
STRAYS = ["---", "...", "# comment\u2029x: y", "  - component_id: x", "\t- x", "? [a]", "x", ""]


@st.composite
def statusfile_ish(draw: Any) -> str:
    """The required fields (each usually right), maybe more, maybe a stray line or two."""
    value = st.sampled_from(VALUES) | st.text(max_size=12)
    lines = [f"{k}: {draw(st.just(v) | value)}" for k, v in GOOD.items()]
    lines += [f"{k}: {draw(value)}" for k in draw(st.lists(st.sampled_from(EXTRA_FIELDS), max_size=3))]
    lines = draw(st.permutations(lines))
    for _ in range(draw(st.integers(0, 2))):
        lines.insert(draw(st.integers(0, len(lines))), draw(st.sampled_from(STRAYS)))
    return draw(st.sampled_from(["\n", "\r\n"])).join(lines) + "\n"


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=20),
    st.sampled_from(["yes", "no", "on", "off", "0123", "2026-11-26", "1e3", "<<", "=", "~", "null", "True"]),
)
values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


@st.composite
def dumped(draw: Any) -> bytes:
    """Real YAML as tools write it, in every style PyYAML can produce."""
    doc = draw(st.dictionaries(st.text(max_size=10), values, max_size=6))
    style = draw(st.sampled_from([None, "'", '"', "|", ">"]))
    flow = draw(st.sampled_from([None, True, False]))
    text = yaml.safe_dump(doc, default_style=style, default_flow_style=flow, allow_unicode=True)
    return text.encode()


def outcome(data: bytes, *, pure: bool) -> Any:
    """The full observable result: payload, positions and SHA — or every diagnostic."""
    try:
        sf = load_bytes(data, SOURCE, pure=pure)
    except StatusfileError as exc:
        return ("error", exc.diagnostics)
    return ("ok", sf.payload, sf.document.positions, sf.document.key_positions, sf.sha256)


@SETTINGS
@given(st.binary(max_size=300))
def test_arbitrary_bytes_only_raise_statusfile_error(data: bytes) -> None:
    outcome(data, pure=False)
    outcome(data, pure=True)


@SETTINGS
@given(st.one_of(yamlish.map(str.encode), dumped()))
def test_libyaml_and_pure_python_agree(data: bytes) -> None:
    assert outcome(data, pure=False) == outcome(data, pure=True)


BLOCK_HEADERS = [
    b"? |#",
    b"message: |#\n  x\n",
    b"message: >-#\n  x\n",
    b"message: |2+#\n  x\n",
    b"message: |\t\n  x\n",
    b"message: |x\n",
    b"message: | x\n",
    b"message: |0\n",
    b"message: |+-\n",
    b"message: |12\n",
    "message: |\u00e9\n".encode(),
]


@pytest.mark.parametrize("data", BLOCK_HEADERS)
def test_a_bad_block_scalar_header_is_refused_alike_by_both_parsers(data: bytes) -> None:
    """libyaml takes ``|#`` and a tab after ``|``, which YAML (and PyYAML) refuse, and words the other
    mistakes its own way: both report PyYAML's words at the same place."""
    result = outcome(data, pure=False)
    assert result == outcome(data, pure=True)
    assert result[0] == "error" and [d.rule for d in result[1]] == ["yaml-syntax"]
    assert "(while scanning a block scalar)" in result[1][0].message


@pytest.mark.parametrize("data", [b"message: | # a comment\n  x\n", b"message: >+2\n   x\n"])
def test_a_good_block_scalar_header_is_read_alike(data: bytes) -> None:
    result = outcome(data, pure=False)
    assert result == outcome(data, pure=True) and not any(d.rule == "yaml-syntax" for d in result[1])


@SETTINGS
@given(dumped())
def test_values_are_plain_json_types(data: bytes) -> None:
    """Whatever loads holds only what JSON can carry: the payload is sent as-is."""
    result = outcome(data, pure=False)
    if result[0] == "ok":

        def plain(v: Any) -> bool:
            if isinstance(v, dict):
                return all(isinstance(k, str) and plain(x) for k, x in v.items())
            if isinstance(v, list):
                return all(plain(x) for x in v)
            return v is None or isinstance(v, str | bool)

        assert plain(result[1])


def test_fast_loader_is_libyaml_when_available() -> None:
    assert yaml.__with_libyaml__, "this machine's PyYAML should carry libyaml"
    assert yamlstrict._parsers()[0] is yaml.CSafeLoader


def test_deep_nesting_is_stopped_not_crashed() -> None:
    for text in ("x: " + "[" * 100_000, "x: " + "{a: " * 30_000, "- " * 50_000 + "x"):
        result = outcome(text.encode(), pure=False)
        assert result[0] == "error"
        assert result[1][0].rule in {"yaml-too-deep", "not-a-mapping"}


def _utf8(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")  # st.text may draw a surrogate: then not UTF-8, as on disk


def _verdict(data: bytes) -> None:
    """A valid statusfile that can be sent, or diagnostics that can be printed in every format."""
    try:
        sf = load_bytes(data, SOURCE)
    except StatusfileError as exc:
        diagnostics = exc.diagnostics
        assert diagnostics and all(d.rule and d.message for d in diagnostics)
        for out in (render_text(diagnostics), render_github(diagnostics), render_json(diagnostics, {})):
            out.encode("utf-8")  # strict: a lone surrogate here would crash the command printing it
        assert not any(line.lstrip().startswith("::") for line in render_text(diagnostics).splitlines())
        return
    assert json.loads(canonical_json(sf.payload)) == sf.payload


@BOUNDED
@given(st.binary(max_size=400) | yamlish.map(_utf8))
def test_any_input_gives_a_verdict_promptly(data: bytes) -> None:
    _verdict(data)


@BOUNDED
@given(statusfile_ish())
def test_statusfile_like_text_gives_one_verdict_promptly(text: str) -> None:
    data = _utf8(text)
    _verdict(data)
    assert outcome(data, pure=False) == outcome(data, pure=True)


@settings(
    max_examples=4,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(st.lists(st.one_of(st.binary(max_size=200), statusfile_ish().map(_utf8)), min_size=12, max_size=12))
def test_the_cli_judges_every_file(tmp_path_factory: Any, files: list[bytes]) -> None:
    """The real command on a folder of such files: a report for each, in bounded time, never a traceback."""
    work = tmp_path_factory.mktemp("cli")
    for i, data in enumerate(files):
        (work / "statusfiles").mkdir(exist_ok=True)
        (work / "statusfiles" / f"{i:02d}.yaml").write_bytes(data)
    code, report = run_json("validate", cwd=work, timeout=60)
    assert code in (0, 1)
    assert report["summary"]["files_checked"] == 12
    assert code == (1 if report["summary"]["files_failed"] else 0)
