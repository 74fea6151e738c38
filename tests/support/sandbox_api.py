"""Talking to the sandbox in its tests: a client that checks every /v2 response against the vendored
OpenAPI document (so every sandbox test is also a contract test), payload builders and error helpers."""

from __future__ import annotations

import re
import ssl
from typing import Any

import httpx
from jsonschema import Draft202012Validator
from openapi_core import OpenAPI
from openapi_core.templating.paths.exceptions import OperationNotFound, PathNotFound
from openapi_core.testing import MockRequest, MockResponse

from sync.sandbox import Sandbox
from sync.sandbox.seed import API_INCIDENT_ID, MAINTENANCE_ID, PUBLIC_API_ID, WEBHOOKS_ID
from tests.support import payloads

UPDATES = "/v2/status_page_incident_updates"
INCIDENTS = "/v2/status_page_incidents"
MAINTENANCES = "/v2/status_page_maintenances"
MAINTENANCE_UPDATES = "/v2/status_page_maintenance_updates"
ID = re.compile(r"[0-9A-HJKMNP-TV-Z]{26}")
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z")
# Built once: httpx builds a TLS context per client otherwise, which costs more than a sandbox.
TLS = ssl.create_default_context()
SPEC_SERVER = "https://api.incident.io"  # the spec's server: the sandbox stands in for it


class Api:
    """An httpx client for the sandbox that checks every /v2 response against the vendor's contract."""

    def __init__(
        self, sandbox: Sandbox, openapi: OpenAPI, error_response: Draft202012Validator, key: str | None
    ) -> None:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        self.client = httpx.Client(base_url=sandbox.base_url, headers=headers, timeout=10, verify=TLS)
        self.openapi = openapi
        self.error_response = error_response

    def request(self, method: str, path: str, **kw: Any) -> httpx.Response:
        response = self.client.request(method, path, **kw)
        if response.request.url.path.startswith("/v2/"):
            self.check(response)
        return response

    def get(self, path: str, **kw: Any) -> httpx.Response:
        return self.request("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> httpx.Response:
        return self.request("POST", path, **kw)

    def put(self, path: str, **kw: Any) -> httpx.Response:
        return self.request("PUT", path, **kw)

    def check(self, response: httpx.Response) -> None:
        request = MockRequest(
            SPEC_SERVER,
            response.request.method.lower(),
            response.request.url.path,
            args=dict(response.request.url.params),
        )
        reply = MockResponse(
            response.content, response.status_code, content_type=response.headers["content-type"]
        )
        try:
            self.openapi.validate_response(request, reply)
        except (PathNotFound, OperationNotFound):
            assert response.status_code in (404, 405), response.text
            self.error_response.validate(response.json())


def update(message: str = "An update.", **fields: Any) -> dict[str, Any]:
    """An update to the seed's API incident, with no status unless given."""
    return payloads.update(message, incident=API_INCIDENT_ID, status=None) | fields


def statuses(**by_id: str) -> list[dict[str, str]]:
    return payloads.component_statuses(by_id)


def incident_body(key: str, **fields: Any) -> dict[str, Any]:
    body = payloads.incident(f"Incident {key}", "We are looking into it.", idempotency_key=key)
    return body | fields


def maintenance_body(key: str, **fields: Any) -> dict[str, Any]:
    """A window from 10:00 to 12:00 UTC on 28 January 2030 (the sandbox's clocks are earlier)."""
    return (
        payloads.maintenance(
            f"Maintenance {key}",
            affected=[PUBLIC_API_ID, WEBHOOKS_ID],
            start="2030-01-28T10:00:00Z",
            end="2030-01-28T12:00:00Z",
            idempotency_key=key,
        )
        | fields
    )


def maintenance_update(message: str = "A maintenance update.", **fields: Any) -> dict[str, Any]:
    return payloads.maintenance_update(message, maintenance=MAINTENANCE_ID) | fields


def pointer(field: str) -> str:
    """The JSON pointer of a field path: ``a[0].b`` is ``/a/0/b``."""
    return "".join(f"/{part}" for part in re.findall(r"[^.\[\]]+", field))


def errors(response: httpx.Response, status: int, error_type: str) -> list[dict[str, Any]]:
    """The error entries of an ErrorResponse, after checking its status, type and request ID."""
    assert response.status_code == status, response.text
    body = response.json()
    assert (body["status"], body["type"]) == (status, error_type)
    assert body["request_id"]
    found: list[dict[str, Any]] = body["errors"]
    assert found
    return found
