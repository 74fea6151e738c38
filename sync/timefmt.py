"""Times as a plan shows them: always in UTC, whatever offset a statusfile was written with."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any


def utc(value: Any) -> datetime | None:
    """An RFC 3339 time in UTC (None when it is not one with an offset)."""
    if not isinstance(value, str):
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    return when.astimezone(UTC) if when.tzinfo is not None else None


def show(value: Any) -> str:
    """``2030-01-01 10:00 UTC``, or the text as written when it is not a time."""
    when = utc(value)
    return when.strftime("%Y-%m-%d %H:%M UTC") if when else str(value)


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
