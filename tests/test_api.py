"""The HTTP client: safety checks, retry policy and pacing directly; the rest against the sandbox."""

from __future__ import annotations

import http.server
import random
import socket
import ssl
import threading
from collections.abc import Iterator
from typing import Any, ClassVar

import httpx
import pytest

from sync import api, apiconfig
from sync.remote import ShapeError, parse_created_update, parse_incident
from sync.sandbox import Fault, Sandbox
from tests.support.payloads import COMPONENT, INCIDENT, update

KEY = "sandbox-test-key"
FAST = apiconfig.RetryPolicy(attempts=4, base=0.001, cap=0.01)


@pytest.fixture
def client(sandbox: Sandbox) -> Iterator[api.Client]:
    with api.Client(sandbox.base_url, KEY, retry=FAST, timeout=10) as c:
        yield c


# --- safety ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://api.incident.io",
        "http://127.0.0.1:8484",
        "http://localhost:1/",
        "http://[::1]:80",
        "http://127.9.9.9",
        "https://api.incident.io.",
        "https://api.incident.io:443/",
        "https://ünïcode.example",
        "https://xn--ncode-cta3g.example",
        "https://internal_host.example:8443/incident-io/",
        "https://[2001:db8::1]:8443",
        "https://10.1.2.3",
        "https://[fe80::1%25eth0]/",
        "https://Bücher.example.",
        "https://api.xn--ls8h.la",
    ],
)
def test_allowed_base_urls(url: str) -> None:
    assert apiconfig.check_base_url(url) == url.rstrip("/")
    # The client reads the host as httpx does: a URL let through here is one it can send to.
    target = httpx.URL(url.rstrip("/") + "/v2/status_pages")
    assert target.host and target.path.endswith("/v2/status_pages")


@pytest.mark.parametrize(
    "url",
    [
        "https://[v1.x]/",
        "https://[::1]x/",
        "http://[::1]evil.example:8080",
        "http://]x[::1",
        "https://0127.0.0.1",
        "https://1.2.3.256",
        "https://xn--0",
        "https://xn--a.example",
        "https://xn--ls8h.la",
        "https://-ä.example",
        "https://ä_b.example",
    ],
)
def test_a_host_httpx_cannot_read_is_refused_before_any_work(url: str) -> None:
    """These reached the client, whose URL parser raised: a crash, not a usage error."""
    with pytest.raises((httpx.InvalidURL, UnicodeError)):  # an idna.IDNAError is a UnicodeError
        httpx.URL(url + "/v2/status_pages").host  # noqa: B018
    with pytest.raises(apiconfig.ConfigError, match="is not a host name or an IP address"):
        apiconfig.check_base_url(url)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://api.incident.io", "refusing to send the API key over plain HTTP to api.incident.io"),
        ("http://10.0.0.1:8484", "refusing to send the API key over plain HTTP"),
        ("http://localhost.example.com", "refusing"),
        ("http://api.localhost:8484", "refusing to send the API key over plain HTTP to api.localhost"),
        ("ftp://api.incident.io", "must be an https:// URL"),
        ("api.incident.io", "must be an https:// URL"),
        ("https://user:pw@api.incident.io", "must not contain credentials"),
        ("https://api.incident.io:99999", "is not a URL: Port out of range"),
        ("https://api.incident.io:abc", "is not a URL: Port could not be cast"),
        ("https://api.incident.io:443:44", "is not a URL"),
        ("https://[::1", "is not a URL: Invalid IPv6 URL"),
        ("https://exa mple.com", "must not contain spaces or control characters"),
        ("https://api.incident.io\n", "must not contain spaces or control characters"),
        ("https://api.incident.io/v2?x=1", "must not have a query or a fragment"),
        ("https://api.incident.io#top", "must not have a query or a fragment"),
        ("https://api.incident.io?", "must not have a query or a fragment"),
        ("https://a..b", "host 'a..b' is not a host name or an IP address"),
        ("https://xn--zz.com", "host 'xn--zz.com' is not"),
        ("https://-bad-.com", "is not a host name"),
        ("https://api.incident!.io", "is not a host name"),
    ],
)
def test_refused_base_urls(url: str, message: str) -> None:
    with pytest.raises(apiconfig.ConfigError, match=message):
        apiconfig.check_base_url(url)


