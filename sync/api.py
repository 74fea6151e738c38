"""The incident.io client: the only module that speaks HTTP.

What it promises the publisher:

* A POST is sent at most once. If its outcome cannot be known (the response
  was lost, timed out, or was a 5xx) it raises :class:`OutcomeUnknown` and
  never retries: there is no idempotency key for updates, and a blind retry
  could email every subscriber twice. The caller reconciles by reading back.
* What certainly was not applied is retried: connection failures (nothing
  was sent) and 429s, with capped exponential backoff and full jitter, never
  sooner than the server's Retry-After. GETs are also retried on 5xx and lost
  responses, since reading twice is harmless.
* Requests are paced from the ``X-RateLimit-*`` headers so that a run alone
  never meets a 429.
* The API key goes only into the Authorization header, only over HTTPS (or
  plain HTTP to a loopback address, for the sandbox), and never into a
  message, log or exception.
"""

from __future__ import annotations

import dataclasses
import email.utils
import math
import os
import random
import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import quote, urlsplit

import httpx

from sync import __version__
from sync.netaddr import is_loopback
from sync.remote import (
    WRITE_SCOPE,
    RemoteIncident,
    RemoteUpdate,
    UnexpectedShape,
    parse_incident,
    parse_status_pages,
    parse_structure,
    parse_update,
)
from sync.snapshot import Component, Page

DEFAULT_BASE_URL = "https://api.incident.io"
USER_AGENT = f"statusfiles/{__version__}"
LIST_PAGE_SIZE = 250  # the most a list endpoint returns at once: fewer requests
T = TypeVar("T")


# --- errors -------------------------------------------------------------------


class ApiError(Exception):
    """The API answered, and the answer was no."""

    def __init__(self, status: int, body: Any, message: str | None = None) -> None:
        self.status = status
        self.body = body if isinstance(body, dict) else {}
        self.errors: list[dict[str, Any]] = [e for e in self.body.get("errors", []) if isinstance(e, dict)]
        self.request_id = self.body.get("request_id")
        detail = "; ".join(str(e.get("message", e.get("code", ""))) for e in self.errors) or "no details"
        text = message or f"HTTP {status}: {detail}"
        if self.request_id:
            text += f" (request id {self.request_id})"
        super().__init__(text)


class AuthError(ApiError):
    """401 or 403: no request will succeed; the whole run stops."""


class NotFound(ApiError):
    pass


class Rejected(ApiError):
    """A 4xx other than auth and 404 (usually 422): this request, as sent, will never succeed."""


class OutcomeUnknown(Exception):
    """A POST was sent but whether it was applied cannot be known from the response."""


class Unreachable(Exception):
    """The API could not be reached (nothing was sent) even after retrying."""


class ConfigError(ValueError):
    """The base URL or key cannot be used safely."""


# --- safety checks -------------------------------------------------------------


def check_base_url(url: str) -> str:
    """The URL without a trailing slash, or ConfigError if the key could travel in the clear."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ConfigError(f"the API base URL must be an https:// URL, not {url!r}")
    if parts.username or parts.password:
        raise ConfigError("the API base URL must not contain credentials")
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise ConfigError(
            f"refusing to send the API key over plain HTTP to {parts.hostname}: use https:// "
            "(plain http is allowed only for a loopback address such as the sandbox)"
        )
    return url.rstrip("/")


def check_api_key(key: str | None) -> str:
    """The key, or ConfigError (which never contains the key)."""
    if not key:
        raise ConfigError("INCIDENT_IO_API_KEY is not set: export the API key in the environment")
    if not all(33 <= ord(c) < 127 for c in key):
        raise ConfigError("INCIDENT_IO_API_KEY contains spaces or characters that cannot be sent in a header")
    return key


# --- retry and pacing -------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class RetryPolicy:
    """Capped exponential backoff with full jitter (seconds)."""

    attempts: int = 6
    base: float = 0.5
    cap: float = 30.0

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> RetryPolicy:
        """``STATUSFILES_RETRY_BASE`` / ``STATUSFILES_RETRY_CAP`` / ``STATUSFILES_RETRY_ATTEMPTS`` tune it."""
        default = cls()
        return cls(
            attempts=int(_env_number(env, "STATUSFILES_RETRY_ATTEMPTS", default.attempts, integer=True)),
            base=_env_number(env, "STATUSFILES_RETRY_BASE", default.base),
            cap=_env_number(env, "STATUSFILES_RETRY_CAP", default.cap),
        )

    def delay(self, attempt: int, at_least: float = 0.0, rng: random.Random | None = None) -> float:
        """The wait before retry ``attempt`` (1-based): full jitter, never under ``at_least``."""
        ceiling = min(self.cap, self.base * 2 ** (attempt - 1))
        return max(at_least, (rng or random).uniform(0, ceiling))


def _env_number(env: Mapping[str, str], name: str, default: float, *, integer: bool = False) -> float:
    """A finite, non-negative setting (a positive integer with ``integer``), or ConfigError.

    NaN or infinity would make every backoff a hang, so they are refused with the rest.
    """
    text = env.get(name)
    if text is None:
        return default
    try:
        value = int(text) if integer else float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < (1 if integer else 0):
        kind = "a whole number of attempts, at least 1" if integer else "a number of seconds, 0 or more"
        raise ConfigError(f"{name}={text!r}: expected {kind}")
    return value


def _parse_time(value: str, now: float) -> float | None:
    """Seconds from ``now`` until an HTTP-date or RFC 3339 instant (either spelling the API uses)."""
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        try:
            when = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - now)


def retry_after(headers: Mapping[str, str], body: Any, now: float) -> float:
    """The longest wait a response asks for: Retry-After (seconds or HTTP-date), or the body's retry_after."""
    waits = [0.0]
    header = {k.lower(): v for k, v in headers.items()}.get("retry-after")
    if header:
        header = header.strip()
        if header.isdigit():
            waits.append(float(header))
        elif (parsed := _parse_time(header, now)) is not None:
            waits.append(parsed)
    limit = body.get("rate_limit") if isinstance(body, dict) else None
    if isinstance(limit, dict) and isinstance(limit.get("retry_after"), str):
        parsed = _parse_time(limit["retry_after"], now)
        if parsed is not None:
            waits.append(parsed)
    return max(waits)


