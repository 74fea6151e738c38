"""The sandbox server: incident.io's Status Pages V2 API over real HTTP, with faults on demand.

It speaks the vendored OpenAPI document (every body it sends validates against
it) and the prose around it: Bearer auth with a write scope, the error body,
a token bucket per key with the documented headers, the 100-update limit.
Requests are checked with the schema generated from the spec, loosened as the
real API is (unknown fields are ignored), plus :mod:`sync.rules`.

Faults make it misbehave deterministically, so that tests and the demo can
show what a client does when a response is slow, fails, or never arrives.
Everything a test needs is also an HTTP endpoint under ``/_sandbox/``.
"""

from __future__ import annotations

import contextlib
import functools
import html
import itertools
import json
import math
import re
import socket
import socketserver
import sys
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import parse_qs, unquote, urlsplit

from sync import rules
from sync.remote import WRITE_SCOPE
from sync.sandbox.ratelimit import RateLimiter, rfc3339_seconds
from sync.sandbox.seed import seed_state
from sync.sandbox.state import (
    COMPONENT_STATUSES,
    OPERATIONAL,
    RESOLVED,
    IdGenerator,
    Problem,
    Rejected,
    State,
    load,
    save,
)
from sync.schema import Checker, generate, load_spec, request_schema_name

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
MAX_BODY_BYTES = 1 << 20
REQUEST_LOG_SIZE = 10_000  # a benchmark's worth; older entries fall off
DEFAULT_PAGE_SIZE = 25
MAX_PAGE_SIZE = 250

UPDATE_OPERATION = ("post", "/v2/status_page_incident_updates")
CREATE_INCIDENT_OPERATION = ("post", "/v2/status_page_incidents")
RENAME_INCIDENT_OPERATION = ("put", "/v2/status_page_incidents/{status_page_incident_id}")


# --- configuration and faults ---------------------------------------------------


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
    seed: bool = True  # start with the demo status page and incidents
    clock: Callable[[], float] = time.time  # Unix seconds: timestamps, IDs and the rate limit


FAULT_KINDS = ("delay", "error", "drop", "hang", "rate_limit")
FAULT_STAGES = ("before", "after")


@dataclass
class Fault:
    """A misbehaviour for the requests whose method and path match, applied in order, never at random.

    ``kind``: ``delay`` holds the response for ``seconds``; ``error`` answers
    ``status`` (an ErrorResponse of the matching type); ``drop`` closes the
    connection without a response; ``hang`` holds the connection for
    ``seconds`` (or until the sandbox stops) and then drops it, so a "before"
    request is never applied — a black hole a client can be killed in front
    of; ``rate_limit`` answers 429 with
    ``Retry-After: retry_after`` and never applies the request. ``stage`` says
    when the fault strikes: ``before`` the request is applied (an error or a
    drop then means it never is; a delay holds it back) or ``after`` (it is
    applied and stored, then delayed, answered with the error, or dropped: the
    ambiguous lost response). The first ``skip`` matching requests pass
    untouched; the next ``count`` get the fault, which then disappears
    (``count=None``: until cleared).
    """

    kind: str
    path: str = "/v2/"  # a prefix of the request path
    method: str | None = None  # None: any method
    stage: str = "before"
    seconds: float = 0.0
    status: int = 500
    retry_after: int = 1
    skip: int = 0
    count: int | None = 1

    def __post_init__(self) -> None:
        problems = [name for name, ok in self._checks() if not ok]
        if problems:
            raise ValueError(f"invalid fault {', '.join(problems)}: {self!r}")
        if self.method is not None:
            self.method = self.method.upper()

    def _checks(self) -> list[tuple[str, bool]]:
        def number(v: object) -> bool:
            return isinstance(v, int | float) and not isinstance(v, bool)

        def whole(v: object, low: int) -> bool:
            return number(v) and isinstance(v, int) and v >= low

        return [
            ("kind", self.kind in FAULT_KINDS),
            ("path", isinstance(self.path, str) and self.path.startswith("/")),
            ("method", self.method is None or isinstance(self.method, str)),
            ("stage", self.stage in FAULT_STAGES),
            ("seconds", number(self.seconds) and 0 <= self.seconds < math.inf),
            ("status", whole(self.status, 400) and self.status <= 599),
            ("retry_after", whole(self.retry_after, 0)),
            ("skip", whole(self.skip, 0)),
            ("count", self.count is None or whole(self.count, 1)),
        ]

    def matches(self, method: str, path: str) -> bool:
        return (self.method is None or self.method == method) and path.startswith(self.path)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Any) -> Fault:
        if not isinstance(data, dict):
            raise ValueError("a fault is a JSON object")
        unknown = set(data) - {f.name for f in fields(cls)}
        if unknown:
            raise ValueError(f"unknown fault fields: {', '.join(sorted(unknown))}")
        try:
            return cls(**data)
        except TypeError as exc:  # a missing "kind"
            raise ValueError(str(exc)) from None