@pytest.mark.parametrize(
    ("url", "verified"), [("https://api.incident.io", True), ("http://127.0.0.1:8484", False)]
)
def test_only_an_https_client_builds_a_verifying_tls_context(url: str, verified: bool) -> None:
    """Reading the CA bundle costs tens of ms that a client of the loopback sandbox never needs."""
    with api.Client(url, KEY) as client:
        context = client._http._transport._pool._ssl_context  # type: ignore[attr-defined]
    if verified:
        assert isinstance(context, ssl.SSLContext) and context.verify_mode == ssl.CERT_REQUIRED
        assert context.check_hostname
    else:
        assert context is None


def test_plain_http_to_a_remote_host_is_refused_before_connecting() -> None:
    with pytest.raises(apiconfig.ConfigError):
        api.Client("http://192.0.2.1", "secret-key")


@pytest.mark.parametrize("key", [None, "", "has space", "new\nline", "ünïcode", "x7", "test", "dev-key"])
def test_unusable_keys_are_refused_without_echoing_them(key: str | None) -> None:
    with pytest.raises(apiconfig.ConfigError) as info:
        apiconfig.check_api_key(key)
    assert "INCIDENT_IO_API_KEY" in str(info.value)
    assert not key or key not in str(info.value)


# --- retry policy and Retry-After --------------------------------------------------


def test_backoff_is_capped_full_jitter_and_respects_retry_after() -> None:
    policy = apiconfig.RetryPolicy(attempts=8, base=0.5, cap=4.0)
    rng = random.Random(7)
    for attempt in range(1, 9):
        ceiling = min(4.0, 0.5 * 2 ** (attempt - 1))
        delays = [policy.delay(attempt, rng=rng) for _ in range(200)]
        assert all(0 <= d <= ceiling for d in delays)
        assert max(delays) > ceiling * 0.8  # full jitter uses the whole range
    assert all(policy.delay(1, at_least=3.0, rng=rng) >= 3.0 for _ in range(50))


def test_retry_policy_from_environment() -> None:
    policy = apiconfig.RetryPolicy.from_env(
        {"STATUSFILES_RETRY_BASE": "0.01", "STATUSFILES_RETRY_ATTEMPTS": "2"}
    )
    assert (policy.base, policy.attempts, policy.cap) == (0.01, 2, 30.0)


NOW = 1_744_888_600.0  # 2025-04-17T11:16:40Z


@pytest.mark.parametrize(
    ("headers", "body", "expected"),
    [
        ({"retry-after": "7"}, {}, 7.0),
        ({"retry-after": "Thu, 17 Apr 2025 11:17:18 GMT"}, {}, 38.0),
        ({}, {"rate_limit": {"retry_after": "2025-04-17T11:17:18Z"}}, 38.0),
        ({}, {"rate_limit": {"retry_after": "Thu, 17 Apr 2025 11:17:18 UTC"}}, 38.0),
        ({"retry-after": "3"}, {"rate_limit": {"retry_after": "2025-04-17T11:16:50Z"}}, 10.0),
        ({"retry-after": "soon"}, {"rate_limit": {"retry_after": "whenever"}}, 0.0),
        ({"retry-after": "Thu, 17 Apr 2025 11:00:00 GMT"}, {}, 0.0),  # in the past
        ({"retry-after": "\u00b2"}, {}, 0.0),  # a digit to str.isdigit, not to int()
    ],
)
def test_retry_after(headers: dict[str, str], body: Any, expected: float) -> None:
    assert api.retry_after(headers, body, NOW) == pytest.approx(expected)


# --- pacing --------------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_pacer_spends_the_burst_then_waits_for_the_refill() -> None:
    clock = Clock()
    pacer = api.Pacer(per_minute=1200, clock=clock, sleep=clock.sleep)
    pacer.acquire()  # one request before anything is known
    pacer.release({"X-RateLimit-Limit": "60", "X-RateLimit-Remaining": "3"})
    for _ in range(3):
        pacer.acquire()
        pacer.release(None)
    assert clock.slept == []
    pacer.acquire()  # the bucket is empty: wait one token at 1/s
    assert clock.slept == [pytest.approx(1.0)]


