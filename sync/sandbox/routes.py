"""Requests, replies, routing, and the Status Pages V2 routes: what each endpoint does with the state.

A handler gets a :class:`Context` (the state, the time, an ID source), the
request and the path parameters, and returns a :class:`Reply` or raises a
:class:`Refusal`. The application calls it with its lock held.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from email.message import Message
from typing import Any, TypeVar
from urllib.parse import parse_qs, unquote, urlsplit

from sync.sandbox.bodies import (
    CREATE_INCIDENT_OPERATION,
    CREATE_MAINTENANCE_OPERATION,
    MAINTENANCE_UPDATE_OPERATION,
    RENAME_INCIDENT_OPERATION,
    RESCHEDULE_MAINTENANCE_OPERATION,
    page_size,
    valid_body,
)
from sync.sandbox.refusals import ErrorSingle, Refusal
from sync.sandbox.state import INCIDENT, MAINTENANCE, State
from sync.schema import UPDATE_OPERATION


@dataclass(slots=True)
class Request:
    method: str
    target: str  # the path and query as sent
    headers: Message  # as http.server parses them: get() ignores case
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


H = TypeVar("H")
Routes = list[tuple[re.Pattern[str], dict[str, H]]]


def route(routes: Routes[H], method: str, path: str) -> tuple[H, dict[str, str]]:
    """The handler for ``method`` on ``path`` and the path's parameters; a 404 or 405 refusal otherwise."""
    for pattern, methods in routes:
        match = pattern.fullmatch(path)
        if match is None:
            continue
        if method not in methods:
            allowed = ", ".join(methods)
            raise Refusal(
                405,
                [ErrorSingle("method_not_allowed", f"{method} is not allowed on {path}; use {allowed}")],
                headers={"Allow": allowed},
            )
        return methods[method], {k: unquote(v) for k, v in match.groupdict().items()}
    raise Refusal(404, [ErrorSingle("not_found", f"there is no route {path}")])


def listing(name: str, records: list[dict[str, Any]], size: int, after: str | None) -> Reply:
    """A list response: the records, and ``pagination_meta`` with the cursor when there are more."""
    meta: dict[str, Any] = {"page_size": size, **({"after": after} if after else {})}
    return json_reply(200, {name: records, "pagination_meta": meta})


@dataclass(frozen=True, slots=True)
class Context:
    """What a handler works with: the state to read or change, the time it is, and new IDs."""

    state: State
    now: datetime
    new_id: Callable[[], str]


Handler = Callable[[Context, Request, dict[str, str]], Reply]


def _required_query(req: Request, name: str) -> str:
    value = req.query.get(name, "")
    if not value:
        raise Refusal(422, [ErrorSingle("is_required", "required query parameter is missing", (name,))])
    return value


# --- incidents ---


def post_update(ctx: Context, req: Request, params: dict[str, str]) -> Reply:
    body = valid_body(req.body, UPDATE_OPERATION)
    update = ctx.state.post_update(body, ctx.now, ctx.new_id)
    return json_reply(201, {"status_page_incident_update": update.to_api()})


def create_incident(ctx: Context, req: Request, params: dict[str, str]) -> Reply:
    """Create once per idempotency key; the key again gets the original response, whatever the body."""
    body = valid_body(req.body, CREATE_INCIDENT_OPERATION)

    def create() -> dict[str, Any]:
        return {INCIDENT: ctx.state.create_incident(body, ctx.now, ctx.new_id).to_api()}

    return json_reply(201, ctx.state.create_once(INCIDENT, body["idempotency_key"], create))


def show_incident(ctx: Context, req: Request, params: dict[str, str]) -> Reply:
    return json_reply(200, {INCIDENT: ctx.state.incident(params["id"]).to_api()})


def rename_incident(ctx: Context, req: Request, params: dict[str, str]) -> Reply:
    name = valid_body(req.body, RENAME_INCIDENT_OPERATION)["name"]
    incident = ctx.state.rename_incident(params["id"], name)
    return json_reply(200, {INCIDENT: incident.to_api()})


def _on_page(
    req: Request, name: str, fetch: Callable[[str, int, str | None], tuple[list[Any], str | None]]
) -> Reply:
    """A list of one status page's objects (``?status_page_id=``, required), a page at a time."""
    status_page_id = _required_query(req, "status_page_id")
    size = page_size(req.query)
    records, after = fetch(status_page_id, size, req.query.get("after") or None)
    return listing(name, [r.to_api() for r in records], size, after)


def list_incidents(ctx: Context, req: Request, params: dict[str, str]) -> Reply:
    return _on_page(req, "status_page_incidents", ctx.state.list_incidents)


# --- maintenance windows ---


def create_maintenance(ctx: Context, req: Request, params: dict[str, str]) -> Reply:
    """Create once per idempotency key, as for incidents."""
    body = valid_body(req.body, CREATE_MAINTENANCE_OPERATION)

    def create() -> dict[str, Any]:
        return {MAINTENANCE: ctx.state.create_maintenance(body, ctx.now, ctx.new_id).to_api()}

    return json_reply(201, ctx.state.create_once(MAINTENANCE, body["idempotency_key"], create))


def show_maintenance(ctx: Context, req: Request, params: dict[str, str]) -> Reply:
    return json_reply(200, {MAINTENANCE: ctx.state.maintenance(params["id"]).to_api()})


def reschedule_maintenance(ctx: Context, req: Request, params: dict[str, str]) -> Reply:
    body = valid_body(req.body, RESCHEDULE_MAINTENANCE_OPERATION)
    return json_reply(200, {MAINTENANCE: ctx.state.reschedule_maintenance(params["id"], body).to_api()})


def list_maintenances(ctx: Context, req: Request, params: dict[str, str]) -> Reply:
    return _on_page(req, "status_page_maintenances", ctx.state.list_maintenances)


def post_maintenance_update(ctx: Context, req: Request, params: dict[str, str]) -> Reply:
    body = valid_body(req.body, MAINTENANCE_UPDATE_OPERATION)
    update = ctx.state.post_maintenance_update(body, ctx.now, ctx.new_id)
    return json_reply(201, {"status_page_maintenance_update": update.to_api()})


# --- status pages ---


def list_status_pages(ctx: Context, req: Request, params: dict[str, str]) -> Reply:
    size = page_size(req.query)
    pages, after = ctx.state.list_status_pages(size, req.query.get("after") or None)
    return listing("status_pages", [p.to_api() for p in pages], size, after)


def show_structure(ctx: Context, req: Request, params: dict[str, str]) -> Reply:
    page = ctx.state.status_page(params["id"])
    return json_reply(200, {"current_structure": page.structure_to_api()})


API_ROUTES: Routes[Handler] = [
    (re.compile(r"/v2/status_page_incident_updates"), {"POST": post_update}),
    (re.compile(r"/v2/status_page_incidents"), {"GET": list_incidents, "POST": create_incident}),
    (re.compile(r"/v2/status_page_incidents/(?P<id>[^/]+)"), {"GET": show_incident, "PUT": rename_incident}),
    (re.compile(r"/v2/status_page_maintenance_updates"), {"POST": post_maintenance_update}),
    (re.compile(r"/v2/status_page_maintenances"), {"GET": list_maintenances, "POST": create_maintenance}),
    (
        re.compile(r"/v2/status_page_maintenances/(?P<id>[^/]+)"),
        {"GET": show_maintenance, "PUT": reschedule_maintenance},
    ),
    (re.compile(r"/v2/status_pages"), {"GET": list_status_pages}),
    (re.compile(r"/v2/status_page_structures/(?P<id>[^/]+)"), {"GET": show_structure}),
]
