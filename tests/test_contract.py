"""Contract test: every request the client sends, and every response the sandbox returns to it, success
or error, validates against the vendor's OpenAPI document (with openapi-core)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from helpers import COMPONENT, INCIDENT, SANDBOX_KEY, copy_examples, update
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse

from sync import api, ledger, planner, publisher, workspace
from sync.sandbox import Fault, Sandbox, SandboxConfig

SERVER = "https://api.incident.io"  # the spec's server; the sandbox stands in for it


class Recorder:
    """httpx event hooks: keep every exchange the client makes, to validate afterwards."""

    def __init__(self) -> None:
        self.exchanges: list[httpx.Response] = []

    def on_response(self, response: httpx.Response) -> None:
        response.read()
        self.exchanges.append(response)

    @property
    def hooks(self) -> dict[str, list[Any]]:
        return {"response": [self.on_response]}


def validate(openapi: OpenAPI, response: httpx.Response) -> None:
    sent = response.request
    request = MockRequest(
        SERVER,
        sent.method.lower(),
        sent.url.path,
        args=dict(sent.url.params),
        headers=dict(sent.headers),
        data=sent.content or None,
        content_type=sent.headers.get("content-type", "application/json"),
    )
    openapi.validate_request(request)
    reply = MockResponse(
        response.content, response.status_code, content_type=response.headers["content-type"]
    )
    openapi.validate_response(request, reply)


def test_every_exchange_of_a_sync_matches_the_contract(openapi: OpenAPI, tmp_path: Path) -> None:
    project = copy_examples(tmp_path)
    recorder = Recorder()
    with Sandbox(SandboxConfig(api_key=SANDBOX_KEY, read_only_keys=("ro",))) as sb:
        sb.add_fault(Fault(kind="rate_limit", method="POST", count=2, retry_after=0))
        sb.add_fault(Fault(kind="error", method="GET", status=500))
        sb.add_fault(Fault(kind="drop", method="POST", stage="after", skip=3))  # lost response: read back
        ws = workspace.load(project / "statusfiles", None)
        retry = api.RetryPolicy(attempts=5, base=0.001, cap=0.01)
        with api.Client(sb.base_url, SANDBOX_KEY, retry=retry, event_hooks=recorder.hooks) as client:
            remote = publisher.read_incidents(
                client, {INCIDENT, "01FCNDV6P870EA6S7TK1DSYDG3", "01MISSING"}, 2
            )
            assert remote["01MISSING"] is None
            plan = planner.plan(ws.files, ws.ledger, remote=remote)
            with ledger.Writer(ws.ledger_path, run="contract") as writer:
                report = publisher.Publisher(client, writer, reconcile_delay=0.01).run(plan)
            assert report.ok and report.count("posted") == 6
            with pytest.raises(api.Rejected):  # 422
                client.post_update(update(components={"01NOTHERE": "degraded_performance"}))
            with pytest.raises(api.Rejected):  # 422: the incident is resolved and has components
                client.post_update(update(status="resolved", components={COMPONENT: "operational"}))
        for key in ("wrong", "ro"):
            other = api.Client(sb.base_url, key, retry=retry, event_hooks=recorder.hooks)
            with other, pytest.raises(api.AuthError):
                other.post_update(update())
    statuses = sorted({r.status_code for r in recorder.exchanges})
    assert statuses == [200, 201, 401, 403, 404, 422, 429, 500]
    for response in recorder.exchanges:
        validate(openapi, response)


def test_a_request_the_contract_forbids_is_caught(openapi: OpenAPI, sandbox: Sandbox) -> None:
    """The validator really checks bodies: an update without its required fields fails it."""
    recorder = Recorder()
    with httpx.Client(
        base_url=sandbox.base_url,
        event_hooks=recorder.hooks,
        headers={"Authorization": f"Bearer {SANDBOX_KEY}"},
    ) as raw:
        raw.post(
            "/v2/status_page_incident_updates",
            content=json.dumps({"message": "no incident"}),
            headers={"content-type": "application/json"},
        )
    with pytest.raises(Exception, match=r"status_page_incident_id|required"):
        validate(openapi, recorder.exchanges[0])
