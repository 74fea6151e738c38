"""A command's output is chosen once: a table from ``--format`` to a renderer returning a ``View``."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

View = tuple[str, int]  # what to print, and the exit status
Renderer = Callable[..., View]


def json_text(doc: Mapping[str, Any]) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def listing(text: Callable[..., str], doc: Callable[..., Mapping[str, Any]]) -> dict[str, Renderer]:
    """The views of a command that only lists (exit status 0): its text, and its JSON document."""
    return {"text": lambda *args: (text(*args), 0), "json": lambda *args: (json_text(doc(*args)), 0)}