class Pacer:
    """A client-side mirror of the server's token bucket, so a run stays under the rate limit.

    It starts from the documented default (1200/minute); the first response
    tells it the real limit and how many tokens remain. From then on it keeps
    its own account (one token per request, refilled at the limit's rate) and
    lets each response only lower it: responses can arrive out of order, and a
    late one reports a count from before requests the client has already sent.
    Requests still in flight count as spent, so the estimate errs towards waiting.
    """

    def __init__(
        self,
        per_minute: int = 1200,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._lock = threading.Lock()
        self._clock = clock
        self._sleep = sleep
        self.rate = per_minute / 60
        self.capacity = float(per_minute)
        self.tokens = 1.0  # until the first response says more
        self.inflight = 0
        self.learned = False  # whether a response has told us the real limit yet
        self._stamp = clock()

    def _refill(self) -> None:
        now = self._clock()
        self.tokens = min(self.capacity, self.tokens + (now - self._stamp) * self.rate)
        self._stamp = now

    def acquire(self) -> None:
        while True:
            with self._lock:
                self._refill()
                if self.tokens >= 1:
                    self.tokens -= 1
                    self.inflight += 1
                    return
                wait = (1 - self.tokens) / self.rate
            self._sleep(wait)

    def release(self, headers: Mapping[str, str] | None, *, throttled: bool = False) -> None:
        """Called once per acquired request, with the response's headers when there was a response."""
        with self._lock:
            self.inflight -= 1
            self._refill()
            if throttled:
                self.tokens = min(self.tokens, 0.0)
            if not headers:
                return
            lowered = {k.lower(): v for k, v in headers.items()}
            try:
                limit = int(lowered["x-ratelimit-limit"])
                remaining = int(lowered["x-ratelimit-remaining"])
            except (KeyError, ValueError):
                return
            if limit > 0:
                self.rate = limit / 60
                self.capacity = float(limit)
            reported = float(remaining - self.inflight)
            self.tokens = min(self.capacity, reported if not self.learned else min(self.tokens, reported))
            self.learned = True


# --- the client ---------------------------------------------------------------------


@dataclasses.dataclass
class Stats:
    requests: int = 0
    throttled: int = 0  # 429s received
    retries: int = 0


class Client:
    """Thread-safe; one per run. Use as a context manager to close its connections."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        pacer: Pacer | None = None,
        sleep: Callable[[float], None] = time.sleep,
        event_hooks: Mapping[str, list[Callable[..., Any]]] | None = None,
    ) -> None:
        self.base_url = check_base_url(base_url)
        key = check_api_key(api_key)
        self.retry = retry or RetryPolicy()
        self.pacer = pacer or Pacer()
        self.stats = Stats()
        self._sleep = sleep
        self._stats_lock = threading.Lock()
        self._http = httpx.Client(
            base_url=self.base_url,
            headers={
                "Authorization": f"Bearer {key}",
                "User-Agent": USER_AGENT,
                "Accept": "application/json",
            },
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            follow_redirects=False,  # a redirect must never carry the key somewhere else
            limits=httpx.Limits(max_connections=32, max_keepalive_connections=32),
            event_hooks=dict(event_hooks or {}),  # lets the contract test observe every exchange
        )

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def _count(self, **deltas: int) -> None:
        with self._stats_lock:
            for name, delta in deltas.items():
                setattr(self.stats, name, getattr(self.stats, name) + delta)

    def _request(self, method: str, path: str, *, json: Any = None, safe_to_repeat: bool) -> httpx.Response:
        """Send with pacing and retries; a POST whose fate is unknown raises OutcomeUnknown instead."""
        attempt = 0
        while True:
            attempt += 1
            self.pacer.acquire()
            response: httpx.Response | None = None
            try:
                self._count(requests=1)
                response = self._http.request(method, path, json=json)
            except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
                self.pacer.release(None)
                problem: str = f"cannot connect to {self.base_url}: {type(exc).__name__}"
                if attempt >= self.retry.attempts:
                    raise Unreachable(problem) from None
                self._backoff(attempt, 0.0)
                continue
            except httpx.TransportError as exc:  # sent, but the response was lost
                self.pacer.release(None)
                problem = f"{method} {path}: the response was lost ({type(exc).__name__})"
                if not safe_to_repeat:
                    raise OutcomeUnknown(problem) from None
                if attempt >= self.retry.attempts:
                    raise Unreachable(problem) from None
                self._backoff(attempt, 0.0)
                continue
            status = response.status_code
            self.pacer.release(response.headers, throttled=status == 429)
            if status < 300:
                return response
            if status < 400:  # redirects are not followed: the key must not travel anywhere else
                raise ApiError(
                    status, {}, f"HTTP {status}: unexpected redirect to {response.headers.get('location')}"
                )
            body = _json(response)
            if status == 429:
                self._count(throttled=1)
                if attempt >= self.retry.attempts:
                    raise ApiError(status, body, "still rate limited (HTTP 429) after retrying")
                self._backoff(attempt, retry_after(response.headers, body, time.time()))
                continue
            if status >= 500:
                if not safe_to_repeat:
                    raise OutcomeUnknown(
                        f"{method} {path}: HTTP {status}; the update may or may not be stored"
                    )
                if attempt >= self.retry.attempts:
                    raise ApiError(status, body)
                self._backoff(attempt, 0.0)
                continue
            if status in (401, 403):
                raise AuthError(status, body, _auth_message(status, body))
            if status == 404:
                raise NotFound(status, body)
            raise Rejected(status, body)

    def _backoff(self, attempt: int, at_least: float) -> None:
        self._count(retries=1)
        self._sleep(self.retry.delay(attempt, at_least))

    def get_incident(self, incident_id: str) -> RemoteIncident | None:
        """The incident with its updates, or None if it does not exist."""
        try:
            response = self._request(
                "GET", f"/v2/status_page_incidents/{_segment(incident_id)}", safe_to_repeat=True
            )
        except NotFound:
            return None
        return parse_incident(_json(response))

    def post_update(self, payload: Mapping[str, Any]) -> RemoteUpdate:
        response = self._request(
            "POST", "/v2/status_page_incident_updates", json=dict(payload), safe_to_repeat=False
        )
        body = _json(response)
        return parse_update(body.get("status_page_incident_update", {}) if isinstance(body, dict) else {})

    def list_status_pages(self) -> list[Page]:
        """Every status page of the account (any key may read them), following the cursor to the end."""
        pages: list[Page] = []
        after: str | None = None
        seen: set[str] = set()
        while True:
            query = f"page_size={LIST_PAGE_SIZE}" + (f"&after={_segment(after)}" if after else "")
            response = self._request("GET", f"/v2/status_pages?{query}", safe_to_repeat=True)
            batch, after = _shaped(response, parse_status_pages)
            pages.extend(batch)
            if after is None:
                return pages
            if after in seen:  # a cursor that goes round in circles would never end
                raise ApiError(
                    response.status_code, {}, f"GET /v2/status_pages returned the cursor {after!r} twice"
                )
            seen.add(after)

    def get_structure(self, status_page_id: str) -> list[Component]:
        """The components the page shows (with their group and sub-page); NotFound for an unknown page."""
        response = self._request(
            "GET", f"/v2/status_page_structures/{_segment(status_page_id)}", safe_to_repeat=True
        )
        return _shaped(response, lambda body: parse_structure(status_page_id, body))


def _shaped(response: httpx.Response, parse: Callable[[Any], T]) -> T:
    """``parse`` of the body; a body not shaped as documented is an ApiError, as a refusal would be."""
    try:
        return parse(_json(response))
    except UnexpectedShape as exc:
        raise ApiError(response.status_code, {}, f"unexpected response: {exc}") from None


def _segment(value: str) -> str:
    return quote(value, safe="")


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return {}


def _auth_message(status: int, body: Any) -> str:
    codes = (
        {e.get("code") for e in body.get("errors", []) if isinstance(e, dict)}
        if isinstance(body, dict)
        else set()
    )
    if status == 401:
        if "missing_authorization_material" in codes:
            return "HTTP 401: no API key was sent"
        return "HTTP 401: the API key was refused; check that INCIDENT_IO_API_KEY holds a current key"
    return f"HTTP 403: the API key lacks the scope {WRITE_SCOPE!r}; create a key with it"
