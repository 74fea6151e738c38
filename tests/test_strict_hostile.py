"""The strict checks on hostile files: hidden line breaks among quoted values, problems hiding echoes."""

from __future__ import annotations

import pytest

from sync import statusfile, yamlstrict


@pytest.mark.parametrize("pure", [False, True])
def test_breaks_between_quoted_values_are_told_apart_from_breaks_inside_them(pure: bool) -> None:
    items = ['"a\u2028b"' if i % 3 == 0 else f'"x{i}"' for i in range(300)]
    text = "message: x\nk: [" + ",\u2028".join(items) + "]\n"
    problems = yamlstrict.load(text, pure=pure).problems
    found = [(p.line, p.column) for p in problems if p.rule == "yaml-hidden-line-break"]
    outside = [i for i, c in enumerate(text) if c == "\u2028" and text[i - 1] == ","]
    assert found == [(2, i - text.index("k:") + 1) for i in outside]
    assert len(found) == 299  # the 100 inside "a\u2028b" are text


def test_a_yaml_problem_hides_the_schemas_at_and_under_its_field_only() -> None:
    text = (
        "status_page_incident_id: X\nnotify_subscribers: true\nmessage: x\ncomponent_statuses:\n"
        "  - component_id: a\n    component_status: 1\n  - component_id: b\n    component_status: bogus\n"
        "k1: 1\nk2: x\n"
    )
    found = statusfile.check_document(yamlstrict.load(text), "f.yaml")
    assert [(d.field, d.rule) for d in found] == [
        ("component_statuses[0].component_status", "yaml-implicit-type"),
        ("component_statuses[1].component_status", "enum"),
        ("k1", "yaml-implicit-type"),
        ("k2", "unknown-field"),
    ]
