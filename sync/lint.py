"""The linter of public text: nothing private reaches the status page.

A status-page message is public the moment it is posted, e-mailed to every
subscriber, and cannot be edited or deleted through the API. People write them
mid-outage, pasting from the incident channel. Every public text field (any
``message`` or ``name``) is checked for what must not be published: credentials
(``secret``), private addresses, internal host names, chat mentions, raw logs and
personal e-mail addresses.

Everything here is pure: :func:`settings_from` turns the configuration's data
into :class:`Settings`, :meth:`Linter.findings` checks one text, and
:meth:`Linter.check` locates the findings of a loaded document in its source.
Clean text, nearly all of it, is rejected by one precompiled regular expression.
"""

from __future__ import annotations

import fnmatch
import functools
import math
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

from sync.diagnostics import Diagnostic, Severity, did_you_mean, format_field, printable
from sync.lazyre import LazyPattern
from sync.rules import INVISIBLE

if TYPE_CHECKING:
    import ipaddress
from sync.yamlstrict import ALLOWANCE, Document, Path, Span

CONFIG_NAME = ".lint.yaml"  # in the statusfiles directory; hidden, so never taken for a statusfile
PUBLIC_FIELDS = frozenset({"message", "name"})
RULES = ("secret", "private-address", "internal-host", "mention", "raw-log", "email")
DEFAULT_SEVERITY: Mapping[str, Severity] = {
    "secret": Severity.ERROR,
    "private-address": Severity.ERROR,
    "internal-host": Severity.ERROR,
    "mention": Severity.ERROR,
    "raw-log": Severity.ERROR,
    "email": Severity.WARNING,
}
SEVERITIES = ("error", "warning", "off")
# Names that resolve only inside a network or on one machine (RFC 6761 localhost, RFC 8375 home.arpa)
DEFAULT_SUFFIXES = ("internal", "local", "corp", "lan", "intra", "localhost", "localdomain", "home.arpa")
# Role addresses a status page may well name; anything else is probably a person's.
_ROLES = "support help helpdesk status security privacy abuse contact info hello sales billing press feedback"
DEFAULT_ALLOWED_EMAILS = tuple(f"{role}@*" for role in (*_ROLES.split(), "noreply", "no-reply"))
ALLOW_RULE = "lint-allow"
CONFIG_RULE = "lint-config"


class Finding(NamedTuple):  # not a dataclass: cheaper to define, and clean text never makes one
    """Something in one text that must not be published, located by offsets in that text.

    ``text`` is what an inline allowance names to allow it; it is empty for a
    secret, which is never shown and cannot be allowed. ``message`` never
    contains a secret.
    """

    rule: str
    start: int
    end: int
    message: str
    text: str = ""


class Settings(NamedTuple):  # not a dataclass: cheaper to define, in every run
    """What the repository's configuration changes; the defaults need no file."""

    severity: Mapping[str, Severity | None] = DEFAULT_SEVERITY  # read, never changed
    suffixes: tuple[str, ...] = DEFAULT_SUFFIXES  # lower case, no leading dot
    networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()
    hosts: frozenset[str] = frozenset()  # lower case
    emails: tuple[str, ...] = DEFAULT_ALLOWED_EMAILS  # lower-case fnmatch patterns


# --- the configuration --------------------------------------------------------


class ConfigProblem(NamedTuple):  # as Finding
    path: Path
    message: str
    at_key: bool = False


