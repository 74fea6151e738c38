"""The JSON every command prints is json.dumps(indent=2)'s, byte for byte, however it is made."""

from __future__ import annotations

import json
from collections import OrderedDict
from enum import IntEnum
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sync.views import indented_json, json_text


def dumps(doc: Any) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False)


class Level(IntEnum):
    HIGH = 3


AWKWARD: list[Any] = [
    None,
    True,
    0,
    -1.5,
    "",
    [],
    {},
    [[]],
    [{}],
    {"a": {}},
    {"a": []},
    [[], {}, [[]], {"b": {}}],
    {"deep": {"er": {"est": [1, [2, [3, {"x": None}]]]}}},
    # Unicode, control characters, quotes and backslashes, lone surrogates, line separators.
    {'é\u2028\x00\x1f"\\': "ü\n\t\u00ff\ud800\u2029\x7f\x1b[31m", "emoji": "🙂", "nul": "\x00"},
    # Values whose text looks like the layout: brackets, separators and indents inside strings.
    {"s": '{\n  "a": [\n    1\n  ]\n}', "t": "],\n  [", "u": '": "', "v": ["{", "}", "[", "]", ","]},
    [1.0, 1e300, 5e-324, -0.0, float("nan"), float("inf"), float("-inf"), 10**30, -(10**40), Level.HIGH],
    {2: "int key", 1.5: "float key", True: "bool key", None: "null key", "x": {False: [1]}},
    (1, (2, (3,)), {"t": ({"a": 1},)}),
    OrderedDict([("z", 1), ("a", [OrderedDict(b=2)])]),
    {"mixed": [1, "two", [3], {"four": 4}, [], {}, None, [[5, {"six": [6]}]]], "after": "x"},
    # The text a nested container's place is marked with, held by the values themselves.
    {"nul": "\x00", "nested": [1, {"a": "\x00"}], "\x00": {"b": ['"\x00', [2]]}},
    ["\x00", [1], "x\x00", ['"\x00', {"k": [3]}]],
    {"scalars then a list": 1, "l": [1], "then scalars": 2, "d": {"k": "v"}, "last": True},
]


@pytest.mark.parametrize("doc", AWKWARD, ids=range(len(AWKWARD)))
def test_awkward_documents_are_written_as_json_dumps_writes_them(doc: Any) -> None:
    assert indented_json(doc) == dumps(doc)


def test_json_text_ends_with_a_newline() -> None:
    doc = {"a": [1, {"b": 2}]}
    assert json_text(doc) == dumps(doc) + "\n"


leaves = (
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True, allow_infinity=True) | st.text()
)
documents = st.recursive(
    leaves,
    lambda inner: (
        st.lists(inner, max_size=5)
        | st.dictionaries(
            st.text() | st.integers() | st.floats() | st.booleans() | st.none(), inner, max_size=5
        )
    ),
    max_leaves=40,
)


@settings(max_examples=400, deadline=None)
@given(documents)
def test_any_document_is_written_as_json_dumps_writes_it(doc: Any) -> None:
    assert indented_json(doc) == dumps(doc)


def test_what_json_dumps_refuses_is_refused_with_its_error() -> None:
    looped: list[Any] = [1]
    looped.append([looped])
    with pytest.raises(ValueError, match="Circular reference detected"):
        indented_json(looped)
    with pytest.raises(TypeError, match="Object of type object is not JSON serializable"):
        indented_json({"a": [1, {"b": object()}]})
    with pytest.raises(TypeError, match="keys must be str, int, float, bool or None, not tuple"):
        indented_json({"a": {(1,): 2, "b": [1]}})