@pytest.mark.parametrize(
    "limit",
    ["60", "60, 60;window=60", "60;window=60", " 60 , 60;w=60, 1000;window=3600", "120, 120;window=120"],
)
def test_pacer_reads_either_spelling_of_the_limit(limit: str) -> None:
    """A plain number, or the IETF draft's ``N, N;window=W``: both mean one token a second here."""
    clock = Clock()
    pacer = api.Pacer(per_minute=1200, clock=clock, sleep=clock.sleep)
    pacer.acquire()
    pacer.release({"X-RateLimit-Limit": limit, "X-RateLimit-Remaining": "3"})
    for _ in range(3):
        pacer.acquire()
        pacer.release(None)
    assert clock.slept == []
    pacer.acquire()
    assert clock.slept == [pytest.approx(1.0)]


@pytest.mark.parametrize("limit", ["", "lots", "\u00b9\u00b2", ";window=60", "-5"])
def test_pacer_ignores_a_limit_it_cannot_read(limit: str) -> None:
    pacer = api.Pacer(per_minute=600)
    pacer.acquire()
    pacer.release({"X-RateLimit-Limit": limit, "X-RateLimit-Remaining": "3"})
    assert (pacer.learned, pacer.rate) == (False, 10.0)


def test_pacer_counts_requests_in_flight_as_spent() -> None:
    clock = Clock()
    pacer = api.Pacer(per_minute=600, clock=clock, sleep=clock.sleep)
    pacer.tokens = 3
    for _ in range(3):
        pacer.acquire()
    pacer.release({"x-ratelimit-limit": "600", "x-ratelimit-remaining": "3"})  # two still in flight
    assert pacer.tokens == pytest.approx(1.0)


def test_a_late_response_never_raises_the_estimate() -> None:
    """Responses arrive out of order: one reporting a count from before later requests must not be trusted."""
    clock = Clock()
    pacer = api.Pacer(per_minute=600, clock=clock, sleep=clock.sleep)
    pacer.acquire()
    pacer.release({"x-ratelimit-limit": "600", "x-ratelimit-remaining": "2"})  # learned: 2 left
    pacer.acquire()
    pacer.acquire()  # both in flight; the bucket is empty now
    pacer.release({"x-ratelimit-limit": "600", "x-ratelimit-remaining": "0"})  # the second one's answer
    pacer.release({"x-ratelimit-limit": "600", "x-ratelimit-remaining": "1"})  # the first one's, late
    assert pacer.tokens <= 0
    pacer.acquire()
    assert len(clock.slept) == 1 and clock.slept[0] >= 0.1  # at least one token's refill at 10/s


def test_an_idle_pacer_counts_on_no_more_than_the_bucket_holds() -> None:
    """Remaining + Used is the bucket's size, which can be smaller than the limit per window."""
    clock = Clock()
    pacer = api.Pacer(per_minute=1200, clock=clock, sleep=clock.sleep)
    pacer.acquire()
    pacer.release({"X-RateLimit-Limit": "60", "X-RateLimit-Remaining": "3", "X-RateLimit-Used": "7"})
    clock.now += 100  # long enough to refill 100 tokens at 1/s
    for _ in range(10):
        pacer.acquire()
    assert clock.slept == []
    pacer.acquire()  # the eleventh waits for a token
    assert clock.slept == [pytest.approx(1.0)]


def test_pacer_empties_on_a_429() -> None:
    clock = Clock()
    pacer = api.Pacer(per_minute=600, clock=clock, sleep=clock.sleep)
    pacer.tokens = 5
    pacer.acquire()
    pacer.release(None, throttled=True)
    assert pacer.tokens <= 0


# --- against the sandbox -------------------------------------------------------------


def test_post_and_read_back(client: api.Client) -> None:
    posted = client.post_update(update("Hello.", components={COMPONENT: "partial_outage"}))
    assert posted.id and posted.message == "Hello." and posted.components[COMPONENT] == "partial_outage"
    incident = client.get_incident(INCIDENT)
    assert incident is not None and posted.id in {u.id for u in incident.updates}
    assert client.get_incident("01NOSUCHINCIDENT") is None


