"""The API's rate limit: a token bucket per API key, with an injectable clock.

incident.io documents 1200 requests a minute per key, refilled continuously
(20 a second) rather than reset at a window boundary, so a client that backs
off for ``Retry-After`` seconds is guaranteed a token. The clock is a plain
``() -> float`` of Unix seconds: tests pass a fake one and never sleep.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

Clock = Callable[[], float]


@dataclass(frozen=True, slots=True)
class Decision:
    """What one request got from the bucket, and everything the response headers say about it."""

    allowed: bool
    limit: int  # requests per minute: X-RateLimit-Limit
    remaining: int  # whole tokens left after this request
    used: int  # tokens taken and not yet refilled
    reset: int  # Unix seconds when the bucket is full again
    retry_after: int  # whole seconds until a token is available; 0 when allowed
    now: float

    def headers(self) -> dict[str, str]:
        """The X-RateLimit-* headers every API response carries (a 429 adds Retry-After itself)."""
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Used": str(self.used),
            "X-RateLimit-Reset": str(self.reset),
        }


def rfc3339_seconds(unix: float) -> str:
    """Whole seconds, rounded up so that a client waiting until then is never early."""
    return datetime.fromtimestamp(math.ceil(unix), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class TokenBucket:
    """``capacity`` tokens, refilling continuously at ``per_minute / 60`` a second; one token a request."""

    def __init__(self, per_minute: int, capacity: int, clock: Clock = time.time) -> None:
        if per_minute < 1 or capacity < 1:
            raise ValueError("the rate limit and the burst must both be at least 1")
        self.per_minute = per_minute
        self.capacity = capacity
        self._rate = per_minute / 60  # tokens a second
        self._clock = clock
        self._tokens = float(capacity)
        self._updated = clock()

    def _refill(self, now: float) -> None:
        # A clock that steps backwards (NTP) must not mint tokens, nor take them away.
        elapsed = max(0.0, now - self._updated)
        self._tokens = min(float(self.capacity), self._tokens + elapsed * self._rate)
        self._updated = max(now, self._updated)

    def take(self) -> Decision:
        now = self._clock()
        self._refill(now)
        allowed = self._tokens >= 1
        if allowed:
            self._tokens -= 1
        remaining = math.floor(self._tokens)
        return Decision(
            allowed=allowed,
            limit=self.per_minute,
            remaining=remaining,
            used=self.capacity - remaining,
            reset=math.ceil(now + (self.capacity - self._tokens) / self._rate),
            retry_after=0 if allowed else math.ceil((1 - self._tokens) / self._rate),
            now=now,
        )


class RateLimiter:
    """One bucket per API key, created full on the key's first request; safe to share between threads."""

    def __init__(self, per_minute: int, burst: int | None = None, clock: Clock = time.time) -> None:
        self.per_minute = per_minute
        self.burst = per_minute if burst is None else burst
        self._clock = clock
        self._buckets: dict[str, TokenBucket] = {}
        self._lock = threading.Lock()
        TokenBucket(per_minute, self.burst, clock)  # fail now, not on the first request

    def take(self, key: str) -> Decision:
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                bucket = self._buckets[key] = TokenBucket(self.per_minute, self.burst, self._clock)
            return bucket.take()

    def reset(self) -> None:
        with self._lock:
            self._buckets.clear()
