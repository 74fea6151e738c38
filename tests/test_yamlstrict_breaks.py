"""Hidden line breaks among many quoted values: each one outside a quote is reported, each inside is kept."""

from __future__ import annotations

import pytest

from sync import yamlstrict


@pytest.mark.parametrize("pure", [False, True])
def test_breaks_between_quoted_values_are_told_apart_from_breaks_inside_them(pure: bool) -> None:
    items = ['"a\u2028b"' if i % 3 == 0 else f'"x{i}"' for i in range(300)]
    text = "message: x\nk: [" + ",\u2028".join(items) + "]\n"
    problems = yamlstrict.load(text, pure=pure).problems
    found = [(p.line, p.column) for p in problems if p.rule == "yaml-hidden-line-break"]
    outside = [i for i, c in enumerate(text) if c == "\u2028" and text[i - 1] == ","]
    assert found == [(2, i - text.index("k:") + 1) for i in outside]
    assert len(found) == 299  # the 100 inside "a\u2028b" are text