_CONFIG_KEYS = ("rules", "internal_suffixes", "allow")
_ALLOW_KEYS = ("addresses", "emails")
_LABEL = LazyPattern(r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?")


def _section(data: dict[str, Any], key: str, kind: type) -> Any:
    """A setting's value; a key whose entries are all commented out (YAML null) is an empty one."""
    value = data.get(key)
    return kind() if value is None else value


def _strings(data: Any, path: Path, problems: list[ConfigProblem]) -> Iterator[tuple[Path, str]]:
    if not isinstance(data, list):
        problems.append(ConfigProblem(path, "must be a list"))
        return
    for i, item in enumerate(data):
        if isinstance(item, str) and item.strip():
            yield (*path, i), item.strip()
        else:
            problems.append(ConfigProblem((*path, i), "must be non-empty text"))


def _unknown_keys(data: dict[str, Any], known: tuple[str, ...], path: Path) -> Iterator[ConfigProblem]:
    for key in data:
        if key not in known:
            hint = did_you_mean(key, known)
            yield ConfigProblem(
                (*path, key),
                f"unknown setting {key!r}"
                + (f" (did you mean {hint!r}?)" if hint else f"; use {', '.join(known)}"),
                at_key=True,
            )


def settings_from(data: dict[str, Any]) -> tuple[Settings, list[ConfigProblem]]:
    """The settings a configuration mapping asks for, and every problem in it (defaults stand in)."""
    problems: list[ConfigProblem] = list(_unknown_keys(data, _CONFIG_KEYS, ()))
    severity: dict[str, Severity | None] = dict(DEFAULT_SEVERITY)
    rules = _section(data, "rules", dict)
    if not isinstance(rules, dict):
        problems.append(ConfigProblem(("rules",), "must be a mapping of rule: error, warning or off"))
        rules = {}
    for rule, level in rules.items():
        level = "off" if level is False else level  # an unquoted off is a YAML 1.1 boolean
        if rule not in RULES:
            hint = did_you_mean(rule, RULES)
            problems.append(
                ConfigProblem(
                    ("rules", rule),
                    f"unknown rule {rule!r}"
                    + (f" (did you mean {hint!r}?)" if hint else f"; the rules are {', '.join(RULES)}"),
                    at_key=True,
                )
            )
        elif level is None:  # `email:` with nothing after it, or ~
            problems.append(ConfigProblem(("rules", rule), "is empty; write error, warning or off"))
        elif level not in SEVERITIES:
            shown = level if isinstance(level, str) else str(level).lower()
            hint = did_you_mean(level, SEVERITIES)
            problems.append(
                ConfigProblem(
                    ("rules", rule),
                    f"{shown!r} is not error, warning or off"
                    + (f" (did you mean {hint!r}?)" if hint else ""),
                )
            )
        elif rule == "secret" and level != "error":
            problems.append(
                ConfigProblem(
                    ("rules", rule),
                    "secret is always an error: a credential on a public page cannot be taken back",
                )
            )
        else:
            severity[rule] = None if level == "off" else Severity(level)

    suffixes = list(DEFAULT_SUFFIXES)
    for path, item in _strings(_section(data, "internal_suffixes", list), ("internal_suffixes",), problems):
        suffix = item.lower().removeprefix(".")
        if all(_LABEL.fullmatch(label) for label in suffix.split(".")):
            suffixes.append(suffix)
        else:
            problems.append(ConfigProblem(path, f"{item!r} is not a domain suffix such as .corp.example.com"))

    import ipaddress  # only a configuration that allows addresses needs it

    networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []
    hosts: set[str] = set()
    emails = list(DEFAULT_ALLOWED_EMAILS)
    allow = _section(data, "allow", dict)
    if not isinstance(allow, dict):
        problems.append(ConfigProblem(("allow",), "must be a mapping with addresses and emails"))
        allow = {}
    problems.extend(_unknown_keys(allow, _ALLOW_KEYS, ("allow",)))
    for path, item in _strings(_section(allow, "addresses", list), ("allow", "addresses"), problems):
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            host = item.lower().rstrip(".")
            if all(_LABEL.fullmatch(label) for label in host.split(".")):
                hosts.add(host)
            else:
                problems.append(
                    ConfigProblem(
                        path, f"{item!r} is not an IP address, a network such as 10.1.0.0/16 or a host"
                    )
                )
    for path, item in _strings(_section(allow, "emails", list), ("allow", "emails"), problems):
        if "@" in item:
            emails.append(item.lower())
        else:
            problems.append(
                ConfigProblem(path, f"{item!r} is not an e-mail address (or a pattern such as *@example.com)")
            )
    settings = Settings(
        severity, tuple(dict.fromkeys(suffixes)), tuple(networks), frozenset(hosts), tuple(emails)
    )
    return settings, problems


# --- the rules ----------------------------------------------------------------

_REMOVE = "remove it from the message and revoke it: whatever is published is public and cannot be deleted"


# Each credential shape, what to call it, and (group "shown") the well-known prefix that may be shown.
_SECRETS = tuple(
    (what, LazyPattern(pattern))
    for what, pattern in (
        ("a private key", r"(?P<shown>-----BEGIN[A-Z0-9 ]{0,40} PRIVATE KEY(?: BLOCK)?-----)"),
        ("an AWS access key", r"\b(?P<shown>AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b"),
        ("a GitHub token", r"\b(?P<shown>gh[pousr]_)[A-Za-z0-9]{36,255}\b"),
        ("a GitHub token", r"\b(?P<shown>github_pat_)[A-Za-z0-9_]{22,255}"),
        ("a GitLab token", r"\b(?P<shown>gl(?:pat|dt|rt|ptt|cbt|soat)-)[A-Za-z0-9_-]{20,}"),
        ("a Slack token", r"\b(?P<shown>xox[abposr]-)[A-Za-z0-9-]{10,}"),
        (
            "a Slack webhook URL",
            r"(?P<shown>https://hooks\.slack\.com/)(?:services|workflows|triggers)/[A-Za-z0-9/_-]{16,}",
        ),
        ("a Google API key", r"\b(?P<shown>AIza)[0-9A-Za-z_-]{35}"),
        ("a Stripe key", r"\b(?P<shown>[sr]k_(?:live|test)_)[0-9A-Za-z]{16,}"),
        ("a SendGrid key", r"\b(?P<shown>SG\.)[\w-]{22}\.[\w-]{43}"),
        ("an npm token", r"\b(?P<shown>npm_)[A-Za-z0-9]{36}\b"),
        ("an OpenAI key", r"\b(?P<shown>sk-(?:proj|svcacct|admin)-)[A-Za-z0-9_-]{20,}"),
        ("an Anthropic key", r"\b(?P<shown>sk-ant-[a-z]{3,5}\d\d-)[A-Za-z0-9_-]{20,}"),
        ("a PyPI token", r"\b(?P<shown>pypi-)AgE[A-Za-z0-9_-]{50,}"),
        ("a Docker Hub token", r"\b(?P<shown>dckr_pat_)[A-Za-z0-9_-]{20,}"),
        ("a HashiCorp Vault token", r"\b(?P<shown>hv[sbr]\.)[A-Za-z0-9_-]{24,}"),
        ("a Hugging Face token", r"\b(?P<shown>hf_)[A-Za-z0-9]{30,}\b"),
        ("a Shopify token", r"\b(?P<shown>shp(?:at|ca|pa|ss)_)[a-fA-F0-9]{32}\b"),
        ("a DigitalOcean token", r"\b(?P<shown>do[opr]_v1_)[a-f0-9]{64}\b"),
        ("a JSON Web Token", r"\b(?P<shown>eyJ)[\w-]{5,}\.eyJ[\w-]{5,}\.[\w-]*"),
        ("a bearer token", r"(?i)\b(?P<shown>bearer[ \t]+)[\w.~+/-]{16,}=*"),
        (
            "a URL with a password",
            r"(?i)\b(?P<shown>[a-z][a-z0-9+.-]{0,30}://)[^\s/?#@:]{0,200}:[^\s/?#@]{1,200}@[^\s/?#@]",
        ),
    )
)
# An API key, token or password of no known shape: a long, random-looking string right after the word, a word
# of its own or the last of a camelCase name (apiKey, clientSecret, AccountKey, APIKey), but not the end of
# "monkey".
_KEYWORD_SECRET = LazyPattern(
    r"(?i)(?:(?<![a-z])|(?-i:(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])))"
    r"(?:secret|token|passw(?:or)?d|pwd|credentials?|key)"
    r"[\w-]{0,30}[\"']?[ \t]{0,4}(?:[:=][ \t]{0,4}|[ \t](?:is[ \t]{1,4}|was[ \t]{1,4})?)"
    r"[\"'`]?([\w+/.~=-]{16,})"
)
_WORDS = LazyPattern(r"[-_./]")


class _Overlaps:
    """Whether spans, asked about in text order, overlap any of ``taken`` (sorted, not overlapping).

    Linear in both, where asking each of many findings about many spans would not be.
    """

    def __init__(self, taken: list[tuple[int, int]]) -> None:
        self.taken, self.k = taken, 0

    def __call__(self, start: int, end: int) -> bool:
        while self.k < len(self.taken) and self.taken[self.k][1] <= start:
            self.k += 1
        return self.k < len(self.taken) and self.taken[self.k][0] < max(end, start + 1)


def _entropy(s: str) -> float:
    counts = Counter(s)
    return -sum(n / len(s) * math.log2(n / len(s)) for n in counts.values())


_DIGIT_LETTER = LazyPattern(r"[0-9][A-Za-z]")
# An incident.io ID (a ULID, as statusfiles prints them: 01FCNDV6P870EA6S7TK1DSYDG0): random, but public.
_ULID = LazyPattern(r"[0-7][0-9A-HJKMNP-TV-Z]{25}")


def _random_looking(s: str) -> bool:
    """A credential, not a name nor an ID: letters mixed with digits inside one part, and high entropy."""
    if (
        not _DIGIT_LETTER.search(s)
        or _ULID.fullmatch(s)
        or not any(part and not part.isalpha() and not part.isdigit() for part in _WORDS.split(s))
    ):
        return False
    return _entropy(s) >= 3.5


def _secrets(text: str) -> Iterator[Finding]:
    matches = sorted(
        ((m, what) for what, pattern in _SECRETS for m in pattern.finditer(text)),
        key=lambda mw: (mw[0].start(), -mw[0].end()),
    )
    taken: list[tuple[int, int]] = []
    for m, what in matches:
        if taken and m.start() < taken[-1][1]:
            continue  # one finding per secret: a bearer token that is also a JWT is one
        taken.append(m.span())
        yield Finding("secret", m.start(), m.end(), f"{what} ({m.group('shown')}********): {_REMOVE}")
    overlaps = _Overlaps(taken)
    for m in _KEYWORD_SECRET.finditer(text):
        start, end = m.span(1)
        if overlaps(start, end) or not _random_looking(m.group(1)):
            continue
        yield Finding("secret", start, end, f"a credential (********, {end - start} characters): {_REMOVE}")


_IPV4 = LazyPattern(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?!\w|\.\d)")
_IPV6 = LazyPattern(
    r"(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:(?:\d{1,3}\.){3}\d{1,3}|[0-9A-Fa-f]{1,4})?(?![\w:])"
)


@functools.cache
def _private_networks() -> tuple[tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, str], ...]:
    """Built on first use: text with no address-like token never needs them (nor ipaddress)."""
    import ipaddress

    return tuple(
        (ipaddress.ip_network(net), kind)
        for net, kind in (
            ("10.0.0.0/8", "private (RFC 1918)"),
            ("172.16.0.0/12", "private (RFC 1918)"),
            ("192.168.0.0/16", "private (RFC 1918)"),
            ("127.0.0.0/8", "loopback"),
            ("169.254.0.0/16", "link-local"),
            ("100.64.0.0/10", "carrier-grade NAT (RFC 6598)"),
            ("::1/128", "loopback"),
            ("fe80::/10", "link-local"),
            ("fc00::/7", "unique-local"),
        )
    )


