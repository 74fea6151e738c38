"""What the sandbox mints: IDs shaped like the API's, and timestamps written as the API writes them."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from datetime import UTC, datetime


def timestamp(at: datetime) -> str:
    """RFC 3339 in UTC with microseconds, as the API writes ``published_at``."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_ID_LENGTH = 26


def encode_id(value: int) -> str:
    chars = []
    for _ in range(_ID_LENGTH):
        value, digit = divmod(value, 32)
        chars.append(_CROCKFORD[digit])
    return "".join(reversed(chars))


def decode_id(text: str) -> int | None:
    """The number behind a ULID-like ID, or None for an ID of another shape (IDs are opaque)."""
    if len(text) != _ID_LENGTH or any(c not in _CROCKFORD for c in text):
        return None
    value = 0
    for c in text:
        value = value * 32 + _CROCKFORD.index(c)
    return value


class IdGenerator:
    """ULID-like IDs: 48 bits of milliseconds, then a counter instead of randomness.

    Deterministic under a fake clock, sorted by creation, and never reused:
    each ID is greater than every ID seen before, including those in a state
    file written under a later (or a test's fake) clock.
    """

    def __init__(self, clock: Callable[[], float], seen: Iterable[str] = ()) -> None:
        self._clock = clock
        self._last = max((v for v in map(decode_id, seen) if v is not None), default=0)
        self._lock = threading.Lock()

    def __call__(self) -> str:
        with self._lock:
            self._last = max(int(self._clock() * 1000) << 80, self._last + 1)
            return encode_id(self._last)
