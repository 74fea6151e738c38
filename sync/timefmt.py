"""Times: the one RFC 3339 parser, and times as plans show them, always in UTC whatever offset a statusfile
was written with."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sync.lazyre import LazyPattern

# RFC 3339's date-time, what the spec's "date-time" format means: ASCII digits, seconds required, a fraction
# of any length, T and Z in either case, an offset of at most 23:59. ``datetime.fromisoformat`` alone takes
# far more (a space for T, no seconds, +0100, +01:60), so the shape is checked first; the offset is optional
# here only so that a time without one can be told apart from text that is no time at all.
_DATE_TIME = LazyPattern(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?"
    r"([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9])?"
)


def rfc3339(value: Any) -> datetime | None:
    """``value`` as an RFC 3339 time, naive when it has no offset; None if it is anything else (a leap
    second too: no datetime holds one)."""
    if not isinstance(value, str) or _DATE_TIME.fullmatch(value) is None:
        return None
    try:
        return datetime.fromisoformat(value.upper())  # RFC 3339 allows a lower-case t and z
    except ValueError:  # the right shape, but no such day or hour
        return None


def instant(value: Any) -> datetime | None:
    """``value`` as an RFC 3339 time with an offset (kept as written); None if it is anything else."""
    at = rfc3339(value)
    return at if at is not None and at.tzinfo is not None else None


def utc(value: Any) -> datetime | None:
    """An RFC 3339 time in UTC (None when it is not one with an offset)."""
    at = instant(value)
    if at is None:
        return None
    try:
        return at.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00:00+01:00, 9999-12-31T23:59:59-01:00: no such instant in UTC
        return None


def order(value: str) -> tuple[int, datetime | str]:
    """A sort key placing RFC 3339 times by the instant they name, whatever their offset or the length
    of their fraction (as text, ``10:00:00.5Z`` sorts before ``10:00:00Z``); other text after them."""
    at = utc(value)
    return (0, at) if at is not None else (1, value)


def show(value: Any) -> str:
    """``2030-01-01 10:00 UTC``, or the text as written when it is not a time."""
    when = utc(value)
    return when.strftime("%Y-%m-%d %H:%M UTC") if when else str(value)


def show_moment(when: datetime) -> str:
    """``2030-01-01 10:00:05 UTC``: a moment sync waits for, to the second, with its date (it may be
    tomorrow's, or years ahead when a ledger's clock was wrong)."""
    return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def window(start: Any, end: Any) -> str:
    """``2030-01-01 10:00 to 12:00 UTC`` (the end's date too when it differs)."""
    a, b = utc(start), utc(end)
    if a is None or b is None:
        return f"{start} to {end}"
    end_text = f"{b:%H:%M}" if a.date() == b.date() else f"{b:%Y-%m-%d %H:%M}"
    return f"{a:%Y-%m-%d %H:%M} to {end_text} UTC"


def _moves(before: Any, after: Any) -> str:
    """``10:00 → 11:00 UTC`` (with dates when the day changes)."""
    a, b = utc(before), utc(after)
    if a is None or b is None:
        return f"{before} → {after}"
    if a.date() == b.date():
        return f"{a:%H:%M} → {b:%H:%M} UTC ({b:%Y-%m-%d})"
    return f"{a:%Y-%m-%d %H:%M} → {b:%Y-%m-%d %H:%M} UTC"


def change_text(changes: Sequence[tuple[str, Any, Any]]) -> str:
    """What a PUT changes: ``rename: "Old" → "New"``, ``reschedule: 10:00 → 11:00 UTC (2030-01-01)``."""
    parts = []
    for name, before, after in changes:
        if name == "name":
            parts.append(f'rename: "{before}" → "{after}"')
        elif name == "start_at":
            parts.append(f"reschedule: {_moves(before, after)}")
        elif name == "end_at":
            parts.append(f"reschedule end: {_moves(before, after)}")
    return "; ".join(parts)
