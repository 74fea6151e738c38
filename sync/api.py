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
* Only a response of the documented shape is believed: a read-back that is
  not the incident asked for is BadResponse, and a 2xx to a POST without a
  usable update is OutcomeUnknown.
* ``timeout`` bounds each request as a whole, from connecting to the last
  byte, and no response is read past MAX_RESPONSE_BYTES.
* The API key goes only into the Authorization header, only over HTTPS (or
  plain HTTP to a loopback address, for the sandbox), through a proxy only
  inside a CONNECT tunnel (see :func:`proxy_for`), and never into a message,
  log or exception: what a server echoes back is redacted (:class:`Redactor`).
"""

from __future__ import annotations

import dataclasses
import email.utils
import json
import os
import re
import ssl
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import partial
from typing import Any, Protocol, TypeVar
from urllib.parse import quote, urlencode, urlsplit

import httpcore
import httpx

from sync import __version__
from sync.apiconfig import (
    MAX_WAIT,
    RetryPolicy,
    Settings,
    Stats,
    check_api_key,
    check_base_url,
    proxy_setting,
)
from sync.jsonvalue import JSON, JSONObject
from sync.redact import Redactor
from sync.remote import (
    WRITE_SCOPE,
    RemoteIncident,
    RemoteMaintenance,
    RemoteUpdate,
    ShapeError,
    parse_created_incident,
    parse_created_update,
    parse_incident,
    parse_listing,
    parse_maintenance,
    parse_maintenance_update,
    parse_status_pages,
    parse_structure,
)
from sync.snapshot import Component, Page

LIST_PAGE_SIZE = 100
# A listing is read to its end; one whose cursor goes on past this many pages (25,000 status pages, or
# incidents on one page) is not a real account's, and reading it might never end.
MAX_LIST_PAGES = 250
USER_AGENT = f"statusfiles/{__version__}"
MAX_RESPONSE_BYTES = 8 * 1024 * 1024  # an incident at its 100-update limit is well under 1 MB

_T = TypeVar("_T")


class _Listed(Protocol):
    @property
    def id(self) -> str: ...


_L = TypeVar("_L", bound=_Listed)


# --- errors -------------------------------------------------------------------


class ApiProblem(Exception):
    """The root of everything the client raises about a request; catch a branch, for what it means:
    ``NotApplied`` (refused, or never arrived) or ``OutcomeUnknown`` (settled only by reading back)."""


class NotApplied(ApiProblem):
    """Certainly not applied: the API refused the request, or nothing reached it.

    A request that is safe to repeat (a read, a PUT, a create carrying an idempotency key) is retried after
    a lost response or a 5xx, and ends here when the retries run out: sending it again is harmless.
    """


class ApiError(NotApplied):
    """The API answered, and the answer was no."""

    def __init__(self, status: int, body: JSON, message: str | None = None) -> None:
        self.status = status
        self.body = body if isinstance(body, dict) else {}
        self.errors: list[JSONObject] = [e for e in self.body.get("errors", []) if isinstance(e, dict)]
        self.request_id = self.body.get("request_id")
        detail = "; ".join(str(e.get("message", e.get("code", ""))) for e in self.errors) or "no details"
        super().__init__(_with_request_id(message or f"HTTP {status}: {detail}", self.body))


def _with_request_id(text: str, body: JSON) -> str:
    """``text``, naming the request ID the API's answer carries, for its support to trace the request."""
    request_id = body.get("request_id") if isinstance(body, dict) else None
    return f"{text} (request id {request_id})" if request_id else text


class AuthError(ApiError):
    """401 or 403: no request will succeed; the whole run stops."""


class NotFound(ApiError):
    pass


class BadResponse(ApiError):
    """A response that is not what the API documents (wrong shape, another incident, too large)."""


class Rejected(ApiError):
    """A 4xx other than auth and 404 (usually 422): this request, as sent, will never succeed."""


class Unreachable(NotApplied):
    """The API could not be reached (nothing was sent) even after retrying."""


class Throttled(NotApplied):
    """The rate limit would hold a request back longer than :data:`MAX_WAIT`: it was not sent (again).

    Raised before sending, when the pacer's own count says so, and after a 429 whose answer asks for it.
    """