# --- requests and replies -----------------------------------------------------------


@dataclass(slots=True)
class Request:
    method: str
    target: str  # the path and query as sent
    headers: Any  # email.message.Message: case-insensitive get()
    body: bytes
    request_id: str
    path: str = ""
    query: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        parts = urlsplit(self.target)
        self.path = parts.path
        self.query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}


@dataclass(slots=True)
class Reply:
    status: int
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


def json_reply(status: int, obj: Any) -> Reply:
    return Reply(status, json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode())


Handler = Callable[[Request, dict[str, str]], Reply]
Routes = list[tuple[re.Pattern[str], dict[str, Handler]]]


def route(routes: Routes, method: str, path: str) -> tuple[Handler, dict[str, str]]:
    for pattern, methods in routes:
        match = pattern.fullmatch(path)
        if match is None:
            continue
        if method not in methods:
            allowed = ", ".join(methods)
            raise Rejected(
                405,
                [Problem("method_not_allowed", f"{method} is not allowed on {path}; use {allowed}")],
                headers={"Allow": allowed},
            )
        return methods[method], {k: unquote(v) for k, v in match.groupdict().items()}
    raise Rejected(404, [Problem("not_found", f"there is no route {path}")])


# --- request bodies -------------------------------------------------------------------

# The API error code for each rule of sync.schema.explain; any other rule is an invalid value.
_CODES = {
    "required": "is_required",
    "type": "invalid_type",
    "max-length": "too_long",
    "enum": "invalid_value",
}


class BodyCheck:
    """One operation's request-body checks: its OpenAPI schema, open to unknown fields as the API is."""

    def __init__(self, spec: dict[str, Any], operation: tuple[str, str], *, prose_rules: bool) -> None:
        name = request_schema_name(spec, *operation)
        schema = generate(spec, name, schema_id=f"urn:statusfiles:sandbox:{name}", title=name, strict=False)
        self._checker = Checker(schema)
        self._prose_rules = prose_rules

    def problems(self, body: Any) -> list[Problem]:
        found = self._checker.problems(body)
        if self._prose_rules and isinstance(body, dict):
            found += rules.check(body)
        return [Problem(_CODES.get(p.rule, "invalid_value"), p.message, p.path) for p in found]


@functools.cache
def body_checks() -> dict[tuple[str, str], BodyCheck]:
    spec = load_spec()
    return {
        UPDATE_OPERATION: BodyCheck(spec, UPDATE_OPERATION, prose_rules=True),
        CREATE_INCIDENT_OPERATION: BodyCheck(spec, CREATE_INCIDENT_OPERATION, prose_rules=False),
        RENAME_INCIDENT_OPERATION: BodyCheck(spec, RENAME_INCIDENT_OPERATION, prose_rules=False),
    }


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_json(body: bytes) -> Any:
    try:
        return json.loads(body, parse_constant=_no_constants)
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError are both ValueErrors
        raise Rejected(400, [Problem("invalid_json", f"the request body is not valid JSON: {exc}")]) from None


