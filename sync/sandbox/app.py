"""The sandbox application: everything but the sockets.

It speaks the vendored OpenAPI document (every body it sends validates against
it) and the prose around it: Bearer auth with a write scope, the error body,
a token bucket per key with the documented headers, the 100-update limit.
Faults (:mod:`sync.sandbox.faults`) make it misbehave on demand; everything a
test needs is also an HTTP endpoint under ``/_sandbox/``.
"""

from __future__ import annotations

import functools
import itertools
import re
import sys
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import Message
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import urlsplit

from sync.jsonvalue import loads
from sync.netaddr import is_loopback
from sync.remote import WRITE_SCOPE
from sync.sandbox.bodies import body_checks, parse_json
from sync.sandbox.faults import Fault, FaultBook
from sync.sandbox.ids import IdGenerator
from sync.sandbox.page import render_html
from sync.sandbox.ratelimit import RateLimiter, rfc3339_seconds
from sync.sandbox.refusals import ErrorSingle, Refusal
from sync.sandbox.routes import API_ROUTES, Context, Handler, Reply, Request, Routes, json_reply, route
from sync.sandbox.seed import seed_state
from sync.sandbox.state import State, load, save

ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "resource_forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    408: "request_timeout",
    409: "conflict",
    412: "precondition_failed",
    413: "payload_too_large",
    422: "validation_error",
    429: "too_many_requests",
}
# The request log keeps a benchmark's worth of requests, and at most this many body bytes; older entries
# fall off.
REQUEST_LOG_SIZE = 10_000
REQUEST_LOG_BYTES = 16 << 20


@dataclass(frozen=True)
class SandboxConfig:
    """How a sandbox listens, whom it lets in, and what it starts with (the CLI's options)."""

    host: str = "127.0.0.1"
    port: int = 0  # 0: any free port
    api_key: str | None = None  # None: any non-empty Bearer token is a valid key
    read_only_keys: tuple[str, ...] = ()  # valid keys without the write scope
    state_path: Path | None = None  # JSON state kept across restarts; None: memory only
    rate_limit: int = 1200  # requests a minute per key
    burst: int | None = None  # bucket capacity; None: the rate limit
    seed: bool = True  # start with the demo status pages, incidents and maintenance window
    clock: Callable[[], float] = time.time  # Unix seconds: timestamps, IDs and the rate limit


def bearer_token(header: str | None) -> str | None:
    if header is None:
        return None
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def _is_write(method: str) -> bool:
    return method not in ("GET", "HEAD", "OPTIONS")


def _json_or_none(body: bytes) -> Any:
    try:
        return loads(body) if body else None
    except ValueError:  # TooDeep included
        return None


def _hostname(host: str) -> str | None:
    try:
        return urlsplit(f"//{host}").hostname
    except ValueError:  # an unbalanced "[" in an IPv6 literal
        return None


def admin_refusal(headers: Message) -> Refusal | None:
    """Why a request may not use the admin endpoints, if it may not.

    They need no key, so only this machine may use them, and no web page: a
    loopback ``Host`` (no DNS rebinding) and no foreign ``Origin`` (no
    cross-site request from a browser, which sends a ``text/plain`` POST
    anywhere without asking first).
    """
    host = headers.get("Host") or ""
    hostname = _hostname(host)
    if hostname is None or not is_loopback(hostname):
        message = f"the sandbox's admin endpoints answer only for a loopback Host, not {host!r}"
        return Refusal(403, [ErrorSingle("forbidden_host", message)])
    origin = headers.get("Origin")
    site = (headers.get("Sec-Fetch-Site") or "same-origin").lower()
    foreign = origin is not None and origin.lower() != f"http://{host}".lower()
    if foreign or site not in ("same-origin", "none"):
        message = f"the sandbox's admin endpoints refuse requests from another origin ({origin or site})"
        return Refusal(403, [ErrorSingle("cross_origin", message)])
    return None


class RequestLog:
    """The latest requests, oldest first, within a count and a total of body bytes (bodies are kept raw)."""

    def __init__(self, max_entries: int = REQUEST_LOG_SIZE, max_bytes: int = REQUEST_LOG_BYTES) -> None:
        self._entries: deque[tuple[dict[str, Any], bytes]] = deque()
        self._bytes = 0
        self._max_entries = max_entries
        self._max_bytes = max_bytes

    def add(self, entry: dict[str, Any], body: bytes) -> None:
        self._entries.append((entry, body))
        self._bytes += len(body)
        while len(self._entries) > self._max_entries or self._bytes > self._max_bytes:
            self._bytes -= len(self._entries.popleft()[1])

    def clear(self) -> None:
        self._entries.clear()
        self._bytes = 0

    def entries(self) -> list[dict[str, Any]]:
        return [{**entry, "body": _json_or_none(body)} for entry, body in self._entries]


def _html_page(ctx: Context, req: Request, params: dict[str, str]) -> Reply:
    return Reply(200, render_html(ctx.state).encode(), "text/html; charset=utf-8")


