"""Properties of strict loading: no input crashes it, and libyaml and pure Python agree."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sync import yamlstrict
from sync.diagnostics import StatusfileError
from sync.statusfile import Source, load_bytes

SOURCE = Source(path=Path("x.yaml"), display="x.yaml", rel="x.yaml")
SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Text built from the characters that give YAML its structure, so most examples exercise the parser.
yamlish = st.text(
    alphabet=st.sampled_from([*"abc01:-?[]{},&*!|>'\"#%@`~ \t\n\r\\", "\u00e9", "\ufeff", "\x00", "\x85"]),
    max_size=200,
)
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
    assert yamlstrict._FAST_LOADER is yaml.CSafeLoader


def test_deep_nesting_is_stopped_not_crashed() -> None:
    for text in ("x: " + "[" * 100_000, "x: " + "{a: " * 30_000, "- " * 50_000 + "x"):
        result = outcome(text.encode(), pure=False)
        assert result[0] == "error"
        assert result[1][0].rule in {"yaml-too-deep", "not-a-mapping"}