def _ip_kind(addr: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    import ipaddress

    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        addr = addr.ipv4_mapped
    for net, kind in _private_networks():
        if addr.version == net.version and addr in net:
            return kind
    return None


# After the word, a colon or "#" (Version: 10.2.0.1, build #10.2.0.1), never a full stop: "we rolled back the
# release. 10.1.2.3 serves again" names an address.
_VERSION_BEFORE = LazyPattern(r"(?i)\b(?:versions?|releases?|builds?|firmware|v)\b[ \t]*[:#]?[ \t]*$")
# A pre-release or a build: 10.2.0.1-rc1, -beta, -b2, +build5. Not any word after a hyphen: 10.0.0.7-eth0 and
# 10.1.2.3-based are addresses.
_VERSION_AFTER = LazyPattern(
    r"(?i)\+[0-9a-z]|-(?:rc|alpha|beta|dev|pre|preview|snapshot|[ab](?=[0-9]))(?![a-z])"
)


def _parsed_address(token: str) -> tuple[ipaddress.IPv4Address | ipaddress.IPv6Address, str] | None:
    """The address a match is, and its text: an IPv6 match may end in a colon that is not part of it, and
    an IPv4 address written zero-padded (``010.000.000.001``) reads as one, though ipaddress refuses it."""
    import ipaddress

    for candidate in (token, token.rstrip(":")):
        try:
            return ipaddress.ip_address(candidate), candidate
        except ValueError:
            pass
    if ":" in token:
        return None
    try:
        return ipaddress.IPv4Address(".".join(str(int(octet)) for octet in token.split("."))), token
    except ValueError:
        return None


_AND = LazyPattern(r"[ \t]*[,/&]?[ \t]*(?:and[ \t]|or[ \t])?[ \t]*")  # between the items of a list


def _is_version(text: str, m: re.Match[str], version_end: int) -> bool:
    """Whether a dotted quad reads as a version: after the word, or after a version it is listed with."""
    return bool(
        _VERSION_BEFORE.search(text, max(0, m.start() - 16), m.start())
        or _VERSION_AFTER.match(text, m.end())
        or (version_end >= 0 and _AND.fullmatch(text, version_end, m.start()))
    )


def _addresses(text: str, settings: Settings) -> Iterator[Finding]:
    reported: list[tuple[int, int]] = []  # IPv6 addresses, which may end in an IPv4 one: ::ffff:10.0.0.1
    for pattern in (_IPV6, _IPV4):
        in_reported = _Overlaps(reported)
        version_end = -1  # where the last version ended: "versions 10.2.0.1 and 10.2.0.3" are both
        for m in pattern.finditer(text):
            token = m.group()
            if pattern is _IPV4:
                if in_reported(*m.span()):
                    continue  # the end of an IPv6 address reported above
                if _is_version(text, m, version_end):
                    version_end = m.end()
                    continue
            parsed = _parsed_address(token)
            if parsed is None:
                continue  # a time, a MAC address, a version: not an address
            addr, token = parsed
            kind = _ip_kind(addr)
            if kind is None or any(addr.version == n.version and addr in n for n in settings.networks):
                continue
            reported.append((m.start(), m.start() + len(token)))
            yield Finding(
                "private-address",
                m.start(),
                m.start() + len(token),
                f"{token} is a {kind} address, meaningless outside your network and a map of it for anyone "
                "else; name the system instead (for example 'one of our database servers')",
                token,
            )


# A cloud's name for a machine by its private address (EC2's ip-10-0-1-23, as kubectl lists nodes); under an
# internal suffix (ip-10-0-1-23.ec2.internal) the host pattern finds it whole.
_CLOUD_HOST = LazyPattern(r"(?i)(?<![\w.-])ip-(\d{1,3}(?:-\d{1,3}){3})(?![\w-]|\.\w)")
_URL = LazyPattern(r"(?i)\b[a-z][a-z0-9+.-]{0,30}://[^\s<>\"'`)\]]+")


def _host_pattern(suffixes: Iterable[str]) -> re.Pattern[str]:
    """Host names under ``suffixes``, their labels of any letters (büro.corp) as a reader takes them."""
    alternatives = "|".join(re.escape(s) for s in sorted(suffixes, key=len, reverse=True))
    return re.compile(
        rf"(?i)(?<![\w.-])(?:\w(?:[\w-]{{0,61}}\w)?\.){{1,30}}(?:{alternatives})(?![\w-]|\.[a-z0-9])"
    )


_INTERNAL_FIX = (
    "describe the service instead (for example 'our monitoring dashboard'); subscribers cannot reach it"
)


def _hosts(
    text: str, settings: Settings, pattern: re.Pattern[str], urls: list[re.Match[str]]
) -> Iterator[Finding]:
    from urllib.parse import urlsplit  # only text with an internal-looking host name gets here

    dotted = tuple("." + suffix for suffix in settings.suffixes)
    reported: list[tuple[int, int]] = []  # links already reported, in text order
    for m in urls:
        try:
            host = (urlsplit(m.group()).hostname or "").rstrip(".")
        except ValueError:
            continue
        if not host or host in settings.hosts:
            continue
        single_label = "." not in host and ":" not in host  # http://jenkins/, http://localhost:8080/
        if single_label or host.endswith(dotted):
            reported.append(m.span())
            yield Finding(
                "internal-host",
                m.start(),
                m.end(),
                f"a link to the internal host {printable(host)}: {_INTERNAL_FIX}",
                host,
            )
    k = 0
    for m in pattern.finditer(text):
        while k < len(reported) and reported[k][1] <= m.start():
            k += 1
        host = m.group().lower()
        if host in settings.hosts or (k < len(reported) and reported[k][0] <= m.start()):
            continue  # allowed, or inside a link reported above
        yield Finding(
            "internal-host",
            m.start(),
            m.end(),
            f"{m.group()} is an internal host name: {_INTERNAL_FIX}",
            host,
        )
    in_link = _Overlaps(reported)
    for m in _CLOUD_HOST.finditer(text):
        parsed = _parsed_address(m.group(1).replace("-", "."))
        host = m.group().lower()
        if parsed is None or _ip_kind(parsed[0]) is None or host in settings.hosts or in_link(*m.span()):
            continue
        if any(parsed[0] in n for n in settings.networks if n.version == 4):
            continue
        yield Finding(
            "internal-host",
            m.start(),
            m.end(),
            f"{m.group()} is an internal host name (the cloud's name for {parsed[1]}): {_INTERNAL_FIX}",
            host,
        )


_MENTION = LazyPattern(
    r"(?<![\w.@])@(?i:here|channel|everyone)\b"
    r"|<@[UW][A-Z0-9]{2,40}(?:\|[^>\n]{0,80})?>"
    r"|<!(?:here|channel|everyone|subteam\^[A-Z0-9]{1,40})(?:\|[^>\n]{0,80})?>"
)


def _mentions(text: str) -> Iterator[Finding]:
    for m in _MENTION.finditer(text):
        yield Finding(
            "mention",
            m.start(),
            m.end(),
            f"{printable(m.group())} is a chat mention: it notifies nobody on a status page and reads as "
            "pasted from chat; remove it",
            m.group(),
        )


_LEVELS = r"(?:ERROR|FATAL|CRITICAL|SEVERE|WARN(?:ING)?)"
_RAW_LOG = LazyPattern(
    r"Traceback \(most recent call last\)"
    r"|\bFile \"[^\"\n]{1,300}\", line \d{1,7}, in "
    r"|\bException in thread \""
    r"|\bCaused by: [\w$.]{1,200}(?:Exception|Error)\b"
    r"|\bat (?:[\w$]{1,100}\.){1,30}[\w$<>]{1,100}\([\w$ ]{1,100}\.(?:java|kt|scala|groovy):\d{1,7}\)"
    r"|\bat (?:async )?(?:[\w$.<>\[\]]{1,200} )?\((?:/|file://|[A-Za-z]:\\)[^()\n]{0,300}:\d{1,7}:\d{1,7}\)"
    r"|\bgoroutine \d{1,9} \[[a-z ]{1,40}\]:"
    rf"|\b{_LEVELS}\b[ \t:]{{0,3}}(?:[^\s\[]{{1,60}}[ \t]{{1,4}}){{0,4}}\[[^\]\n]{{1,80}}\](?!\()"
    r"|^[ \t]*\[?\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?\]?[ \t]+\[?"
    rf"(?:{_LEVELS}|INFO|DEBUG|TRACE)\b",
    re.MULTILINE,
)


def _raw_logs(text: str) -> Iterator[Finding]:
    for m in _RAW_LOG.finditer(text):
        yield Finding(
            "raw-log",
            m.start(),
            m.end(),
            "a stack trace or log line: say in plain words what subscribers notice and what you are doing; "
            "logs can hold internal names and data",
            m.group(),
        )


_EMAIL = LazyPattern(
    r"(?<![\w.+%-])[A-Za-z0-9][\w.%+-]{0,63}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?){0,10}\.[A-Za-z]{2,24}\b"
)


def _emails(text: str, settings: Settings, urls: list[re.Match[str]]) -> Iterator[Finding]:
    in_url = _Overlaps([u.span() for u in urls])
    for m in _EMAIL.finditer(text):
        address = m.group().lower()
        if in_url(m.start(), m.start() + 1):
            continue  # the user part of a link: the URL rules judge it
        if any(fnmatch.fnmatchcase(address, pattern) for pattern in settings.emails):
            continue
        yield Finding(
            "email",
            m.start(),
            m.end(),
            f"{m.group()} looks like a person's e-mail address; give a team address such as "
            f"support@… instead, or allow it under allow.emails in {CONFIG_NAME}",
            m.group(),
        )


# --- text as a reader sees it ---------------------------------------------------

_HIDDEN = LazyPattern(f"[{INVISIBLE}]")
_WIDE = LazyPattern(r"[^\x00-\x7f]")  # a character beyond ASCII, the only kind that may read otherwise
_DISGUISED = " (written with invisible or look-alike characters)"


def _as_read(text: str) -> tuple[str, list[int]] | None:
    """``text`` as a reader of the page sees it, where that differs, and where each of its characters is in
    ``text``.

    A zero-width space inside ``10.0.0.1`` or fullwidth digits (from a paste, an input method)
    shows as the address it is, but no rule would match it: so invisible characters are dropped, and
    compatibility forms (fullwidth digits and letters, a non-breaking space) read as their plain ones (NFKC).
    Only characters beyond ASCII cost a step each: the text between them is copied whole.
    """
    if text.isascii():
        return None
    import unicodedata

    if unicodedata.is_normalized("NFKC", text) and not _HIDDEN.search(text):
        return None
    chars: list[str] = []
    where: list[int] = []
    done = 0  # text[:done] is in chars
    for m in _WIDE.finditer(text):
        c, i = m.group(), m.start()
        start = i  # the first character of text that ``seen`` stands for
        if _HIDDEN.match(c):
            seen = ""
        elif (
            unicodedata.combining(c)
            and done < i
            and len(pair := unicodedata.normalize("NFKC", text[i - 1 : i + 1])) == 1
        ):
            seen, start = pair, i - 1  # a mark that composes with the character before it: u and U+0308, ü
        else:
            seen = unicodedata.normalize("NFKC", c)
        if seen != text[start : i + 1]:
            chars += (text[done:start], seen)
            where += range(done, start)
            where += [start] * len(seen)
            done = i + 1
    if not chars:
        return None  # nothing reads otherwise
    chars.append(text[done:])
    where += range(done, len(text))
    return "".join(chars), where


# --- the prefilter ------------------------------------------------------------

# Everything any rule can match contains one of these; text without any (nearly all text) is clean.
# Every alternative starts with a literal character (or is a character class, kept whole), and they are
# grouped by it, so that the regular expression engine skips ahead by character set and tries only the
# alternatives for that character.
_TRIGGERS = (
    "@",
    "<@",
    "<!",
    "://",
    "::",
    r":[0-9A-Fa-f]{1,4}:",
    "-----",
    r"\.\d{1,3}\.\d",
    r"\.eyJ",
    r"\.(?:java|kt|scala|groovy|js|ts|mjs|py|go):\d",
    "_",
    "=",
    "AKIA",
    "ASIA",
    "ABIA",
    "ACCA",
    "AIza",
    r"xox[abposr]-",
    r"gl(?:pat|dt|rt|ptt|cbt|soat)-",
    "goroutine ",
    r"SG\.",
    # Each by a character rarer than its first letter: ip-10-0-1-23, sk-proj-…, pypi-AgE…, hvs.…; the four
    # numbers of ip-10-0-1-23, as a date (2026-11-26) has only three and would otherwise take every rule.
    r"-\d{1,3}-\d{1,3}-\d{1,3}-\d",
    r"-(?:proj|svcacct|admin|ant)-",
    "AgE",
    r"\.[A-Za-z0-9_-]{24}",
    "Traceback",
    "Exception",
    "Caused by",
    'File "',
    *("ERROR", "FATAL", "CRITICAL", "SEVERE", "WARN", "INFO", "DEBUG", "TRACE"),
    *("bearer", "Bearer", "BEARER"),
    # A credential after key, token, password…: random-looking, so it has a digit before a letter.
    # One character class, not ten alternatives: it compiles in half the time, in every run.
    "[0-9][A-Za-z]",
)


def _prefilter(suffixes: Iterable[str]) -> re.Pattern[str]:
    alternatives = [*_TRIGGERS, r"\.(?i:" + "|".join(re.escape(s) for s in suffixes) + r")\b"]
    groups: dict[str, list[str]] = {}
    for alt in alternatives:
        first = alt[:2] if alt.startswith("\\") else "" if alt.startswith("[") else alt[:1]
        groups.setdefault(first, []).append(alt[len(first) :])
    parts = []
    for first, rests in groups.items():
        rests = list(dict.fromkeys(rests))
        parts.append(first if "" in rests else f"{first}(?:{'|'.join(rests)})")
    return re.compile("|".join(parts))


# --- locating text in the source ----------------------------------------------

_BREAKS = "\r\n\x85\u2028\u2029"
_LINE_BREAK = LazyPattern(r"\r\n|[\r\n\x85\u2028\u2029]")
_ESCAPE_LENGTH = {"x": 4, "u": 6, "U": 10}


def _value_start(source: str, span: Span) -> int:
    """Where the first character of a scalar's value may be in the source."""
    start, _, style = span
    if style in ("'", '"'):
        return start + 1
    if style in ("|", ">"):  # the value starts on the line after the header (and its comment)
        m = _LINE_BREAK.search(source, start)
        return m.end() if m else len(source)
    return start


def source_offsets(source: str, span: Span, value: str, offsets: Iterable[int]) -> dict[int, int]:
    """Where each of ``offsets`` into a scalar's value is in the source text.

    Walks the value and the source together: every character of a value comes
    from the same character in the source except what YAML folds (line breaks,
    indentation) and what a double-quoted scalar escapes, so matching each value
    character with the next equal source character, while stepping over escapes,
    finds it. An escape maps to its backslash.
    """
    wanted = sorted(set(offsets))
    out: dict[int, int] = {}
    if not wanted:
        return out
    j, end, style = _value_start(source, span), span[1], span[2]
    k = 0
    for i, c in enumerate(value):
        if i > wanted[-1]:
            break
        while j < end:
            s = source[j]
            if style == '"' and s == "\\":
                nxt = source[j + 1] if j + 1 < end else ""
                if nxt and nxt in _BREAKS:  # an escaped line break produces nothing
                    j += 3 if source.startswith("\r\n", j + 1) else 2
                    while j < end and source[j] in " \t":
                        j += 1
                    continue
                found, j = j, j + _ESCAPE_LENGTH.get(nxt, 2)
                break
            if s == c or (c in " \n" and s in _BREAKS):
                found, j = j, j + 1
                break
            j += 1
        else:
            found = min(j, max(end - 1, span[0]))
        if i == wanted[k]:
            out[i] = found
            k += 1
            if k == len(wanted):
                break
    for i in wanted[k:]:  # past the end (cannot happen for text the loader produced): the value's end
        out[i] = min(j, len(source))
    return out


def line_cols(
    source: str, indices: Iterable[int], start: int, start_pos: tuple[int, int]
) -> dict[int, tuple[int, int]]:
    """The 1-based line and column of each of ``indices``, counting in one pass from a known position
    (a YAML line break is any of CR LF, CR, LF, NEL, LS, PS, as the loader counts them)."""
    out: dict[int, tuple[int, int]] = {}
    line, col = start_pos
    i = start
    for index in sorted(set(indices)):
        while i < index:
            ch = source[i]
            if ch in _BREAKS:
                if ch == "\r" and source.startswith("\n", i + 1):
                    i += 1
                line, col = line + 1, 1
            else:
                col += 1
            i += 1
        out[index] = (line, col)
    return out


def line_col(source: str, index: int, start: int, start_pos: tuple[int, int]) -> tuple[int, int]:
    return line_cols(source, (index,), start, start_pos)[index]


# --- inline allowances ----------------------------------------------------------


class _Allowance:
    """One ``# statusfiles: allow`` comment, and whether a finding used it."""

    __slots__ = ("column", "line", "rule", "text", "used")

    def __init__(self, line: int, column: int, rule: str, text: str) -> None:
        self.line, self.column, self.rule = line, column, rule
        self.text = text  # empty: every finding of the rule on this line
        self.used = False


def _in_value(offset: int, spans: Iterable[Span], source: str) -> bool:
    return any(_value_start(source, span) <= offset < span[1] for span in spans)


def _allowances(source: str, spans: Mapping[Path, Span]) -> list[_Allowance]:
    """Comments ``# statusfiles: allow RULE [TEXT]``: a ``#`` inside a value is text, not a comment."""
    comments = [m for m in ALLOWANCE.finditer(source) if not _in_value(m.start(), spans.values(), source)]
    # Counted as findings are (every YAML line break), so an allowance's line is the finding's.
    where = line_cols(source, (m.start() for m in comments), 0, (1, 1))
    out = []
    for m in comments:
        rule, _, text = m.group(1).strip().partition(" ")
        out.append(_Allowance(*where[m.start()], rule, text.strip()))
    return out


# --- the linter ---------------------------------------------------------------


def _value_at(data: Any, path: Path) -> Any:
    for part in path:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data


class Linter:
    """The rules with one repository's settings, compiled once for a whole run."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or Settings()
        self._prefilter = _prefilter(self.settings.suffixes)

    @functools.cached_property
    def _hosts(self) -> re.Pattern[str]:
        """Compiled when some text first gets past the prefilter: clean text never needs it."""
        return _host_pattern(self.settings.suffixes)

    def findings(self, text: str) -> list[Finding]:
        """Everything in ``text`` that must not be published, by position (rules switched off included),
        as a reader sees it: hidden in invisible or look-alike characters too."""
        read = _as_read(text)
        if read is None:
            return self._findings(text) if self._prefilter.search(text) else []
        seen, where = read
        if not self._prefilter.search(seen):
            return []
        out = []
        for f in self._findings(seen):
            start, end = where[f.start], where[max(f.end, f.start + 1) - 1] + 1
            disguised = text[start:end] != seen[f.start : f.end]
            out.append(f._replace(start=start, end=end, message=f.message + _DISGUISED * disguised))
        return out

    def _findings(self, text: str) -> list[Finding]:
        urls = list(_URL.finditer(text))
        found = [
            *_secrets(text),
            *_addresses(text, self.settings),
            *_hosts(text, self.settings, self._hosts, urls),
            *_mentions(text),
            *_raw_logs(text),
            *_emails(text, self.settings, urls),
        ]
        found.sort(key=lambda f: (f.start, RULES.index(f.rule)))
        return found

    def check(self, doc: Document, source: str, display: str) -> list[Diagnostic]:
        """Lint every public text field of a loaded document, located in its ``source``.

        Runs on every file of every run, so the clean path is kept to a loop and one search per field.
        """
        allowances = _allowances(source, doc.spans) if "statusfiles:" in source else []
        # By (rule, line) or (rule, text); text in any case, as host names and addresses are, and either
        # whole or each of a list (one comment can name every text a block allows: a block holds one comment)
        index: dict[tuple[str, int | str], list[_Allowance]] = {}
        for a in allowances:
            text = a.text.lower()
            keys: list[int | str] = [text, *text.replace(",", " ").split()] if text else [a.line]
            for key in dict.fromkeys(keys):
                index.setdefault((a.rule, key), []).append(a)
        out: list[Diagnostic] = []
        for path, span in doc.spans.items():
            if not path or path[-1] not in PUBLIC_FIELDS:
                continue
            value = _value_at(doc.data, path)
            if not isinstance(value, str) or (value.isascii() and not self._prefilter.search(value)):
                continue  # the clean path: one search (text beyond ASCII is first read as a reader sees it)
            found = [f for f in self.findings(value) if self.settings.severity.get(f.rule) is not None]
            if found:
                out += self._located(found, source, path, span, value, doc.positions[path], display, index)
        if allowances:
            out += self._allowance_problems(allowances, display)
            out.sort(key=Diagnostic.sort_key)
        return out

    def _located(
        self,
        findings: list[Finding],
        source: str,
        path: Path,
        span: Span,
        value: str,
        start_pos: tuple[int, int],
        display: str,
        allowances: Mapping[tuple[str, int | str], list[_Allowance]],
    ) -> Iterator[Diagnostic]:
        """Each finding at its line and column in the source, unless an allowance covers it."""
        where = source_offsets(source, span, value, (f.start for f in findings))
        last = max(span[0], span[1] - 1)
        positions = line_cols(source, [*where.values(), last], span[0], start_pos)
        first_line, last_line = start_pos[0], positions[last][0]
        for f in findings:
            line, col = positions[where[f.start]]
            if f.rule != "secret" and self._allowed(f, line, first_line, last_line, allowances):
                continue
            severity = self.settings.severity[f.rule]
            assert severity is not None
            yield Diagnostic(display, line, col, format_field(path), f.message, f.rule, severity)

    @staticmethod
    def _allowed(
        f: Finding,
        line: int,
        first: int,
        last: int,
        allowances: Mapping[tuple[str, int | str], list[_Allowance]],
    ) -> bool:
        """Allowed by a comment on its line, or by one naming its text within the value's lines."""
        for a in allowances.get((f.rule, line), []):
            a.used = True
            return True
        for a in allowances.get((f.rule, f.text.lower()), []) if f.text else []:
            if first <= a.line <= last:
                a.used = True
                return True
        return False

    def _allowance_problems(self, allowances: list[_Allowance], display: str) -> Iterator[Diagnostic]:
        for a in allowances:
            if a.rule == "secret":
                message = "a secret cannot be allowed: remove it from the message and revoke it"
            elif a.rule not in RULES:
                hint = did_you_mean(a.rule, RULES)
                message = (
                    f"unknown rule {a.rule!r}" + (f" (did you mean {hint!r}?)" if hint else "")
                    if a.rule
                    else "name the rule to allow: # statusfiles: allow RULE [TEXT]"
                )
            elif not a.used and self.settings.severity.get(a.rule) is not None:
                yield Diagnostic(
                    display,
                    a.line,
                    a.column,
                    "",
                    f"allows {a.rule}{' ' + a.text if a.text else ''}, but there is none here; "
                    "remove the comment",
                    ALLOW_RULE,
                    Severity.WARNING,
                )
                continue
            else:
                continue
            yield Diagnostic(display, a.line, a.column, "", message, ALLOW_RULE)
