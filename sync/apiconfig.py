"""What the API client is given and reports, without HTTP: the checked key, URL and proxy, the retry
policy, and the request counts.

A command checks its settings here before any work, and only then pays for importing httpx
(:mod:`sync.api`): ``sync`` imports it while other cores load the statusfiles.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import math
import os
import random
import re
from collections.abc import Mapping
from urllib.parse import urlsplit

from sync import KEY_ENV
from sync.netaddr import is_loopback

DEFAULT_BASE_URL = "https://api.incident.io"

# The longest statusfiles waits at once for the rate limit, whatever a response asks: a Retry-After of a
# day, or a limit of one request an hour, would otherwise keep an on-call engineer's sync hanging.
MAX_WAIT = 120.0


class ConfigError(ValueError):
    """The base URL or key cannot be used safely."""


# --- safety checks -------------------------------------------------------------


def check_base_url(url: str) -> str:
    """The URL without a trailing slash, or ConfigError if the key could travel in the clear or the URL
    is one no request could be made to."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (a port that is not a number from 0 to 65535 raises)
    except ValueError as exc:
        raise ConfigError(f"the API base URL {url!r} is not a URL: {exc}") from None
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ConfigError(f"the API base URL must be an https:// URL, not {url!r}")
    if any(c.isspace() or not c.isprintable() for c in url):
        raise ConfigError(f"the API base URL {url!r} must not contain spaces or control characters")
    if parts.query or parts.fragment or url.endswith(("?", "#")):
        raise ConfigError(f"the API base URL {url!r} must not have a query or a fragment")
    host_port = parts.netloc.rpartition("@")[2]
    if not _valid_host(host_port, parts.hostname):
        shown = host_port if "[" in host_port else parts.hostname  # what follows the brackets is the fault
        raise ConfigError(f"the API base URL's host {shown!r} is not a host name or an IP address")
    if parts.username or parts.password:
        raise ConfigError("the API base URL must not contain credentials")
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise ConfigError(
            f"refusing to send the API key over plain HTTP to {parts.hostname}: use https:// "
            "(plain http is allowed only for a loopback address such as the sandbox)"
        )
    return url.rstrip("/")


_LABEL = re.compile(r"(?!-)[a-z0-9_-]{1,63}(?<!-)", re.ASCII)
_IPV4_STYLE = re.compile(r"[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+", re.ASCII)


def _valid_host(host_port: str, host: str) -> bool:
    """Whether the client can connect to ``host`` (``host_port``: the URL's text for it and its port), as
    httpx reads a host: an IPv6 address in brackets with nothing but a port after them, four numbers only
    as an IPv4 address, else a DNS name valid in IDNA 2008 whose labels are letters, digits, ``-`` and ``_``.
    What httpx refuses would otherwise be a crash, and text after the brackets is not where it connects."""
    if host_port.startswith("["):
        inside, _, after = host_port[1:].partition("]")
        return (not after or after.startswith(":")) and _is_ip(inside, ipaddress.IPv6Address)
    if "[" in host_port or "]" in host_port:
        return False
    if _IPV4_STYLE.fullmatch(host):
        return _is_ip(host, ipaddress.IPv4Address)
    if not host.isascii() or host.startswith("xn--"):
        from sync.api import host_as_sent  # httpx's own reading of such a name

        sent = host_as_sent(host)
        if sent is None:
            return False
        host = sent
    labels = host.removesuffix(".").split(".")
    return all(_LABEL.fullmatch(label) for label in labels)


def _is_ip(text: str, kind: type[ipaddress.IPv4Address | ipaddress.IPv6Address]) -> bool:
    try:
        kind(text)
    except ValueError:
        return False
    return True


MIN_KEY_LENGTH = 8  # an incident.io key is far longer; a short one would be redacted out of ordinary text


def check_api_key(key: str | None) -> str:
    """The key, or ConfigError (which never contains the key)."""
    if not key:
        raise ConfigError("INCIDENT_IO_API_KEY is not set: export the API key in the environment")
    if not all(33 <= ord(c) < 127 for c in key):
        raise ConfigError("INCIDENT_IO_API_KEY contains spaces or characters that cannot be sent in a header")
    if len(key) < MIN_KEY_LENGTH:
        raise ConfigError(
            f"INCIDENT_IO_API_KEY is too short to be an API key ({len(key)} characters): the key is "
            "removed from everything statusfiles prints and records, and one that short would cut ordinary "
            f"text and IDs apart (the sandbox accepts any key: give it one of {MIN_KEY_LENGTH} or more "
            "characters)"
        )
    return key


def proxy_for(base_url: str, env: Mapping[str, str] = os.environ) -> str | None:
    """The proxy to reach ``base_url`` through (None: connect directly), or ConfigError."""
    setting = proxy_setting(base_url, env)
    return setting[1] if setting else None


