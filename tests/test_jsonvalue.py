"""Parsing JSON: nesting past the parser's depth is a ValueError like any other text that is not JSON."""

from __future__ import annotations

from pathlib import Path

import pytest

from sync import schema
from sync.jsonvalue import TooDeep, loads

DEEP = "[" * 100_000 + "]" * 100_000


@pytest.mark.parametrize("text", [DEEP, DEEP.encode(), '{"a": ' + "[" * 100_000])
def test_nesting_past_the_parser_is_too_deep_a_value_error(text: str | bytes) -> None:
    with pytest.raises(TooDeep) as caught:
        loads(text)
    assert isinstance(caught.value, ValueError)
    assert str(caught.value) == "nested too deeply"


def test_loads_reads_json_and_passes_its_options_on() -> None:
    assert loads(b'{"a": [1, "\\u00e9"]}') == {"a": [1, "é"]}
    with pytest.raises(ValueError, match="NaN"):
        loads("[NaN]", parse_constant=lambda name: (_ for _ in ()).throw(ValueError(name)))
    with pytest.raises(ValueError) as caught:
        loads("{")
    assert not isinstance(caught.value, TooDeep)


def test_a_spec_nested_too_deeply_is_a_spec_error(tmp_path: Path) -> None:
    path = tmp_path / "openapi.json"
    path.write_text(DEEP)
    with pytest.raises(schema.SpecError, match=r"^nested too deeply to be an OpenAPI document$"):
        schema.load_spec(path)