def valid_body(req: Request, operation: tuple[str, str]) -> dict[str, Any]:
    body = parse_json(req.body)
    problems = body_checks()[operation].problems(body)
    if problems:
        raise Rejected(422, problems)
    result: dict[str, Any] = body
    return result


def page_size(query: dict[str, str]) -> int:
    raw = query.get("page_size", "")
    if raw == "":
        return DEFAULT_PAGE_SIZE
    if not re.fullmatch(r"-?[0-9]+", raw):
        raise Rejected(422, [Problem("invalid_type", f"{raw!r} is not a whole number", ("page_size",))])
    size = int(raw)
    if not 1 <= size <= MAX_PAGE_SIZE:
        message = f"{size} is out of range: use 1 to {MAX_PAGE_SIZE}"
        raise Rejected(422, [Problem("invalid_value", message, ("page_size",))])
    return size


def listing(name: str, records: list[dict[str, Any]], size: int, after: str | None) -> Reply:
    """A list response: the records, and ``pagination_meta`` with the cursor when there are more."""
    meta: dict[str, Any] = {"page_size": size, **({"after": after} if after else {})}
    return json_reply(200, {name: records, "pagination_meta": meta})


def bearer_token(header: str | None) -> str | None:
    if header is None:
        return None
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def _is_write(method: str) -> bool:
    return method not in ("GET", "HEAD", "OPTIONS")


# --- the application ------------------------------------------------------------------