def test_auth_errors(sandbox: Sandbox) -> None:
    with (
        api.Client(sandbox.base_url, "wrong-key", retry=FAST) as c,
        pytest.raises(api.AuthError, match="401"),
    ):
        c.get_incident(INCIDENT)
    with api.Client(sandbox.base_url, "sandbox-read-only-key", retry=FAST) as c:
        assert c.get_incident(INCIDENT) is not None  # reading needs no scope
        with pytest.raises(api.AuthError, match="lacks the scope 'Create status page incidents"):
            c.post_update(update())


def test_422_carries_the_field(client: api.Client) -> None:
    with pytest.raises(api.Rejected) as info:
        client.post_update(update(components={"01NOTONTHISPAGE": "degraded_performance"}))
    assert info.value.status == 422
    assert any(
        e.get("source", {}).get("field", "").startswith("component_statuses") for e in info.value.errors
    )


def test_429_is_retried_after_retry_after(sandbox: Sandbox, client: api.Client) -> None:
    sandbox.add_fault(Fault(kind="rate_limit", method="POST", count=3, retry_after=0))
    assert client.post_update(update("After the storm.")).id
    assert client.stats.throttled == 3
    assert [u["message"] for u in sandbox.updates(INCIDENT)].count("After the storm.") == 1


def test_a_429_asking_longer_than_max_wait_is_throttled_as_the_pacer_is(
    sandbox: Sandbox, client: api.Client
) -> None:
    """Callers tell "try again later" from a refusal by the type, wherever the wait was learned."""
    sandbox.add_fault(Fault(kind="rate_limit", method="GET", retry_after=86400))
    with pytest.raises(
        api.Throttled, match=r"asks to wait 8640\d s .* at most 120 s: try again later \(request id"
    ):
        client.get_incident(INCIDENT)
    assert (client.stats.requests, client.stats.throttled, client.stats.retries) == (1, 1, 0)


def test_get_is_retried_on_5xx_and_lost_responses(sandbox: Sandbox, client: api.Client) -> None:
    sandbox.add_fault(Fault(kind="error", method="GET", status=503))
    sandbox.add_fault(Fault(kind="drop", method="GET"))
    assert client.get_incident(INCIDENT) is not None
    assert client.stats.retries == 2


@pytest.mark.parametrize(
    ("fault", "stored"),
    [
        (Fault(kind="drop", method="POST", stage="after"), 1),
        (Fault(kind="drop", method="POST", stage="before"), 0),
        (Fault(kind="error", method="POST", status=500, stage="after"), 1),
        (Fault(kind="error", method="POST", status=502, stage="before"), 0),
    ],
)
def test_post_with_unknown_outcome_is_never_retried(
    sandbox: Sandbox, client: api.Client, fault: Fault, stored: int
) -> None:
    sandbox.add_fault(fault)
    with pytest.raises(api.OutcomeUnknown):
        client.post_update(update("Maybe."))
    assert [u["message"] for u in sandbox.updates(INCIDENT)].count("Maybe.") == stored
    assert client.stats.requests == 1


def test_post_read_timeout_is_unknown(sandbox: Sandbox) -> None:
    sandbox.add_fault(Fault(kind="delay", method="POST", stage="after", seconds=30))
    with api.Client(sandbox.base_url, KEY, retry=FAST, timeout=1) as c, pytest.raises(api.OutcomeUnknown):
        c.post_update(update("Slow."))
    assert sandbox.wait_struck(1, timeout=5)
    assert [u["message"] for u in sandbox.updates(INCIDENT)].count("Slow.") == 1


def test_unreachable_after_retries() -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with api.Client(f"http://127.0.0.1:{port}", KEY, retry=FAST) as c, pytest.raises(api.Unreachable):
        c.post_update(update())
    assert c.stats.requests == FAST.attempts


