"""The sandbox's token bucket, on a fake clock: capacity, continuous refill, and what the headers say."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sync.sandbox.ratelimit import RateLimiter, TokenBucket, rfc3339_seconds
from tests.support.clock import FakeClock


def test_a_full_bucket_allows_a_burst_then_refuses(clock: FakeClock) -> None:
    bucket = TokenBucket(per_minute=60, capacity=3, clock=clock)
    taken = [bucket.take() for _ in range(4)]
    assert [d.allowed for d in taken] == [True, True, True, False]
    assert [d.remaining for d in taken] == [2, 1, 0, 0]
    assert [d.used for d in taken] == [1, 2, 3, 3]
    assert all(d.limit == 60 for d in taken)
    assert taken[-1].retry_after == 1


def test_tokens_refill_continuously_not_per_window(clock: FakeClock) -> None:
    bucket = TokenBucket(per_minute=60, capacity=2, clock=clock)  # one token a second
    bucket.take()
    bucket.take()
    clock.advance(0.5)
    half = bucket.take()
    assert not half.allowed
    assert half.retry_after == 1  # 0.5 s rounded up to whole seconds
    clock.advance(0.5)
    assert bucket.take().allowed
    assert not bucket.take().allowed


def test_retry_after_is_rounded_up_and_never_zero(clock: FakeClock) -> None:
    bucket = TokenBucket(per_minute=1200, capacity=1, clock=clock)  # 20 a second: 50 ms a token
    bucket.take()
    clock.advance(0.049)
    denied = bucket.take()
    assert not denied.allowed
    assert denied.retry_after == 1


def test_slow_refill_gives_a_long_retry_after(clock: FakeClock) -> None:
    bucket = TokenBucket(per_minute=1, capacity=1, clock=clock)
    bucket.take()
    clock.advance(15)
    assert bucket.take().retry_after == 45


def test_reset_is_when_the_bucket_is_full_again(clock: FakeClock) -> None:
    bucket = TokenBucket(per_minute=60, capacity=10, clock=clock)
    assert bucket.take().reset == math.ceil(clock.now + 1)
    for _ in range(4):
        last = bucket.take()
    assert last.reset == math.ceil(clock.now + 5)


def test_an_idle_bucket_holds_no_more_than_its_capacity(clock: FakeClock) -> None:
    bucket = TokenBucket(per_minute=60, capacity=5, clock=clock)
    clock.advance(3600)
    assert bucket.take().remaining == 4


def test_burst_and_limit_are_independent(clock: FakeClock) -> None:
    limiter = RateLimiter(per_minute=1200, burst=2, clock=clock)
    decisions = [limiter.take("k") for _ in range(3)]
    assert [d.allowed for d in decisions] == [True, True, False]
    assert decisions[0].headers() == {
        "X-RateLimit-Limit": "1200",
        "X-RateLimit-Remaining": "1",
        "X-RateLimit-Used": "1",
        "X-RateLimit-Reset": str(math.ceil(clock.now + 1 / 20)),
    }


def test_a_clock_stepping_back_mints_no_tokens(clock: FakeClock) -> None:
    bucket = TokenBucket(per_minute=60, capacity=1, clock=clock)
    bucket.take()
    clock.advance(-30)
    assert not bucket.take().allowed
    clock.advance(30.5)  # back where it was, plus half a token
    assert not bucket.take().allowed


def test_each_key_has_its_own_bucket_and_reset_refills_them(clock: FakeClock) -> None:
    limiter = RateLimiter(per_minute=60, burst=1, clock=clock)
    assert limiter.take("a").allowed
    assert not limiter.take("a").allowed
    assert limiter.take("b").allowed
    limiter.reset()
    assert limiter.take("a").allowed


@pytest.mark.parametrize(("per_minute", "burst"), [(0, 1), (1, 0), (-5, None)])
def test_a_bucket_needs_a_positive_rate_and_size(per_minute: int, burst: int | None) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        RateLimiter(per_minute, burst)


def test_retry_after_timestamps_round_up_to_whole_seconds() -> None:
    assert rfc3339_seconds(1744888637.0) == "2025-04-17T11:17:17Z"
    assert rfc3339_seconds(1744888637.01) == "2025-04-17T11:17:18Z"


@given(
    per_minute=st.integers(1, 3000),
    capacity=st.integers(1, 50),
    steps=st.lists(st.floats(0, 5, allow_nan=False), min_size=1, max_size=200),
)
def test_never_more_than_capacity_plus_refill_and_retry_after_is_honest(
    per_minute: int, capacity: int, steps: list[float]
) -> None:
    clock = FakeClock()
    start = clock.now
    bucket = TokenBucket(per_minute, capacity, clock)
    allowed = 0
    for step in steps:
        clock.advance(step)
        decision = bucket.take()
        if decision.allowed:
            allowed += 1
            assert 0 <= decision.remaining < capacity
            assert decision.used == capacity - decision.remaining
        else:
            assert decision.retry_after >= 1
            clock.advance(decision.retry_after)  # a client that waits as told gets a token
            assert bucket.take().allowed
            allowed += 1
        assert allowed <= capacity + (clock.now - start) * per_minute / 60 + 1e-9
