"""A command's output is chosen once: a table from ``--format`` to a renderer returning a ``View``."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping
from json.encoder import encode_basestring
from typing import Any, cast

View = tuple[str, int]  # what to print, and the exit status
Renderer = Callable[..., View]

INDENT = 2
# json's C encoder (None without the accelerator), unlisted by typeshed.
_C_ENCODER: Any = getattr(json.encoder, "c_make_encoder", None)
_CONTAINERS = (dict, list, tuple)
_SCALARS = frozenset((str, int, float, bool, type(None)))  # never containers, whatever they hold


def json_text(doc: Mapping[str, Any]) -> str:
    return indented_json(doc) + "\n"


def indented_json(doc: Any) -> str:
    """``json.dumps(doc, indent=2, ensure_ascii=False)``, byte for byte.

    With an indent, json.dumps uses its pure-Python encoder, a third of the time of a large plan's
    JSON view. Here Python lays out only the containers that hold other non-empty containers; every
    other value, and every container of values only, is written by json's C encoder, whose item
    separator carries the line break and the indent of that depth.
    """
    if _C_ENCODER is None:  # a Python without json's C accelerator
        return json.dumps(doc, indent=INDENT, ensure_ascii=False)
    out: list[str] = []
    _write(doc, 0, out, set())
    return "".join(out)


@functools.cache
def _flat(depth: int) -> Callable[[Any, int], list[str]]:
    """json's C encoder for a value at ``depth`` that holds no non-empty container (its items one
    level deeper, a line each, once the brackets are given their line breaks)."""
    default = json.JSONEncoder().default  # the TypeError json.dumps raises for what it cannot encode
    item_separator = ",\n" + " " * (INDENT * (depth + 1))
    encoder = _C_ENCODER(None, default, encode_basestring, None, ": ", item_separator, False, False, True)
    return cast(Callable[[Any, int], list[str]], encoder)


def _write(value: Any, depth: int, out: list[str], open_ids: set[int]) -> None:
    flat = _flat(depth)
    if not isinstance(value, _CONTAINERS) or not value:
        out += flat(value, depth)  # a value, or an empty container: the same at any depth
        return
    is_dict = isinstance(value, dict)
    items = value.values() if isinstance(value, dict) else value
    if _SCALARS.issuperset(map(type, items)):
        deep = []
    else:
        deep = [i for i, item in enumerate(items) if isinstance(item, _CONTAINERS) and item]
    close = "\n" + " " * (INDENT * depth)
    inner = close + " " * INDENT  # the line break and indent before each item
    if not deep:
        text = "".join(flat(value, depth))
        out += (text[0], inner, text[1:-1], close, text[-1])
        return
    if id(value) in open_ids:
        raise ValueError("Circular reference detected")  # json.dumps's words
    open_ids.add(id(value))
    entries: Any = list(value.items()) if isinstance(value, dict) else value
    out.append("{" if is_dict else "[")
    separator, start = inner, 0
    for i in (*deep, len(entries)):
        if i > start:  # the items before the next container, written by C all at once
            run = dict(entries[start:i]) if is_dict else entries[start:i]
            out += (separator, "".join(flat(run, depth))[1:-1])
            separator = "," + inner
        if i < len(entries):
            out.append(separator)
            if is_dict:
                key, item = entries[i]
                out += (encode_basestring(key) if isinstance(key, str) else _key(key), ": ")
            else:
                item = entries[i]
            _write(item, depth + 1, out, open_ids)
            separator = "," + inner
        start = i + 1
    out += (close, "}" if is_dict else "]")
    open_ids.remove(id(value))


def _key(key: Any) -> str:
    """A key that is not a string as json.dumps writes it (``1.5`` as ``"1.5"``, ``True`` as ``"true"``),
    or its TypeError: the C encoder's own, on a one-key object."""
    return "".join(_flat(0)({key: 0}, 0))[1:-4]


def listing(text: Callable[..., str], doc: Callable[..., Mapping[str, Any]]) -> dict[str, Renderer]:
    """The views of a command that only lists (exit status 0): its text, and its JSON document."""
    return {"text": lambda *args: (text(*args), 0), "json": lambda *args: (json_text(doc(*args)), 0)}