def proxy_setting(base_url: str, env: Mapping[str, str] = os.environ) -> tuple[str, str] | None:
    """The variable that names the proxy to reach ``base_url`` through, and its URL (None: connect
    directly), or ConfigError.

    Only ``HTTPS_PROXY`` (else ``ALL_PROXY``) is used, and only for an https://
    API: the proxy is asked to CONNECT and the key travels inside TLS end to
    end, whether the proxy itself is reached over http:// or https://.
    ``HTTP_PROXY`` is never used: a plain-http request through a proxy hands
    it the key, and plain http is allowed only to a loopback address, which is
    never proxied. ``NO_PROXY`` is honoured. SOCKS is not supported.
    """
    parts = urlsplit(base_url)
    host = parts.hostname or ""
    if parts.scheme != "https" or is_loopback(host):
        return None

    def var(name: str) -> tuple[str, str]:
        for spelling in (name.lower(), name.upper()):  # lower case first, as curl and urllib read them
            if env.get(spelling, "").strip():
                return spelling, env[spelling].strip()
        return name, ""

    name, proxy = var("HTTPS_PROXY")
    if not proxy:
        name, proxy = var("ALL_PROXY")
    if not proxy:
        return None
    if bypasses_proxy(host, parts.port or 443, var("NO_PROXY")[1]):
        return None
    if "://" not in proxy:
        proxy = "http://" + proxy  # curl's reading of a bare host:port
    # The value is never echoed: a proxy URL may hold a password.
    scheme = proxy.partition("://")[0].lower()
    if scheme not in ("http", "https"):
        raise ConfigError(
            f"{name} names a {scheme} proxy, which statusfiles cannot use: set an http:// or "
            f"https:// proxy in HTTPS_PROXY, or list {host} in NO_PROXY"
        )
    from sync.api import usable_proxy  # parsed as the client will parse it, by httpx

    if not usable_proxy(proxy):
        raise ConfigError(f"{name} is not a proxy URL: expected http://HOST:PORT")
    return name, proxy


def bypasses_proxy(host: str, port: int, no_proxy: str) -> bool:
    """Whether ``NO_PROXY`` exempts ``host:port``, as curl reads it: ``*`` alone for every host; else a
    comma- or space-separated list of names, each matching itself and its subdomains (a leading ``.`` or
    ``*.`` changes nothing), an IP address or CIDR block, and a ``:PORT`` limiting an entry to that port."""
    if no_proxy.strip() == "*":
        return True
    host = host.lower().rstrip(".")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    for entry in no_proxy.replace(",", " ").split():
        entry = entry.lower()
        if entry.count(":") == 1 or (entry.startswith("[") and "]:" in entry):  # not a bare IPv6 address
            entry, _, port_text = entry.rpartition(":")
            # ASCII digits, and few: int() refuses "²" (which isdigit takes) and 5,000 digits
            a_port = port_text.isascii() and port_text.isdigit() and len(port_text) <= 5
            if not a_port or int(port_text) != port:
                continue
        entry = entry.removeprefix("*").lstrip(".").rstrip(".").strip("[]")
        if address is not None:
            try:
                if address in ipaddress.ip_network(entry, strict=False):
                    return True
            except ValueError:
                pass
            continue
        if entry and (host == entry or host.endswith("." + entry)):
            return True
    return False


@dataclasses.dataclass(frozen=True, slots=True)
class Settings:
    """What a client is built from, checked: the URL and key are safe to use together."""

    base_url: str
    key: str
    retry: RetryPolicy


def from_env(base_url: str | None, env: Mapping[str, str] = os.environ) -> Settings:
    """The key and retry tuning in ``env`` with ``base_url`` (None: the incident.io API), checked before any
    work: ConfigError (never holding the key) when the key, URL or proxy cannot be used safely."""
    key = check_api_key(env.get(KEY_ENV))
    url = check_base_url(base_url or DEFAULT_BASE_URL)
    proxy_for(url, env)  # the client reads it too, where a ConfigError would be a crash
    return Settings(url, key, RetryPolicy.from_env(env))


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
            base=_env_number(env, "STATUSFILES_RETRY_BASE", default.base, most=MAX_WAIT),
            cap=_env_number(env, "STATUSFILES_RETRY_CAP", default.cap, most=MAX_WAIT),
        )

    def delay(self, attempt: int, at_least: float = 0.0, rng: random.Random | None = None) -> float:
        """The wait before retry ``attempt`` (1-based): full jitter, never under ``at_least``."""
        ceiling = min(self.cap, self.base * 2 ** (attempt - 1))
        return max(at_least, (rng or random).uniform(0, ceiling))


def _env_number(
    env: Mapping[str, str], name: str, default: float, *, integer: bool = False, most: float = math.inf
) -> float:
    """A finite, non-negative setting (a positive integer with ``integer``) up to ``most``, or ConfigError.

    NaN, infinity or a wait longer than any the API may ask for would make a backoff a hang (or too long
    for the clock), so they are refused with the rest.
    """
    text = env.get(name)
    if text is None:
        return default
    try:
        value = int(text) if integer else float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < (1 if integer else 0) or value > most:
        seconds = "0 or more" if most == math.inf else f"0 to {most:g}"
        kind = "a whole number of attempts, at least 1" if integer else f"a number of seconds, {seconds}"
        raise ConfigError(f"{name}={text!r}: expected {kind}")
    return value


@dataclasses.dataclass
class Stats:
    requests: int = 0
    throttled: int = 0  # 429s received
    retries: int = 0