class OutcomeUnknown(ApiProblem):
    """A POST was sent but whether it was applied cannot be known from the response."""


def usable_proxy(proxy: str) -> bool:
    """Whether httpx can use ``proxy`` (an http:// or https:// URL) as a proxy: checked before any work."""
    try:
        parts = urlsplit(proxy)
        return bool(parts.hostname) and (parts.port or 0) >= 0 and bool(httpx.Proxy(proxy).url.host)
    except (ValueError, httpx.InvalidURL):  # unclosed brackets, a port that is no number, a control character
        return False


def host_as_sent(host: str) -> str | None:
    """``host`` as httpx puts it in a request (IDNA 2008, in A-labels), or None when httpx cannot read it:
    checked before any work, as a name httpx refuses would fail the first request."""
    try:
        url = httpx.URL(f"https://{host}/")
        url.host  # noqa: B018  (a name starting xn-- that is not valid IDNA raises here, as in a request)
    except (httpx.InvalidURL, UnicodeError):  # idna's IDNAError is a UnicodeError
        return None
    return url.raw_host.decode("ascii")


# Only a \u escape can spell a surrogate in a body that is UTF-8 (anything else fails to parse).
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _whole_characters(value: JSON) -> JSON:
    """``value`` with each lone surrogate (half a UTF-16 pair, which JSON's \\u escapes can spell and
    json.loads keeps) replaced by U+FFFD: it is no character, and no file or output can hold it."""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, list):
        return [_whole_characters(v) for v in value]
    if isinstance(value, dict):
        return {_SURROGATE.sub("\ufffd", k): _whole_characters(v) for k, v in value.items()}
    return value


def _digits(text: str) -> bool:
    """ASCII digits only: str.isdigit also accepts characters such as "²" that int() refuses."""
    return text.isascii() and text.isdigit()


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


def retry_after(headers: Mapping[str, str], body: JSON, now: float) -> float:
    """The longest wait a response asks for: Retry-After (seconds or HTTP-date), or the body's retry_after."""
    waits = [0.0]
    header = {k.lower(): v for k, v in headers.items()}.get("retry-after")
    if header:
        header = header.strip()
        if _digits(header):
            waits.append(float(header))
        elif (parsed := _parse_time(header, now)) is not None:
            waits.append(parsed)
    limit = body.get("rate_limit") if isinstance(body, dict) else None
    if isinstance(limit, dict) and isinstance(limit.get("retry_after"), str):
        parsed = _parse_time(limit["retry_after"], now)
        if parsed is not None:
            waits.append(parsed)
    return max(waits)


def _count(text: str) -> bool:
    """A rate-limit header's number that a client can use: digits past any real limit are no number (past
    about 300 a float cannot hold it, and past 4,300 Python will not even turn them into an int)."""
    return _digits(text) and len(text) <= 15


def _quota(value: str) -> tuple[int | None, float]:
    """A rate-limit header's number and window in seconds (60 unless the header says otherwise).

    Both spellings servers use: a plain ``1200``, and the IETF draft's
    ``1200, 1200;window=60`` (the current limit, then the policies behind it).
    """
    first, *policies = (item.strip() for item in value.split(","))
    number = first.split(";")[0].strip()
    if not _count(number):
        return None, 60.0
    window = 60.0
    for policy in [first, *policies]:
        quota, *params = (p.strip() for p in policy.split(";"))
        if quota != number:
            continue
        for param in params:
            name, _, seconds = param.partition("=")
            if name.strip() in ("window", "w") and _count(seconds.strip()) and int(seconds) > 0:
                window = float(seconds)
    return int(number), window


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
            if wait > MAX_WAIT:
                raise Throttled(
                    f"the API's rate limit would hold the next request back {wait:.0f} s, and statusfiles "
                    f"waits at most {MAX_WAIT:g} s: try again later"
                )
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
            limit, window = _quota(lowered.get("x-ratelimit-limit", ""))
            remaining = _quota(lowered.get("x-ratelimit-remaining", ""))[0]
            if limit is None or remaining is None:
                return
            if limit > 0:
                self.rate = limit / window
                # The bucket holds what is left plus what is used: a burst that may be smaller than a
                # window's worth, and an idle client must not count on more than it.
                used = _quota(lowered.get("x-ratelimit-used", ""))[0]
                self.capacity = float(min(limit, remaining + used) if used else limit)
            reported = float(remaining - self.inflight)
            self.tokens = min(self.capacity, reported if not self.learned else min(self.tokens, reported))
            self.learned = True