def test_callers_catch_what_a_failure_means(sandbox: Sandbox, client: api.Client) -> None:
    """Refused, unreachable and auth are one branch (nothing applied); a lost POST is the other."""
    with pytest.raises(api.NotApplied):
        client.post_update(update(components={"01NOTONTHISPAGE": "degraded_performance"}))
    with api.Client(sandbox.base_url, "wrong-key", retry=FAST) as c, pytest.raises(api.NotApplied):
        c.post_update(update())
    sandbox.add_fault(Fault(kind="drop", method="POST", stage="after"))
    with pytest.raises(api.OutcomeUnknown) as info:
        client.post_update(update("Lost."))
    assert not isinstance(info.value, api.NotApplied) and isinstance(info.value, api.ApiProblem)
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with api.Client(f"http://127.0.0.1:{port}", KEY, retry=FAST) as c, pytest.raises(api.NotApplied):
        c.post_update(update())


class _Recorder(http.server.BaseHTTPRequestHandler):
    seen: ClassVar[list[dict[str, str]]] = []

    def do_GET(self) -> None:
        self.seen.append(dict(self.headers))
        self.send_response(302)
        self.send_header("Location", "http://192.0.2.1/steal")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


def test_headers_and_redirects_are_not_followed() -> None:
    server = http.server.HTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}"
        with api.Client(url, KEY, retry=FAST) as c, pytest.raises(api.ApiError, match="unexpected redirect"):
            c.get_incident(INCIDENT)
    finally:
        server.shutdown()
        server.server_close()
    [headers] = _Recorder.seen
    assert headers["Authorization"] == f"Bearer {KEY}"
    assert headers["User-Agent"] == f"statusfiles/{api.__version__}"


# --- what a response must look like to be believed ---------------------------------------


def _wire_update(**changes: Any) -> dict[str, Any]:
    update = {
        "id": "01U",
        "status_page_incident_id": INCIDENT,
        "published_at": "2026-11-27T09:00:00Z",
        "message": "Earlier.",
        "incident_status": "investigating",
        "component_statuses": [{"component_id": COMPONENT, "component_status": "degraded_performance"}],
    }
    update.update(changes)
    return {k: v for k, v in update.items() if v is not ...}


def _wire_incident(*updates: Any, **changes: Any) -> dict[str, Any]:
    body = {"id": INCIDENT, "name": "Name", "incident_status": "identified", "updates": list(updates)}
    body.update(changes)
    return {"status_page_incident": {k: v for k, v in body.items() if v is not ...}}


def test_a_documented_incident_is_read() -> None:
    incident = parse_incident(
        _wire_incident(_wire_update(), new_field=1, incident_status="new-enum"), INCIDENT
    )
    assert incident.incident_status == "new-enum"
    [u] = incident.updates
    assert (u.id, u.message, u.incident_status) == ("01U", "Earlier.", "investigating")
    assert u.components == {COMPONENT: "degraded_performance"}


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("<html>", "the body is not a JSON object"),
        (None, "the body is not a JSON object"),
        ([], "the body is not a JSON object"),
        ({}, "status_page_incident should be an object, found nothing"),
        ({"status_page_incident": []}, "status_page_incident should be an object, found a list"),
        (_wire_incident(updates=...), "status_page_incident.updates should be a list, found nothing"),
        (_wire_incident(updates=None), "updates should be a list, found null"),
        (_wire_incident(updates={}), "updates should be a list, found an object"),
        (_wire_incident(id="01OTHER"), "id is '01OTHER', not the incident asked for"),
        (_wire_incident(id=...), "status_page_incident.id should be a string, found nothing"),
        (_wire_incident("x"), "status_page_incident.updates[0] should be an object, found a string"),
        (_wire_incident(_wire_update(id="")), "updates[0].id is empty"),
        (_wire_incident(_wire_update(id=7)), "updates[0].id should be a string, found a number"),
        (_wire_incident(_wire_update(message=None)), "updates[0].message should be a string, found null"),
        (_wire_incident(_wire_update(incident_status=...)), "updates[0].incident_status should be a string"),
        (_wire_incident(_wire_update(published_at=True)), "published_at should be a string, found a boolean"),
        (
            _wire_incident(_wire_update(component_statuses=...)),
            "updates[0].component_statuses should be a list",
        ),
        (
            _wire_incident(_wire_update(component_statuses=[{"component_id": COMPONENT}])),
            "updates[0].component_statuses[0].component_status should be a string, found nothing",
        ),
        (_wire_incident(_wire_update(component_statuses=["x"])), "component_statuses[0] should be an object"),
        (_wire_incident(_wire_update(status_page_incident_id="01X")), "status_page_incident_id is '01X'"),
        (_wire_incident(_wire_update(), _wire_update()), "holds the same update id twice"),
    ],
)
def test_a_body_that_is_not_the_incident_is_refused(body: Any, problem: str) -> None:
    with pytest.raises(ShapeError) as info:
        parse_incident(body, INCIDENT)
    assert problem in str(info.value)


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ({}, "status_page_incident_update should be an object, found nothing"),
        ("Created", "the body is not a JSON object"),
        ({"status_page_incident_update": _wire_update(id=...)}, "status_page_incident_update.id should be"),
        ({"status_page_incident_update": _wire_update(status_page_incident_id="01X")}, "is '01X', not"),
    ],
)
def test_a_created_update_must_be_usable(body: Any, problem: str) -> None:
    assert parse_created_update({"status_page_incident_update": _wire_update()}, INCIDENT).id == "01U"
    with pytest.raises(ShapeError) as info:
        parse_created_update(body, INCIDENT)
    assert problem in str(info.value)