PAGE_ROUTES: Routes[Handler] = [(re.compile(r"/"), {"GET": _html_page})]
AdminHandler = Callable[[Request], Reply]


class App:
    """State, auth, limits, faults and the request log, shared by all threads.

    One lock serialises the handlers: they are quick, and a delay fault waits
    outside it, so a slow response never holds up the others.
    """

    def __init__(self, config: SandboxConfig, log: TextIO | None = None) -> None:
        self.config = config
        self.log = log
        self.stopping = threading.Event()
        self._lock = threading.RLock()
        self._log_lock = threading.Lock()
        self._limiter = RateLimiter(config.rate_limit, config.burst, config.clock)
        self._faults = FaultBook()
        self._requests = RequestLog()
        self._request_numbers = itertools.count(1)
        body_checks()  # build the validators now, not during the first request
        path = config.state_path
        self.state = load(path) if path is not None and path.exists() else self._fresh_state()
        self._new_id = IdGenerator(config.clock, self.state.ids())
        self._admin: Routes[AdminHandler] = [
            (
                re.compile(r"/_sandbox/faults"),
                {
                    "GET": self._admin_faults,
                    "POST": self._admin_add_fault,
                    "DELETE": self._admin_clear_faults,
                },
            ),
            (re.compile(r"/_sandbox/state"), {"GET": self._admin_state}),
            (re.compile(r"/_sandbox/requests"), {"GET": self._admin_requests}),
            (re.compile(r"/_sandbox/reset"), {"POST": self._admin_reset}),
        ]

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self.config.clock(), UTC)

    def _fresh_state(self) -> State:
        state = seed_state(self._now()) if self.config.seed else State()
        if self.config.state_path is not None:
            save(state, self.config.state_path)
        return state

    def request(self, method: str, target: str, headers: Message, body: bytes) -> Request:
        # Counter-based, UUID-shaped request IDs: unique per run and reproducible.
        request_id = f"00000000-0000-4000-8000-{next(self._request_numbers):012x}"
        return Request(method, target, headers, body, request_id)

    def error_reply(self, req: Request, exc: Refusal) -> Reply:
        body = {
            "type": ERROR_TYPES.get(exc.status, "api_error"),
            "status": exc.status,
            "request_id": req.request_id,
            "errors": [p.to_api() for p in exc.problems],
            **exc.extra,
        }
        reply = json_reply(exc.status, body)
        reply.headers.update(exc.headers)
        return reply

    # --- dispatch ---

    def handle(self, req: Request) -> Reply | None:
        """The reply to send, or None to close the connection without one."""
        if req.path.startswith("/_sandbox/"):
            return self._serve_admin(req)
        fault: Fault | None = None
        try:
            reply, fault = self._serve(req)
        except Exception:  # a bug must still answer as the API would, and show itself in the log
            self.write_log(traceback.format_exc())
            reply = self.error_reply(req, Refusal(500, [ErrorSingle("api_error", "the sandbox failed")]))
        with self._lock:
            entry = {
                "request_id": req.request_id,
                "method": req.method,
                "path": req.target,
                "status": None if reply is None else reply.status,
                "fault": None if fault is None else fault.kind,
            }
            self._requests.add(entry, req.body)
        return reply

    def _serve(self, req: Request) -> tuple[Reply | None, Fault | None]:
        api = req.path == "/v2" or req.path.startswith("/v2/")
        limits: dict[str, str] = {}
        key = ""
        try:
            if api:
                key = self._authenticate(req, limits)
            handler, params = route(API_ROUTES if api else PAGE_ROUTES, req.method, req.path)
            if api and _is_write(req.method) and key in self.config.read_only_keys:
                message = f"this API key does not have the {WRITE_SCOPE!r} scope"
                raise Refusal(403, [ErrorSingle("missing_scope", message)])
        except Refusal as exc:
            reply: Reply | None = self.error_reply(req, exc)
            fault = None
        else:
            with self._lock:
                fault = self._faults.take(req.method, req.path)
            run = functools.partial(self._call, handler, params, req)
            reply = run() if fault is None else self._misbehave(fault, req, run)
        if reply is not None:
            reply.headers = {**limits, **reply.headers}
        return reply, fault

    def _call(self, handler: Handler, params: dict[str, str], req: Request) -> Reply:
        with self._lock:
            now = self._now()
            changed = self.state.advance(now, self._new_id)  # automated updates due by now come first
            try:
                reply = handler(Context(self.state, now, self._new_id), req, params)
            except Refusal as exc:
                reply = self.error_reply(req, exc)
            else:
                changed = changed or _is_write(req.method)
            if changed and self.config.state_path is not None:
                save(self.state, self.config.state_path)
            return reply

    def _serve_admin(self, req: Request) -> Reply:
        refusal = admin_refusal(req.headers)
        if refusal is not None:
            return self.error_reply(req, refusal)
        with self._lock:
            try:
                handler, _ = route(self._admin, req.method, req.path)
                return handler(req)
            except Refusal as exc:
                return self.error_reply(req, exc)

    def _authenticate(self, req: Request, limits: dict[str, str]) -> str:
        """The caller's key; every caller without a valid one shares one bucket, so they are limited too."""
        header = req.headers.get("Authorization")
        token = bearer_token(header)
        valid = token is not None and (
            token in self.config.read_only_keys or self.config.api_key in (None, token)
        )
        decision = self._limiter.take(token if valid and token is not None else "")
        limits.update(decision.headers())
        if not decision.allowed:
            raise self._rate_limited(decision.retry_after)
        if header is None:
            raise Refusal(
                401,
                [
                    ErrorSingle(
                        "missing_authorization_material", "No authorization material provided in request"
                    )
                ],
            )
        if not valid or token is None:
            message = "the API key is not valid: send 'Authorization: Bearer <API key>' with a current key"
            raise Refusal(401, [ErrorSingle("invalid_authorization_material", message)])
        return token

    def _rate_limited(self, retry_after: int) -> Refusal:
        rate_limit = {
            "name": "sandbox API key",
            "limit": self.config.rate_limit,
            "remaining": 0,
            "retry_after": rfc3339_seconds(self.config.clock() + retry_after),
        }
        message = (
            "Too many requests hit the API too quickly. We recommend an exponential backoff of your requests."
        )
        return Refusal(
            429,
            [ErrorSingle("too_many_requests", message)],
            headers={"Retry-After": str(retry_after), "X-RateLimit-Remaining": "0"},
            extra={"rate_limit": rate_limit},
        )

    # --- faults ---

    def _misbehave(self, fault: Fault, req: Request, run: Callable[[], Reply]) -> Reply | None:
        if fault.kind == "rate_limit":
            self._faults.strike()
            return self.error_reply(req, self._rate_limited(fault.retry_after))
        before = fault.stage == "before"
        reply = None if before else run()
        self._faults.strike()  # after "after" has applied the request, so a waiting test sees it stored
        if fault.kind == "hang":
            self.stopping.wait(fault.seconds)
            return None
        if fault.kind == "delay":
            if self.stopping.wait(fault.seconds):
                return None  # shutting down: neither apply nor answer
            return run() if reply is None else reply
        if fault.kind == "error":
            applied = "was not applied" if before else "was applied"
            message = f"injected fault: error {fault.status}; the request {applied}"
            return self.error_reply(req, Refusal(fault.status, [ErrorSingle("sandbox_fault", message)]))
        return None  # drop

    def wait_struck(self, count: int, timeout: float) -> bool:
        return self._faults.wait_struck(count, timeout)

    def add_fault(self, fault: Fault) -> None:
        with self._lock:
            self._faults.add(fault)

    def clear_faults(self) -> int:
        with self._lock:
            return self._faults.clear()

    def faults(self) -> list[Fault]:
        with self._lock:
            return self._faults.list()

    def requests(self) -> list[dict[str, Any]]:
        with self._lock:
            return self._requests.entries()

    def updates(self, incident_id: str) -> list[dict[str, Any]]:
        with self._lock:
            return [u.to_api() for u in self.state.incidents[incident_id].updates]

    def maintenance_updates(self, maintenance_id: str) -> list[dict[str, Any]]:
        with self._lock:
            return [u.to_api() for u in self.state.maintenances[maintenance_id].updates]

    def reset(self) -> None:
        """Back to a fresh (seeded unless configured not to be) state, with no faults, log or spent tokens."""
        with self._lock:
            self.state = self._fresh_state()
            self._faults.clear()
            self._requests.clear()
            self._limiter.reset()

    def write_log(self, text: str) -> None:
        stream = self.log if self.log is not None else sys.stderr
        with self._log_lock:
            stream.write(text if text.endswith("\n") else text + "\n")
            stream.flush()

    # --- admin handlers (called with the lock held) ---

    def _admin_faults(self, req: Request) -> Reply:
        return json_reply(200, {"faults": [f.to_json() for f in self._faults.list()]})

    def _admin_add_fault(self, req: Request) -> Reply:
        try:
            fault = Fault.from_json(parse_json(req.body))
        except ValueError as exc:
            raise Refusal(400, [ErrorSingle("invalid_fault", str(exc))]) from None
        self._faults.add(fault)
        return json_reply(201, {"fault": fault.to_json()})

    def _admin_clear_faults(self, req: Request) -> Reply:
        return json_reply(200, {"cleared": self._faults.clear()})

    def _admin_state(self, req: Request) -> Reply:
        return json_reply(200, self.state.to_json())

    def _admin_requests(self, req: Request) -> Reply:
        return json_reply(200, {"requests": self._requests.entries()})

    def _admin_reset(self, req: Request) -> Reply:
        self.reset()
        return json_reply(200, {"reset": True})
