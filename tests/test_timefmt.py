"""The one RFC 3339 parser (sync.timefmt): what validation, plans, new, import and sync all take as a time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from sync.timefmt import instant, order, rfc3339, show, utc

PLUS_0530 = timezone(timedelta(hours=5, minutes=30))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-01T10:00:00Z", datetime(2026, 12, 1, 10, tzinfo=UTC)),
        ("2026-12-01t10:00:00z", datetime(2026, 12, 1, 10, tzinfo=UTC)),  # RFC 3339 allows lower case
        ("2026-12-01T10:00:00+00:00", datetime(2026, 12, 1, 10, tzinfo=UTC)),
        ("2026-12-01T10:00:00-00:00", datetime(2026, 12, 1, 10, tzinfo=UTC)),
        ("2026-12-01T10:00:00+05:30", datetime(2026, 12, 1, 10, tzinfo=PLUS_0530)),
        (
            "2026-12-01T10:00:00+23:59",
            datetime(2026, 12, 1, 10, tzinfo=timezone(timedelta(hours=23, minutes=59))),
        ),
        ("2026-12-01T10:00:00.5Z", datetime(2026, 12, 1, 10, 0, 0, 500000, tzinfo=UTC)),
        ("2026-12-01T10:00:00.123456789Z", datetime(2026, 12, 1, 10, 0, 0, 123456, tzinfo=UTC)),
        ("2024-02-29T23:59:59Z", datetime(2024, 2, 29, 23, 59, 59, tzinfo=UTC)),  # a leap day
    ],
)
def test_times_with_an_offset_parse_as_written(text: str, expected: datetime) -> None:
    assert instant(text) == expected
    assert instant(text).utcoffset() == expected.utcoffset()  # type: ignore[union-attr]
    assert rfc3339(text) == expected


def test_utc_converts_the_offset() -> None:
    assert utc("2026-12-01T10:00:00+05:30") == datetime(2026, 12, 1, 4, 30, tzinfo=UTC)
    assert utc("2026-12-01T00:30:00+01:00") == datetime(2026, 11, 30, 23, 30, tzinfo=UTC)


@pytest.mark.parametrize("text", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"])
def test_a_time_with_no_instant_in_utc_is_none_not_a_crash(text: str) -> None:
    assert utc(text) is None and order(text) == (1, text) and show(text) == text


def test_a_time_without_an_offset_is_naive_and_no_instant() -> None:
    assert rfc3339("2026-12-01T10:00:00") == datetime(2026, 12, 1, 10)
    assert instant("2026-12-01T10:00:00") is None
    assert utc("2026-12-01T10:00:00") is None


@pytest.mark.parametrize(
    "text",
    [
        "2026-02-29T10:00:00Z",  # not a leap year
        "2026-02-30T10:00:00Z",
        "2026-13-01T10:00:00Z",
        "2026-12-01T24:00:00Z",
        "2026-12-31T23:59:60Z",  # a leap second: no datetime holds one
        "2026-12-01T10:60:00Z",
        "2026-12-01T10:00:00+24:00",
        "2026-12-01T10:00:00+01:60",
        "2026-12-01T10:00:00+0100",
        "2026-12-01T10:00:00+01",
        "2026-12-01 10:00:00Z",  # a space for T: ISO 8601 and fromisoformat, not RFC 3339
        "2026-12-01T10:00Z",  # no seconds
        "20261201T100000Z",  # ISO 8601's basic format
        "2026-12-01T10:00:00.Z",
        "2026-12-01T10:00:00,5Z",
        "2026-12-01",
        "2026-12-01T10:00:00Z\n",
        " 2026-12-01T10:00:00Z",
        "2026-12-01T10:00:00ZZ",
        "2026-12-01T10:00:00+00:00Z",
        "\u0662\u0660\u0662\u0666-12-01T10:00:00Z",  # Arabic-Indic digits: digits, but not ASCII ones
        "2026-12-01T10:00:00Zulu",
        "",
    ],
)
def test_anything_else_is_not_a_time(text: str) -> None:
    assert rfc3339(text) is None
    assert instant(text) is None
    assert utc(text) is None


@pytest.mark.parametrize("value", [None, 1764583200, 1.5, ["2026-12-01T10:00:00Z"], datetime(2026, 12, 1)])
def test_a_value_that_is_not_text_is_not_a_time(value: object) -> None:
    assert rfc3339(value) is None and instant(value) is None and utc(value) is None