# --- proxies -----------------------------------------------------------------------------------


PROXY = "http://proxy.example:3128"


@pytest.mark.parametrize(
    ("url", "env", "expected"),
    [
        ("https://api.incident.io", {}, None),
        ("https://api.incident.io", {"HTTPS_PROXY": PROXY}, PROXY),
        ("https://api.incident.io", {"https_proxy": PROXY, "HTTPS_PROXY": "http://other:1"}, PROXY),
        ("https://api.incident.io", {"ALL_PROXY": PROXY}, PROXY),
        ("https://api.incident.io", {"HTTPS_PROXY": "proxy.example:3128"}, PROXY),
        ("https://api.incident.io", {"HTTPS_PROXY": "https://proxy.example"}, "https://proxy.example"),
        (
            "https://api.incident.io",
            {"HTTPS_PROXY": "HTTP://proxy.example:3128"},
            "HTTP://proxy.example:3128",
        ),
        ("https://api.incident.io", {"HTTP_PROXY": PROXY}, None),  # never for the API
        ("https://api.incident.io", {"HTTPS_PROXY": PROXY, "NO_PROXY": "incident.io"}, None),
        ("https://api.incident.io", {"HTTPS_PROXY": PROXY, "no_proxy": ".incident.io,x"}, None),
        ("https://api.incident.io", {"HTTPS_PROXY": PROXY, "NO_PROXY": "*"}, None),
        ("https://api.incident.io", {"HTTPS_PROXY": PROXY, "NO_PROXY": "example.com"}, PROXY),
        ("https://api.incident.io", {"HTTPS_PROXY": PROXY, "NO_PROXY": "*.incident.io"}, None),
        ("https://api.incident.io", {"HTTPS_PROXY": PROXY, "NO_PROXY": "x, API.Incident.IO."}, None),
        ("https://api.incident.io", {"HTTPS_PROXY": PROXY, "NO_PROXY": "localhost api.incident.io"}, None),
        ("https://api.incident.io", {"HTTPS_PROXY": PROXY, "NO_PROXY": "api.incident.io:443"}, None),
        ("https://api.incident.io", {"HTTPS_PROXY": PROXY, "NO_PROXY": "api.incident.io:8443"}, PROXY),
        ("https://api.incident.io:8443", {"HTTPS_PROXY": PROXY, "NO_PROXY": "incident.io:8443"}, None),
        ("https://api.incident.io", {"HTTPS_PROXY": PROXY, "NO_PROXY": "api.incident.io:00443"}, None),
        # A port that int() refuses ("²" passes isdigit; 5,000 digits are past its limit): no match, no crash
        ("https://api.incident.io", {"HTTPS_PROXY": PROXY, "NO_PROXY": "api.incident.io:²"}, PROXY),
        (
            "https://api.incident.io",
            {"HTTPS_PROXY": PROXY, "NO_PROXY": "api.incident.io:" + "4" * 5000},
            PROXY,
        ),
        ("https://api.incident.io", {"HTTPS_PROXY": PROXY, "NO_PROXY": "notincident.io,ncident.io"}, PROXY),
        ("https://api.incident.io", {"HTTPS_PROXY": PROXY, "NO_PROXY": "*,example.com"}, PROXY),
        ("https://10.1.2.3", {"HTTPS_PROXY": PROXY, "NO_PROXY": "10.0.0.0/8"}, None),
        ("https://10.1.2.3", {"HTTPS_PROXY": PROXY, "NO_PROXY": "10.1.2.3:443"}, None),
        ("https://10.1.2.3", {"HTTPS_PROXY": PROXY, "NO_PROXY": "192.168.0.0/16,10.1.2.4"}, PROXY),
        ("https://[2001:db8::5]", {"HTTPS_PROXY": PROXY, "NO_PROXY": "2001:db8::/32"}, None),
        ("https://[2001:db8::5]", {"HTTPS_PROXY": PROXY, "NO_PROXY": "[2001:db8::5]:443"}, None),
        ("https://[2001:db8::5]", {"HTTPS_PROXY": PROXY, "NO_PROXY": "2001:db8::6"}, PROXY),
        ("http://127.0.0.1:8484", {"HTTP_PROXY": PROXY, "ALL_PROXY": PROXY}, None),
        ("https://localhost:8443", {"HTTPS_PROXY": PROXY}, None),  # loopback is never proxied
        ("http://localhost:8484", {"ALL_PROXY": "socks5://127.0.0.1:1080"}, None),
    ],
)
def test_proxy_policy(url: str, env: dict[str, str], expected: str | None) -> None:
    assert apiconfig.proxy_for(url, env) == expected