# --- deadlines ------------------------------------------------------------------------


class _Deadline(httpcore.NetworkBackend):
    """Bounds a request as a whole: every socket operation waits at most until the request's deadline.

    httpx's timeouts bound each read, so a server that sends a byte now and
    then (in the headers or the body) could hold a request open for ever.
    The deadline is per thread because each request runs in its caller's.
    """

    def __init__(self) -> None:
        self._inner = httpcore.SyncBackend()
        self._local = threading.local()

    @contextmanager
    def within(self, seconds: float) -> Iterator[None]:
        self._local.at = time.monotonic() + seconds
        try:
            yield
        finally:
            self._local.at = None

    def bound(self, timeout: float | None, expired: type[Exception]) -> float | None:
        at: float | None = getattr(self._local, "at", None)
        if at is None:
            return timeout
        left = at - time.monotonic()
        if left <= 0:
            raise expired("the request's deadline passed")
        return left if timeout is None else min(timeout, left)

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        bounded = self.bound(timeout, httpcore.ConnectTimeout)
        stream = self._inner.connect_tcp(host, port, bounded, local_address, socket_options)
        return _BoundedStream(stream, self)

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


class _BoundedStream(httpcore.NetworkStream):
    _CHUNK = 64 * 1024  # each send waits at most until the deadline, however slowly the peer reads

    def __init__(self, inner: httpcore.NetworkStream, deadline: _Deadline) -> None:
        self._inner = inner
        self._deadline = deadline

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, self._deadline.bound(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        for start in range(0, len(buffer), self._CHUNK):
            chunk = buffer[start : start + self._CHUNK]
            self._inner.write(chunk, self._deadline.bound(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        bounded = self._deadline.bound(timeout, httpcore.ConnectTimeout)
        return _BoundedStream(self._inner.start_tls(ssl_context, server_hostname, bounded), self._deadline)

    def get_extra_info(self, info: str) -> Any:  # httpcore: a socket, an SSL object, an address, …
        return self._inner.get_extra_info(info)


class _Transport(httpx.HTTPTransport):
    """httpx's transport over a connection pool built here, on the deadline-keeping network backend."""

    def __init__(self, proxy: str | None, deadline: _Deadline, *, tls: bool = True) -> None:
        # super().__init__ is not called: it would build its pool on the default backend.
        common: dict[str, Any] = {
            # Honours SSL_CERT_FILE / SSL_CERT_DIR. Reading the CA bundle takes tens of milliseconds, which a
            # client of a plain-HTTP (loopback) API never needs.
            "ssl_context": httpx.create_ssl_context() if tls else None,
            "max_connections": 32,
            "max_keepalive_connections": 32,
            "network_backend": deadline,
        }
        if proxy is None:
            self._pool = httpcore.ConnectionPool(**common)
            return
        p = httpx.Proxy(proxy)
        url = httpcore.URL(scheme=p.url.raw_scheme, host=p.url.raw_host, port=p.url.port, target="/")
        self._pool = httpcore.HTTPProxy(
            proxy_url=url,
            proxy_auth=p.raw_auth,
            proxy_headers=p.headers.raw,
            **common,
        )


# --- the client ---------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class _Answer:
    status: int
    headers: httpx.Headers
    body: JSON  # the parsed JSON with the key redacted; None when the body is not JSON


class _TooLarge(Exception):
    pass


class Client:
    """Thread-safe; one per run. Use as a context manager to close its connections.

    ``timeout`` bounds each request as a whole, from connecting to the last
    byte of the response; a response over MAX_RESPONSE_BYTES is not read.
    """

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
        env: Mapping[str, str] = os.environ,
    ) -> None:
        self.base_url = check_base_url(base_url)
        key = check_api_key(api_key)
        self.redact = Redactor(key)
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self.pacer = pacer or Pacer()
        self.stats = Stats()
        self._sleep = sleep
        self._stats_lock = threading.Lock()
        self._deadline = _Deadline()
        proxy = proxy_setting(self.base_url, env)
        # A refused connection names the proxy's variable (never its value, which may hold a password).
        self._via = f" through the proxy in {proxy[0]}" if proxy else ""
        self._http = httpx.Client(
            base_url=self.base_url,
            headers={
                "Authorization": f"Bearer {key}",
                "User-Agent": USER_AGENT,
                "Accept": "application/json",
            },
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            follow_redirects=False,  # a redirect must never carry the key somewhere else
            trust_env=False,  # proxies are chosen by proxy_for, and no .netrc credentials are added
            transport=_Transport(
                proxy[1] if proxy else None, self._deadline, tls=urlsplit(self.base_url).scheme != "http"
            ),
            event_hooks=dict(event_hooks or {}),  # lets the contract test observe every exchange
        )

    @classmethod
    def of(cls, settings: Settings, timeout: float = 30.0) -> Client:
        """A client for checked settings (:func:`sync.apiconfig.from_env`)."""
        return cls(settings.base_url, settings.key, timeout=timeout, retry=settings.retry)

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

    def _send(self, method: str, path: str, payload: JSON) -> _Answer:
        """One exchange, within the deadline, reading at most MAX_RESPONSE_BYTES of the (decoded) body."""
        with self._deadline.within(self.timeout), self._http.stream(method, path, json=payload) as response:
            declared = response.headers.get("content-length", "")
            if _digits(declared) and int(declared) > MAX_RESPONSE_BYTES:
                raise _TooLarge
            content = bytearray()
            for chunk in response.iter_bytes():
                content += chunk
                if len(content) > MAX_RESPONSE_BYTES:
                    raise _TooLarge
        try:
            body = json.loads(content)
            if _SURROGATE_ESCAPE.search(content):
                body = _whole_characters(body)
            body = self.redact.value(body)
        except (ValueError, RecursionError):  # or nested past the redaction's walk
            body = None
        return _Answer(response.status_code, response.headers, body)

    def _request(self, method: str, path: str, *, payload: JSON = None, safe_to_repeat: bool) -> _Answer:
        """Send with pacing and retries; a POST whose fate is unknown raises OutcomeUnknown instead."""
        attempt = 0
        while True:
            attempt += 1
            self.pacer.acquire()
            try:
                self._count(requests=1)
                answer = self._send(method, path, payload)
            except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.ProxyError) as exc:
                self.pacer.release(None)  # nothing reached the API
                problem: str = f"cannot connect to {self.base_url}{self._via}: {type(exc).__name__}"
                if attempt >= self.retry.attempts:
                    raise Unreachable(problem) from None
                self._backoff(attempt, 0.0)
                continue
            except httpx.TransportError as exc:  # sent, but the response was lost
                self.pacer.release(None)
                if isinstance(exc, httpx.TimeoutException):
                    problem = f"{method} {path}: no complete response within {self.timeout:g} s (--timeout)"
                else:
                    problem = f"{method} {path}: the response was lost ({type(exc).__name__})"
                if not safe_to_repeat:
                    raise OutcomeUnknown(problem) from None
                if attempt >= self.retry.attempts:
                    raise Unreachable(problem) from None
                self._backoff(attempt, 0.0)
                continue
            except _TooLarge:
                self.pacer.release(None)
                problem = f"{method} {path}: the response is larger than {MAX_RESPONSE_BYTES // 2**20} MiB"
                if not safe_to_repeat:
                    raise OutcomeUnknown(problem) from None
                raise BadResponse(0, {}, problem) from None
            status = answer.status
            self.pacer.release(answer.headers, throttled=status == 429)
            if status < 300:
                return answer
            if status < 400:  # redirects are not followed: the key must not travel anywhere else
                location = self.redact.text(answer.headers.get("location", ""))
                if not safe_to_repeat:  # a 303 may point at what the POST made: it may have been applied
                    raise OutcomeUnknown(
                        f"{method} {path}: HTTP {status}, a redirect to {location} (not followed); "
                        "the update may or may not be stored"
                    )
                raise ApiError(status, {}, f"HTTP {status}: unexpected redirect to {location}")
            body = answer.body
            if status == 429:
                self._count(throttled=1)
                if attempt >= self.retry.attempts:
                    raise ApiError(status, body, "still rate limited (HTTP 429) after retrying")
                wait = retry_after(answer.headers, body, time.time())
                if wait > MAX_WAIT:
                    raise Throttled(
                        _with_request_id(
                            f"rate limited (HTTP 429), and the API asks to wait {wait:.0f} s before the next "
                            f"request; statusfiles waits at most {MAX_WAIT:g} s: try again later",
                            body,
                        )
                    )
                self._backoff(attempt, wait)
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
        """The incident with its updates, or None if it does not exist.

        A 2xx that is not this incident (not JSON, another shape, another id)
        raises BadResponse: judging from it could post an update twice.
        """
        path = f"/v2/status_page_incidents/{_segment(incident_id)}"
        try:
            answer = self._request("GET", path, safe_to_repeat=True)
        except NotFound:
            return None
        try:
            return parse_incident(answer.body, incident_id)
        except ShapeError as exc:
            message = f"GET {path} answered HTTP {answer.status} but not with the incident: {exc}"
            raise BadResponse(answer.status, {}, message) from None

    def post_update(self, payload: Mapping[str, Any]) -> RemoteUpdate:
        """The update as stored; OutcomeUnknown when a 2xx does not show it (it may or may not be stored)."""
        path = "/v2/status_page_incident_updates"
        answer = self._request("POST", path, payload=dict(payload), safe_to_repeat=False)
        try:
            return parse_created_update(answer.body, str(payload.get("status_page_incident_id")))
        except ShapeError as exc:
            raise OutcomeUnknown(
                f"POST {path} answered HTTP {answer.status} without a usable update ({exc})"
            ) from None

    # --- incidents and maintenance windows as objects -----------------------------------

    def _read(self, parse: Callable[[JSON], _T], answer: _Answer, what: str) -> _T:
        """A read's body parsed strictly: a body not shaped as documented is a failed read."""
        try:
            return parse(answer.body)
        except ShapeError as exc:
            raise BadResponse(answer.status, {}, f"{what} answered HTTP {answer.status}: {exc}") from None

    def _written(self, parse: Callable[[JSON], _T], answer: _Answer, what: str) -> _T:
        """A write's body parsed strictly: a 2xx without a usable body leaves the outcome unknown."""
        try:
            return parse(answer.body)
        except ShapeError as exc:
            raise OutcomeUnknown(
                f"{what} answered HTTP {answer.status} without a usable body ({exc})"
            ) from None

    def create_incident(self, payload: Mapping[str, Any]) -> RemoteIncident:
        """POST /v2/status_page_incidents. ``payload`` carries its idempotency key, so the request is
        safe to repeat: the API answers a repeated key with the incident it created the first time."""
        if not payload.get("idempotency_key"):
            raise ValueError("an incident is only created with an idempotency key")
        path = "/v2/status_page_incidents"
        answer = self._request("POST", path, payload=dict(payload), safe_to_repeat=True)
        return self._written(parse_created_incident, answer, f"POST {path}")

    def update_incident(self, incident_id: str, name: str) -> RemoteIncident:
        """PUT /v2/status_page_incidents/{id}: a rename. A PUT sets state, so repeating it is safe."""
        path = f"/v2/status_page_incidents/{_segment(incident_id)}"
        answer = self._request("PUT", path, payload={"name": name}, safe_to_repeat=True)
        return self._written(partial(parse_created_incident, incident_id=incident_id), answer, f"PUT {path}")

    def get_maintenance(self, maintenance_id: str) -> RemoteMaintenance | None:
        """The maintenance window with its updates, or None if it does not exist."""
        path = f"/v2/status_page_maintenances/{_segment(maintenance_id)}"
        try:
            answer = self._request("GET", path, safe_to_repeat=True)
        except NotFound:
            return None
        return self._read(partial(parse_maintenance, maintenance_id=maintenance_id), answer, f"GET {path}")

    def create_maintenance(self, payload: Mapping[str, Any]) -> RemoteMaintenance:
        """POST /v2/status_page_maintenances, with its idempotency key (safe to repeat, as for incidents)."""
        if not payload.get("idempotency_key"):
            raise ValueError("a maintenance window is only created with an idempotency key")
        path = "/v2/status_page_maintenances"
        answer = self._request("POST", path, payload=dict(payload), safe_to_repeat=True)
        return self._written(parse_maintenance, answer, f"POST {path}")

    def update_maintenance(
        self, maintenance_id: str, name: str, start_at: str, end_at: str
    ) -> RemoteMaintenance:
        """PUT /v2/status_page_maintenances/{id}: rename and/or reschedule (all three are required)."""
        path = f"/v2/status_page_maintenances/{_segment(maintenance_id)}"
        body = {"name": name, "start_at": start_at, "end_at": end_at}
        answer = self._request("PUT", path, payload=body, safe_to_repeat=True)
        return self._written(partial(parse_maintenance, maintenance_id=maintenance_id), answer, f"PUT {path}")

    def post_maintenance_update(self, payload: Mapping[str, Any]) -> RemoteUpdate:
        """POST /v2/status_page_maintenance_updates: no idempotency key, so never repeated blindly."""
        path = "/v2/status_page_maintenance_updates"
        answer = self._request("POST", path, payload=dict(payload), safe_to_repeat=False)
        owner = str(payload.get("status_page_maintenance_id"))
        return self._written(partial(parse_maintenance_update, maintenance_id=owner), answer, f"POST {path}")

    def list_incidents(self, page_id: str) -> list[RemoteIncident]:
        """Every incident on a status page, following the pagination cursor."""
        return self._list(
            "/v2/status_page_incidents", "status_page_incidents", page_id, parse_created_incident
        )

    def list_maintenances(self, page_id: str) -> list[RemoteMaintenance]:
        """Every maintenance window on a status page, following the pagination cursor."""
        return self._list(
            "/v2/status_page_maintenances", "status_page_maintenances", page_id, parse_maintenance
        )

    def _list(self, path: str, name: str, page_id: str, parse: Callable[[JSON], _L]) -> list[_L]:
        def one_page(body: JSON) -> tuple[list[_L], str | None]:
            records, cursor = parse_listing(body, name)
            return [parse(r) for r in records], cursor

        return self._paged(path, {"status_page_id": page_id}, one_page)

    def _paged(
        self, path: str, query: Mapping[str, str], parse: Callable[[JSON], tuple[list[_L], str | None]]
    ) -> list[_L]:
        """Every record of a listing, following its cursor to the end, each ID once (the first read of it:
        a record created meanwhile shifts the rest, and one is then listed on two pages).

        A cursor seen before would loop forever, and one that goes on past MAX_LIST_PAGES pages is a failed
        read: reading it might never end.
        """
        out: dict[str, _L] = {}
        after: str | None = None
        seen: set[str] = set()
        while True:
            params = {**query, "page_size": LIST_PAGE_SIZE, **({"after": after} if after else {})}
            answer = self._request("GET", f"{path}?{urlencode(params)}", safe_to_repeat=True)
            batch, after = self._read(parse, answer, f"GET {path}")
            for record in batch:
                out.setdefault(record.id, record)
            if after is None or after in seen:
                return list(out.values())
            seen.add(after)
            if len(seen) >= MAX_LIST_PAGES:
                message = f"GET {path} goes on past {MAX_LIST_PAGES} pages; not read further"
                raise BadResponse(answer.status, {}, message)

    # --- status pages and their structure ---------------------------------------------

    def list_status_pages(self) -> list[Page]:
        """Every status page of the account (any key may read them), following the cursor to the end."""
        return self._paged("/v2/status_pages", {}, parse_status_pages)

    def get_structure(self, status_page_id: str) -> list[Component]:
        """The components the page shows, with their group and sub-page; NotFound for an unknown page."""
        path = f"/v2/status_page_structures/{_segment(status_page_id)}"
        response = self._request("GET", path, safe_to_repeat=True)
        return self._read(lambda body: parse_structure(status_page_id, body), response, f"GET {path}")

    def find_structure(self, status_page_id: str) -> list[Component] | None:
        """The page's components, or None if the page does not exist (deleted since it was listed or
        pulled), as ``get_incident`` answers for an incident."""
        try:
            return self.get_structure(status_page_id)
        except NotFound:
            return None


def _segment(value: str) -> str:
    return quote(value, safe="")


def _auth_message(status: int, body: JSON) -> str:
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