class App:
    """Everything but the sockets: state, auth, limits, faults and the request log, shared by all threads.

    One lock serialises the handlers: they are quick, and a delay fault waits
    outside it, so a slow response never holds up the others.
    """

    def __init__(self, config: SandboxConfig, log: TextIO | None = None) -> None:
        self.config = config
        self.log = log
        self.stopping = threading.Event()
        self._struck = 0  # faults that have struck: tests wait on this instead of guessing with sleeps
        self._struck_changed = threading.Condition()
        self._lock = threading.RLock()
        self._log_lock = threading.Lock()
        self._limiter = RateLimiter(config.rate_limit, config.burst, config.clock)
        self._faults: list[Fault] = []
        self._requests: deque[dict[str, Any]] = deque(maxlen=REQUEST_LOG_SIZE)
        self._request_numbers = itertools.count(1)
        body_checks()  # build the validators now, not during the first request
        path = config.state_path
        self.state = load(path) if path is not None and path.exists() else self._fresh_state()
        self._new_id = IdGenerator(config.clock, self.state.ids())
        self._api: Routes = [
            (re.compile(r"/v2/status_page_incident_updates"), {"POST": self._post_update}),
            (
                re.compile(r"/v2/status_page_incidents"),
                {"GET": self._list_incidents, "POST": self._create_incident},
            ),
            (
                re.compile(r"/v2/status_page_incidents/(?P<id>[^/]+)"),
                {"GET": self._show_incident, "PUT": self._rename_incident},
            ),
            (re.compile(r"/v2/status_pages"), {"GET": self._list_status_pages}),
            (re.compile(r"/v2/status_page_structures/(?P<id>[^/]+)"), {"GET": self._show_structure}),
        ]
        self._pages: Routes = [(re.compile(r"/"), {"GET": self._html})]
        self._admin: Routes = [
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

    def request(self, method: str, target: str, headers: Any, body: bytes) -> Request:
        # Counter-based, UUID-shaped request IDs: unique per run and reproducible.
        request_id = f"00000000-0000-4000-8000-{next(self._request_numbers):012x}"
        return Request(method, target, headers, body, request_id)

    def error_reply(self, req: Request, exc: Rejected) -> Reply:
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
            return self._run(self._admin, req, persist=False)
        fault: Fault | None = None
        try:
            reply, fault = self._serve(req)
        except Exception:  # a bug must still answer as the API would, and show itself in the log
            self.write_log(traceback.format_exc())
            reply = self.error_reply(req, Rejected(500, [Problem("api_error", "the sandbox failed")]))
        with self._lock:
            self._requests.append(
                {
                    "request_id": req.request_id,
                    "method": req.method,
                    "path": req.target,
                    "body": _json_or_none(req.body),
                    "status": None if reply is None else reply.status,
                    "fault": None if fault is None else fault.kind,
                }
            )
        return reply

    def _serve(self, req: Request) -> tuple[Reply | None, Fault | None]:
        api = req.path == "/v2" or req.path.startswith("/v2/")
        limits: dict[str, str] = {}
        key = ""
        try:
            if api:
                key = self._authenticate(req, limits)
            handler, params = route(self._api if api else self._pages, req.method, req.path)
            if api and _is_write(req.method) and key in self.config.read_only_keys:
                message = f"this API key does not have the {WRITE_SCOPE!r} scope"
                raise Rejected(403, [Problem("missing_scope", message)])
        except Rejected as exc:
            reply: Reply | None = self.error_reply(req, exc)
            fault = None
        else:
            fault = self._take_fault(req)
            run = functools.partial(self._call, handler, params, req, persist=_is_write(req.method))
            reply = run() if fault is None else self._misbehave(fault, req, run)
        if reply is not None:
            reply.headers = {**limits, **reply.headers}
        return reply, fault

    def _run(self, routes: Routes, req: Request, *, persist: bool) -> Reply:
        try:
            handler, params = route(routes, req.method, req.path)
        except Rejected as exc:
            return self.error_reply(req, exc)
        return self._call(handler, params, req, persist=persist)

    def _call(self, handler: Handler, params: dict[str, str], req: Request, *, persist: bool) -> Reply:
        with self._lock:
            try:
                reply = handler(req, params)
            except Rejected as exc:
                return self.error_reply(req, exc)
            if persist and self.config.state_path is not None:
                save(self.state, self.config.state_path)
            return reply

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
            raise Rejected(
                401,
                [Problem("missing_authorization_material", "No authorization material provided in request")],
            )
        if not valid or token is None:
            message = "the API key is not valid: send 'Authorization: Bearer <API key>' with a current key"
            raise Rejected(401, [Problem("invalid_authorization_material", message)])
        return token

    def _rate_limited(self, retry_after: int) -> Rejected:
        rate_limit = {
            "name": "sandbox API key",
            "limit": self.config.rate_limit,
            "remaining": 0,
            "retry_after": rfc3339_seconds(self.config.clock() + retry_after),
        }
        message = (
            "Too many requests hit the API too quickly. We recommend an exponential backoff of your requests."
        )
        return Rejected(
            429,
            [Problem("too_many_requests", message)],
            headers={"Retry-After": str(retry_after), "X-RateLimit-Remaining": "0"},
            extra={"rate_limit": rate_limit},
        )

    # --- faults ---

    def _take_fault(self, req: Request) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if not fault.matches(req.method, req.path):
                    continue
                if fault.skip:
                    fault.skip -= 1
                    continue
                if fault.count is not None:
                    fault.count -= 1
                    if fault.count == 0:
                        self._faults.remove(fault)
                return fault
            return None

    def _misbehave(self, fault: Fault, req: Request, run: Callable[[], Reply]) -> Reply | None:
        if fault.kind == "rate_limit":
            self._strike()
            return self.error_reply(req, self._rate_limited(fault.retry_after))
        before = fault.stage == "before"
        reply = None if before else run()
        self._strike()  # after "after" has applied the request, so a waiting test sees it stored
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
            return self.error_reply(req, Rejected(fault.status, [Problem("sandbox_fault", message)]))
        return None  # drop

    def _strike(self) -> None:
        with self._struck_changed:
            self._struck += 1
            self._struck_changed.notify_all()

    def wait_struck(self, count: int, timeout: float) -> bool:
        """Block until ``count`` faults have struck in all (False if ``timeout`` seconds pass first)."""
        with self._struck_changed:
            return self._struck_changed.wait_for(lambda: self._struck >= count, timeout)

    def add_fault(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(replace(fault))  # our copy counts down, not the caller's

    def clear_faults(self) -> int:
        with self._lock:
            cleared = len(self._faults)
            self._faults.clear()
            return cleared

    def faults(self) -> list[Fault]:
        with self._lock:
            return [replace(f) for f in self._faults]

    def requests(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(r) for r in self._requests]

    def updates(self, incident_id: str) -> list[dict[str, Any]]:
        with self._lock:
            return [u.to_api() for u in self.state.incidents[incident_id].updates]

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

    # --- API handlers (called with the lock held) ---

    def _post_update(self, req: Request, params: dict[str, str]) -> Reply:
        body = valid_body(req, UPDATE_OPERATION)
        update = self.state.post_update(body, self._now(), self._new_id)
        return json_reply(201, {"status_page_incident_update": update.to_api()})

    def _create_incident(self, req: Request, params: dict[str, str]) -> Reply:
        body = valid_body(req, CREATE_INCIDENT_OPERATION)
        incident = self.state.create_incident(body, self._now(), self._new_id)
        return json_reply(201, {"status_page_incident": incident.to_api()})

    def _show_incident(self, req: Request, params: dict[str, str]) -> Reply:
        return json_reply(200, {"status_page_incident": self.state.incident(params["id"]).to_api()})

    def _rename_incident(self, req: Request, params: dict[str, str]) -> Reply:
        incident = self.state.rename_incident(
            params["id"], valid_body(req, RENAME_INCIDENT_OPERATION)["name"]
        )
        return json_reply(200, {"status_page_incident": incident.to_api()})

    def _list_incidents(self, req: Request, params: dict[str, str]) -> Reply:
        status_page_id = req.query.get("status_page_id", "")
        if not status_page_id:
            raise Rejected(
                422, [Problem("is_required", "required query parameter is missing", ("status_page_id",))]
            )
        size = page_size(req.query)
        incidents, after = self.state.list_incidents(status_page_id, size, req.query.get("after") or None)
        return listing("status_page_incidents", [i.to_api() for i in incidents], size, after)

    def _list_status_pages(self, req: Request, params: dict[str, str]) -> Reply:
        size = page_size(req.query)
        pages, after = self.state.list_status_pages(size, req.query.get("after") or None)
        return listing("status_pages", [p.to_api() for p in pages], size, after)

    def _show_structure(self, req: Request, params: dict[str, str]) -> Reply:
        page = self.state.status_page(params["id"])
        return json_reply(200, {"current_structure": page.structure_to_api()})

    def _html(self, req: Request, params: dict[str, str]) -> Reply:
        return Reply(200, render_html(self.state).encode(), "text/html; charset=utf-8")

    # --- admin handlers ---

    def _admin_faults(self, req: Request, params: dict[str, str]) -> Reply:
        return json_reply(200, {"faults": [f.to_json() for f in self.faults()]})

    def _admin_add_fault(self, req: Request, params: dict[str, str]) -> Reply:
        try:
            fault = Fault.from_json(parse_json(req.body))
        except ValueError as exc:
            raise Rejected(400, [Problem("invalid_fault", str(exc))]) from None
        self.add_fault(fault)
        return json_reply(201, {"fault": fault.to_json()})

    def _admin_clear_faults(self, req: Request, params: dict[str, str]) -> Reply:
        return json_reply(200, {"cleared": self.clear_faults()})

    def _admin_state(self, req: Request, params: dict[str, str]) -> Reply:
        return json_reply(200, self.state.to_json())

    def _admin_requests(self, req: Request, params: dict[str, str]) -> Reply:
        return json_reply(200, {"requests": self.requests()})

    def _admin_reset(self, req: Request, params: dict[str, str]) -> Reply:
        self.reset()
        return json_reply(200, {"reset": True})


def _json_or_none(body: bytes) -> Any:
    try:
        return json.loads(body) if body else None
    except ValueError:
        return None


# --- the status page, as subscribers see it -------------------------------------------

_CSS = """
body { font: 16px/1.5 system-ui, sans-serif; max-width: 46rem; margin: 2rem auto; padding: 0 1rem; }
h1 { margin-bottom: .25rem; } h2 { margin: 0; font-size: 1.15rem; }
.muted { color: #666; font-size: .9rem; }
.components { list-style: none; padding: 0; border: 1px solid #ddd; border-radius: 6px; }
.components li { display: flex; justify-content: space-between; padding: .5rem .75rem; }
.components li + li { border-top: 1px solid #eee; }
article { border: 1px solid #ddd; border-radius: 6px; padding: .75rem 1rem; margin: 1rem 0; }
ol { list-style: none; padding: 0; } ol li { border-top: 1px solid #eee; padding: .5rem 0; }
.message { white-space: pre-wrap; margin: .25rem 0; }
.operational { color: #1a7f37; } .degraded_performance { color: #9a6700; }
.partial_outage { color: #bc4c00; } .full_outage { color: #cf222e; }
"""


def _severity(status: str) -> int:
    """Worse is greater; a status this sandbox does not know counts as the worst."""
    return COMPONENT_STATUSES.index(status) if status in COMPONENT_STATUSES else len(COMPONENT_STATUSES)


def _label(status: str) -> str:
    return status.replace("_", " ").capitalize()


def _status(status: str) -> str:
    # The status goes into a class attribute too: escape it, an unknown one included.
    return f'<span class="{html.escape(status)}">{html.escape(_label(status))}</span>'


def render_html(state: State) -> str:
    """Every status page with its components and incidents, newest first, all text escaped."""
    e = html.escape
    out = [
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>Status pages (statusfiles sandbox)</title><style>{_CSS}</style></head><body>",
    ]
    for page in state.status_pages:
        names = {c.component_id: c.name for c in page.components()}
        incidents = [i for i in reversed(state.incidents.values()) if i.status_page_id == page.id]
        current = dict.fromkeys(names, OPERATIONAL)
        for incident in incidents:
            if incident.incident_status != RESOLVED:
                for cid, status in incident.component_statuses().items():
                    current[cid] = max(current.get(cid, OPERATIONAL), status, key=_severity)
        out.append(f'<section><h1>{e(page.name)}</h1><ul class="components">')
        out += [f"<li><span>{e(names[cid])}</span>{_status(current[cid])}</li>" for cid in names]
        out.append("</ul>")
        if not incidents:
            out.append('<p class="muted">No incidents.</p>')
        for incident in incidents:
            out.append(
                f"<article><h2>{e(incident.name)}</h2>"
                f'<p class="muted">{_status(incident.incident_status)} · opened '
                f'<time datetime="{e(incident.published_at)}">{e(incident.published_at)}</time></p><ol>'
            )
            for update in reversed(incident.updates):
                affected = ", ".join(
                    f"{e(names.get(c['component_id'], c['component_id']))}: {_status(c['component_status'])}"
                    for c in update.component_statuses
                )
                out.append(
                    f"<li><strong>{_status(update.incident_status)}</strong> "
                    f'<time class="muted" datetime="{e(update.published_at)}">{e(update.published_at)}</time>'
                    f'<div class="message">{e(update.message)}</div>'
                    + (f'<div class="muted">{affected}</div>' if affected else "")
                    + "</li>"
                )
            out.append("</ol></article>")
        out.append("</section>")
    if not state.status_pages:
        out.append('<p class="muted">No status pages.</p>')
    out.append("</body></html>\n")
    return "".join(out)


# --- HTTP --------------------------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    # HTTP/1.1 with Content-Length on every reply keeps connections alive, as clients expect.
    protocol_version = "HTTP/1.1"
    server_version = "statusfiles-sandbox"
    sys_version = ""
    disable_nagle_algorithm = True  # headers and body go out as two writes; don't let Nagle hold the second
    timeout = 120  # an idle keep-alive connection is closed in the end
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection, add=True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.track(self.connection, add=False)

    def _dispatch(self) -> None:
        app = self.server.app
        body = self._read_body()
        if body is None:
            self.close_connection = True
            return
        req = app.request(self.command, self.path, self.headers, body if isinstance(body, bytes) else b"")
        if isinstance(body, Rejected):
            self.close_connection = True  # the unread body makes the rest of the stream meaningless
            self._send(app.error_reply(req, body))
            return
        reply = app.handle(req)
        if reply is None:
            self.close_connection = True  # a drop fault: no response at all
            return
        self._send(reply)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _dispatch

    def _read_body(self) -> bytes | Rejected | None:
        """The request body; a refusal when it cannot be read; None when the client went away."""
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            return Rejected(400, [Problem("invalid_request", "send the body with a Content-Length header")])
        length = (self.headers.get("Content-Length") or "0").strip()
        if not length.isdigit():
            return Rejected(400, [Problem("invalid_request", f"Content-Length {length!r} is not a number")])
        if int(length) > MAX_BODY_BYTES:
            message = f"the request body is larger than {MAX_BODY_BYTES} bytes"
            return Rejected(413, [Problem("payload_too_large", message)])
        body = self.rfile.read(int(length))
        return body if len(body) == int(length) else None

    def _send(self, reply: Reply) -> None:
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(reply.body)

    def log_message(self, format: str, *args: Any) -> None:
        # The request line and status only: never a header, so never the API key.
        if self.server.app.log is not None:
            self.server.app.write_log(f"{self.address_string()} {format % args}")


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # a handler blocked on a client never keeps the process alive
    block_on_close = False
    request_queue_size = 128  # benchmarks open many connections at once

    def __init__(self, address: tuple[str, int], app: App) -> None:
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.app = app
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind looks up the host's FQDN, which can stall on DNS; nothing here needs it.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)

    def track(self, conn: socket.socket, *, add: bool) -> None:
        with self._connections_lock:
            if add:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)

    def close_connections(self) -> None:
        """Wake every handler waiting on an idle keep-alive connection, so that stopping is immediate."""
        with self._connections_lock:
            conns = list(self._connections)
        for conn in conns:
            with contextlib.suppress(OSError):  # already closed by the client
                conn.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            return  # the client went away or idled out: nothing to report
        self.app.write_log(traceback.format_exc())


class Sandbox:
    """The sandbox on a background thread: ``with Sandbox(SandboxConfig()) as sb: ... sb.base_url``."""

    def __init__(self, config: SandboxConfig | None = None, *, log: TextIO | None = None) -> None:
        self.config = config or SandboxConfig()
        self._app = App(self.config, log)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> Sandbox:
        if self._server is not None:
            raise RuntimeError("the sandbox is already running")
        self._server = _Server((self.config.host, self.config.port), self._app)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            # How long stop() may wait for the accept loop: short, since tests start and stop it a lot.
            kwargs={"poll_interval": 0.02},
            name="statusfiles-sandbox",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        self._app.stopping.set()
        server.shutdown()
        server.close_connections()
        server.server_close()
        if self._thread is not None:
            self._thread.join()

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("the sandbox is not running")
        host, port = self._server.server_address[:2]
        return f"http://[{host}]:{port}" if ":" in str(host) else f"http://{host}:{port}"

    @property
    def state(self) -> State:
        return self._app.state

    def add_fault(self, fault: Fault) -> None:
        self._app.add_fault(fault)

    def clear_faults(self) -> int:
        return self._app.clear_faults()

    def wait_struck(self, count: int, timeout: float = 60.0) -> bool:
        """Block until ``count`` faults have struck since the sandbox started: a fault is a sync point.

        A ``delay`` fault has struck once its request is held (for stage "after", once it is stored).
        """
        return self._app.wait_struck(count, timeout)

    def faults(self) -> list[Fault]:
        return self._app.faults()

    def updates(self, incident_id: str) -> list[dict[str, Any]]:
        """The incident's stored updates as the API shows them, in posting order."""
        return self._app.updates(incident_id)

    def requests(self) -> list[dict[str, Any]]:
        """The request log, oldest first: method, path, parsed body, status (None if dropped), fault."""
        return self._app.requests()

    def reset(self) -> None:
        self._app.reset()