@pytest.mark.parametrize("proxy", ["socks5://u:pw@127.0.0.1:1080", "socks5h://h:1", "ftp://h:21"])
def test_unusable_proxies_are_refused_without_echoing_them(proxy: str) -> None:
    with pytest.raises(
        apiconfig.ConfigError, match=r"HTTPS_PROXY names a .* proxy, which statusfiles cannot use"
    ) as e:
        apiconfig.proxy_for("https://api.incident.io", {"HTTPS_PROXY": proxy})
    assert "pw" not in str(e.value)


@pytest.mark.parametrize(
    "proxy",
    [
        "http://",
        "http://u:pw@host:port",
        "https://:8080",
        "http://h:99999",
        "http://u:pw@[::1",
        "http://h:1/\x00",
    ],
)
def test_malformed_proxy_urls_are_refused_without_echoing_them(proxy: str) -> None:
    with pytest.raises(apiconfig.ConfigError, match=r"^HTTPS_PROXY is not a proxy URL") as e:
        apiconfig.proxy_for("https://api.incident.io", {"HTTPS_PROXY": proxy})
    assert "pw" not in str(e.value)


# --- redaction ---------------------------------------------------------------------------------


def test_the_key_is_redacted_from_text_and_parsed_bodies() -> None:
    redactor = api.Redactor("s3cr/et+key")
    assert redactor.text("Bearer s3cr/et+key and s3cr%2Fet%2Bkey") == "Bearer [redacted] and [redacted]"
    body = {"errors": [{"message": "got s3cr/et+key", "s3cr/et+key": ["x s3cr/et+key", 1, None]}]}
    assert redactor.value(body) == {
        "errors": [{"message": "got [redacted]", "[redacted]": ["x [redacted]", 1, None]}]
    }
    assert api.Redactor(None).text("anything") == "anything"


def test_a_pacer_that_would_wait_longer_than_max_wait_raises_instead() -> None:
    """A limit of one request a day must not keep sync sleeping: the request is not sent, and it says why."""
    clock = Clock()
    pacer = api.Pacer(per_minute=1200, clock=clock, sleep=clock.sleep)
    pacer.acquire()
    pacer.release({"X-RateLimit-Limit": "1, 1;window=86400", "X-RateLimit-Remaining": "0"})
    with pytest.raises(api.Throttled, match="would hold the next request back 86400 s"):
        pacer.acquire()
    assert clock.slept == [] and pacer.inflight == 0
