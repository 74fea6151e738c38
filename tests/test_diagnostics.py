"""Renderers and message helpers."""

from __future__ import annotations

import io
import json

import pytest

from sync.diagnostics import (
    Diagnostic,
    Severity,
    StatusfileError,
    did_you_mean,
    format_field,
    printable,
    render_github,
    render_json,
    render_text,
    use_colour,
)

D = Diagnostic("a.yaml", 3, 7, "message", "is blank", "blank-message")


def test_format_field() -> None:
    assert format_field(()) == ""
    assert (
        format_field(("component_statuses", 1, "component_status"))
        == "component_statuses[1].component_status"
    )
    assert format_field((0, "a")) == "[0].a"


def test_names_are_printed_escaped() -> None:
    """A file or field name can come from anywhere: none may start a line of output or move the cursor."""
    assert printable("plain/é.yaml") == "plain/é.yaml"
    assert (
        printable("a\n::error::b\x1b[2J\u2028\x85\udcff\ud800")
        == "a\\n::error::b\\x1b[2J\\u2028\\x85\\xff\\ud800"
    )
    hostile = Diagnostic("x\n::error::y.yaml", 1, 1, "k\n::warning::z", "unknown field", "unknown-field")
    assert (
        render_text([hostile])
        == "x\\n::error::y.yaml:1:1: error: k\\n::warning::z: unknown field [unknown-field]\n"
    )
    assert render_github([hostile]).count("\n") == 1


def test_text() -> None:
    assert render_text([D]) == "a.yaml:3:7: error: message: is blank [blank-message]\n"
    whole = Diagnostic("b.yaml", 0, 0, "", "cannot read", "unreadable", Severity.WARNING)
    assert render_text([whole]) == "b.yaml: warning: cannot read [unreadable]\n"
    coloured = render_text([D], colour=True)
    assert "\x1b[31merror\x1b[0m" in coloured and coloured.endswith("[blank-message]\n")


def test_github_escapes_data_and_properties() -> None:
    d = Diagnostic("dir,x/a:b.yaml", 2, 1, "", "100% wrong\nsecond line", "r")
    assert (
        render_github([d])
        == "::error file=dir%2Cx/a%3Ab.yaml,line=2,col=1,title=statusfiles r::100%25 wrong%0Asecond line\n"
    )
    w = Diagnostic("a.yaml", 0, 0, "", "m", "r", Severity.WARNING)
    assert render_github([w]) == "::warning file=a.yaml,title=statusfiles r::m\n"


def test_json_is_stable() -> None:
    doc = json.loads(render_json([D], {"files_checked": 1}))
    assert doc == {
        "version": 1,
        "summary": {"files_checked": 1},
        "diagnostics": [
            {
                "file": "a.yaml",
                "line": 3,
                "column": 7,
                "field": "message",
                "message": "is blank",
                "rule": "blank-message",
                "severity": "error",
            }
        ],
    }


def test_use_colour(monkeypatch: pytest.MonkeyPatch) -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    assert use_colour(Tty()) and not use_colour(io.StringIO())
    monkeypatch.setenv("NO_COLOR", "1")
    assert not use_colour(Tty())


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("degraded", "degraded_performance"),
        ("Resolved", "resolved"),
        ("partial outage", "partial_outage"),
        ("investigatin", "investigating"),
        ("mesage", "message"),
        ("banana", None),
        ("", None),
        (3, None),
    ],
)
def test_did_you_mean(value: object, expected: str | None) -> None:
    options = [
        "investigating",
        "identified",
        "monitoring",
        "resolved",
        "operational",
        "degraded_performance",
        "partial_outage",
        "full_outage",
        "message",
    ]
    assert did_you_mean(value, options) == expected


def test_statusfile_error_needs_a_diagnostic() -> None:
    with pytest.raises(ValueError):
        StatusfileError([])
    assert str(StatusfileError([D])) == "a.yaml:3:7: error: message: is blank [blank-message]"


def test_text_puts_details_below_the_line() -> None:
    d = Diagnostic("a.yaml", 2, 1, "message", "changed\n-old\n+new", "changed-after-publish")
    assert (
        render_text([d])
        == "a.yaml:2:1: error: message: changed [changed-after-publish]\n    -old\n    +new\n"
    )
