"""Real-looking messages for the linter of public text: what each rule must catch, and what none may.

A true case is a message (written as a plain, quoted or block scalar) and, for each finding, its rule
and the text it points at; the test works out that text's line and column in the file by searching the
file, and a few cases in ``tests/test_lint.py`` state exact positions by hand.
"""

from __future__ import annotations

from dataclasses import dataclass

from tests.support.payloads import HEAD


@dataclass(frozen=True)
class Hit:
    name: str
    message_yaml: str  # what follows "message:" (a scalar in any style)
    expected: tuple[tuple[str, str], ...]  # (rule, the text the diagnostic points at)

    @property
    def content(self) -> str:
        return HEAD + "message:" + self.message_yaml


def block(*lines: str) -> str:
    return " |\n" + "".join(f"  {line}\n" for line in lines)


def plain(text: str) -> str:
    return f" {text}\n"


# Secrets: the value is assembled so that this file holds no complete credential for scanners to flag.
AWS = "AKIA" + "IOSFODNN7EXAMPLE"
AWS_SPLIT = "AKIA\u200c" + "IOSFODNN7EXAMPLF"
GITHUB = "ghp_" + "R7d2kLx9Qw3mZp8Vn4Tb6Yc1Hs5Ju0Fa2Ge7"
GITHUB_PAT = "github_pat_" + "11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEF"
GITLAB = "glpat-" + "x9Kd82LmQz7vNc4RbT1w"
SLACK = "xoxb-" + "123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx"
SLACK_HOOK = "https://hooks.slack.com/services/" + "T0ABC1234/B0DEF5678/xYz12AbC34dEf56GhI78jKl9"
GOOGLE = "AIza" + "SyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY"
STRIPE = "sk_live_" + "51HqLyjWDarjtT1zdp7dcXYZ"
OPENAI = "sk-proj-" + "iK2ZWeqhFWCEPyYngFb51yBMWXaSCrUZoL8g5ubbbPIa84yR"
ANTHROPIC = "sk-ant-api03-" + "nBUbHoWC8FJowoRoWD8s7bA16J7PglOU3shVv5UTG79BG16QmtsL4F28GzL2"
PYPI = "pypi-AgEIcHlwaS5vcmc" + "cEpVZzAQlxJ4SXRVxfCQGgXkH1zxFUbEctT2NLLzPkkGoaXmI63JozGw82Kw"
DOCKER = "dckr_pat_" + "D6rQJM9UayY20948VGZiHXJnB8d"
VAULT = "hvs." + "E3xKJm8GAF0wAwaIINYNvDMbZoOl"
HUGGING_FACE = "hf_" + "JLl3fZJZ207qc18Ref3bCaWWrprhZNlwse"
SHOPIFY = "shpat_" + "558589eaff309cad68386d070c415ed7"
DIGITALOCEAN = "dop_v1_" + "e70cad19461922995d84016e51c6b36d6f3c9f0ac9056a4ad683cbf721245568"
JWT = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"
    + ".eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6Ik9uY2FsbCJ9"
    + ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
)
BEARER_TOKEN = "4f1c9b2e7a6d5c3b" + "8e0f1a2b3c4d5e6f"
DB_PASSWORD = "Hunter2-" + "Pr0d-Passw0rd"
API_KEY = "3f9a8b7c6d5e4f3a" + "2b1c0d9e8f7a6b5c"
PASSWORD = "Xk9mP2vL8nQ4" + "wRt7Zs"
PRIVATE_KEY_BODY = "MIIEowIBAAKCAQEA" + "u1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gunVTLw7onLRnrq0"

# Everything secret a test may search the output for (a credential's random part, never its prefix).
SECRETS = {
    "aws": AWS,
    "aws-split": AWS_SPLIT,
    "github": GITHUB,
    "github-pat": GITHUB_PAT,
    "gitlab": GITLAB,
    "slack": SLACK,
    "slack-hook": SLACK_HOOK,
    "google": GOOGLE,
    "stripe": STRIPE,
    "jwt": JWT,
    "openai": OPENAI,
    "anthropic": ANTHROPIC,
    "pypi": PYPI,
    "docker": DOCKER,
    "vault": VAULT,
    "hugging-face": HUGGING_FACE,
    "shopify": SHOPIFY,
    "digitalocean": DIGITALOCEAN,
    "bearer": BEARER_TOKEN,
    "url-password": DB_PASSWORD,
    "api-key": API_KEY,
    "password": PASSWORD,
    "private-key": PRIVATE_KEY_BODY,
}

HITS = [
    # --- secret
    Hit("aws-key", plain(f"We rotated {AWS} after the incident."), (("secret", AWS),)),
    Hit(
        "github-token-block",
        block("The deploy bot failed.", f"Its token {GITHUB} was revoked."),
        (("secret", GITHUB),),
    ),
    Hit("github-pat", plain(f'"Using {GITHUB_PAT} for the mirror"'), (("secret", GITHUB_PAT),)),
    Hit("aws-key-split-by-zero-width", plain(f"Rotated {AWS_SPLIT} today"), (("secret", AWS_SPLIT),)),
    Hit("gitlab-token", plain(f"runner registered with {GITLAB}"), (("secret", GITLAB),)),
    Hit("slack-token", block("Alerts are posted by", f"{SLACK} again."), (("secret", SLACK),)),
    Hit("slack-webhook", plain(f"Alerts go to {SLACK_HOOK}"), (("secret", SLACK_HOOK),)),
    Hit("google-key", plain(f"Maps use {GOOGLE} again"), (("secret", GOOGLE),)),
    Hit("stripe-key", plain(f"Payments use {STRIPE}."), (("secret", STRIPE),)),
    *(
        Hit(f"{name}-token", plain(f"The job ran with {value} in its log."), (("secret", value),))
        for name, value in (
            ("openai", OPENAI),
            ("anthropic", ANTHROPIC),
            ("pypi", PYPI),
            ("docker", DOCKER),
            ("vault", VAULT),
            ("hugging-face", HUGGING_FACE),
            ("shopify", SHOPIFY),
            ("digitalocean", DIGITALOCEAN),
        )
    ),
    Hit("jwt", block("Sessions failed for", JWT), (("secret", JWT),)),
    Hit(
        "bearer-token",
        block(
            "Reproduce with:", f"curl -H 'Authorization: Bearer {BEARER_TOKEN}' https://api.example.com/v1"
        ),
        (("secret", f"Bearer {BEARER_TOKEN}"),),
    ),
    Hit(
        "url-with-password",
        plain(f"Restored postgres://app:{DB_PASSWORD}@db.example.com:5432/app from backup."),
        (("secret", "postgres://"),),
    ),
    Hit(
        "env-assignment",
        block("The job ran with", f"INCIDENT_IO_API_KEY={API_KEY} set."),
        (("secret", API_KEY),),
    ),
    Hit(
        "camel-case-key",
        block("The storage account's connection string:", f"AccountName=acme;AccountKey={API_KEY}==;"),
        (("secret", API_KEY),),
    ),
    Hit("camel-case-password", plain(f'\'{{"dbPassword": "{PASSWORD}"}}\''), (("secret", PASSWORD),)),
    Hit("camel-case-after-an-acronym", plain(f"'The APIKey: {API_KEY} leaked.'"), (("secret", API_KEY),)),
    Hit(
        "password-after-word", plain(f"'The admin password: {PASSWORD} was reset.'"), (("secret", PASSWORD),)
    ),
    Hit(
        "private-key-block",
        block("We published this by mistake:", "-----BEGIN RSA PRIVATE KEY-----", PRIVATE_KEY_BODY),
        (("secret", "-----BEGIN"),),
    ),
    # --- private-address
    Hit("rfc1918-10", plain("Failover from 10.12.0.7 completed."), (("private-address", "10.12.0.7"),)),
    Hit(
        "rfc1918-with-port",
        block("Queue consumers lost", "their connection to 192.168.40.2:5672."),
        (("private-address", "192.168.40.2"),),
    ),
    Hit(
        "zero-padded-address",
        block("Connections to", "192.168.001.017:5432 were refused."),
        (("private-address", "192.168.001.017"),),
    ),
    Hit(
        "address-after-versions",
        plain("Version 10.2.0.1 is out; its hosts 10.2.0.7 and 10.2.0.8 restarted."),
        (("private-address", "10.2.0.7"), ("private-address", "10.2.0.8")),
    ),
    Hit(
        "address-after-a-sentence-on-a-release",
        plain("We rolled back the release. 10.1.2.3 serves again, as after the build. 10.1.2.4 too."),
        (("private-address", "10.1.2.3"), ("private-address", "10.1.2.4")),
    ),
    Hit(
        "address-with-a-word-after-a-hyphen",
        plain("Packets to 10.0.0.7-eth0 and the 10.1.2.3-based pool on 10.2.0.9-devbox were dropped."),
        (("private-address", "10.0.0.7"), ("private-address", "10.1.2.3"), ("private-address", "10.2.0.9")),
    ),
    Hit("address-after-agent", plain("The agent 10.0.0.5 stopped"), (("private-address", "10.0.0.5"),)),
    Hit("rfc1918-172", plain("Node 172.20.3.4 was drained"), (("private-address", "172.20.3.4"),)),
    Hit("loopback", plain("The agent listens on 127.0.0.1 only"), (("private-address", "127.0.0.1"),)),
    Hit(
        "link-local-metadata",
        plain("Calls to 169.254.169.254 timed out"),
        (("private-address", "169.254.169.254"),),
    ),
    Hit("cgnat", plain("VPN peer 100.64.1.9 was unreachable"), (("private-address", "100.64.1.9"),)),
    Hit(
        "ipv6-ula",
        plain("Peering with fd12:3456:789a::1 dropped"),
        (("private-address", "fd12:3456:789a::1"),),
    ),
    Hit(
        "ipv6-link-local",
        plain("Neighbour fe80::1ff:fe23:4567:890a flapped"),
        (("private-address", "fe80::1ff"),),
    ),
    Hit(
        "ipv6-with-ipv4-inside",
        plain("Clients saw ::ffff:10.1.2.3 and fd00::192.168.1.1, via 64:ff9b::10.1.2.4"),
        (
            ("private-address", "::ffff:10.1.2.3"),
            ("private-address", "fd00::192.168.1.1"),
            ("private-address", "10.1.2.4"),
        ),
    ),
    Hit("ipv6-loopback", plain("Health checks to ::1 failed"), (("private-address", "::1"),)),
    Hit(
        "address-in-url",
        plain("See http://10.0.8.15:3000/d/api for the graph"),
        (("private-address", "10.0.8.15"),),
    ),
    # hidden from the rules, not from a reader: invisible characters inside, fullwidth digits
    Hit(
        "address-split-by-zero-width",
        plain("Failover from 10\u200b.0.0.7 completed."),
        (("private-address", "10\u200b.0.0.7"),),
    ),
    Hit(
        "address-split-by-variation-selector-and-tag",
        plain("Failover from 10\ufe0f.0.0.7 to 10.0\U000e0020.0.8 completed."),
        (("private-address", "10\ufe0f.0.0.7"), ("private-address", "10.0\U000e0020.0.8")),
    ),
    Hit(
        "fullwidth-address",
        block("Node \uff11\uff17\uff12.\uff11\uff16.\uff10.\uff14 was drained"),
        (("private-address", "\uff11\uff17\uff12"),),
    ),
    # --- internal-host
    Hit(
        "host-internal",
        plain("db-1.prod.internal is healthy again"),
        (("internal-host", "db-1.prod.internal"),),
    ),
    Hit(
        "host-corp",
        block("We restarted", "build.acme.corp and the caches."),
        (("internal-host", "build.acme.corp"),),
    ),
    Hit("host-local", plain("printer.local is back"), (("internal-host", "printer.local"),)),
    Hit("host-lan", plain("Traffic from nas.lan spiked"), (("internal-host", "nas.lan"),)),
    Hit("host-with-accents", plain("The büro.intra wiki is back"), (("internal-host", "büro.intra"),)),
    Hit(
        "host-with-decomposed-accents",  # u and a combining diaeresis, as some editors and file systems write
        plain("The bu\u0308ro.intra wiki and the cafe\u0301.corp menu are back"),
        (("internal-host", "bu\u0308ro.intra"), ("internal-host", "cafe\u0301.corp")),
    ),
    Hit(
        "host-localhost-and-home-arpa",
        plain("See http://app.localhost:3000/ and nas.home.arpa"),
        (("internal-host", "http://app.localhost"), ("internal-host", "nas.home.arpa")),
    ),
    Hit(
        "cloud-host-name",
        block("Node ip-10-0-1-23 went NotReady;", "ip-54-1-2-3 is fine."),
        (("internal-host", "ip-10-0-1-23"),),
    ),
    Hit("host-intra", plain("Docs on wiki.intra are stale"), (("internal-host", "wiki.intra"),)),
    Hit(
        "url-to-internal-host",
        plain("Dashboard at https://grafana.corp/d/abc?orgId=1"),
        (("internal-host", "https://grafana.corp"),),
    ),
    Hit(
        "url-to-localhost",
        plain("Check http://localhost:8080/health"),
        (("internal-host", "http://localhost"),),
    ),
    Hit(
        "url-single-label-host",
        plain("Builds at http://jenkins/job/deploy failed"),
        (("internal-host", "http://jenkins"),),
    ),
    Hit(
        "host-split-by-soft-hyphen",
        plain("grafana.c\u00adorp and wiki\u2060.intra are down"),
        (("internal-host", "grafana.c\u00adorp"), ("internal-host", "wiki\u2060.intra")),
    ),
    # --- mention
    Hit("at-here", plain("'@here the fix is rolling out'"), (("mention", "@here"),)),
    Hit("at-channel", block("Update:", "@channel please hold deploys"), (("mention", "@channel"),)),
    Hit("at-everyone", plain("Thanks @everyone for the patience"), (("mention", "@everyone"),)),
    Hit("slack-user", plain("Fixed by <@U024BE7LH> at 10:30 UTC"), (("mention", "<@U024BE7LH>"),)),
    Hit("slack-broadcast", plain("<!here> we are back"), (("mention", "<!here>"),)),
    # --- raw-log
    Hit(
        "python-traceback",
        block(
            "The importer crashed:",
            "Traceback (most recent call last):",
            '  File "/srv/app/importer.py", line 42, in run',
            "ValueError: bad row",
        ),
        (("raw-log", "Traceback"), ("raw-log", "File ")),
    ),
    Hit(
        "java-frame",
        block("Requests failed with", "at com.acme.billing.InvoiceService.render(InvoiceService.java:118)"),
        (("raw-log", "at com.acme"),),
    ),
    Hit(
        "java-exception-in-thread",
        plain("'Exception in thread \"main\" java.lang.OutOfMemoryError: Java heap space'"),
        (("raw-log", "Exception in thread"),),
    ),
    Hit(
        "log-line-thread",
        block("Logs show", "ERROR [pool-3-thread-7] c.a.q.Consumer - lost connection"),
        (("raw-log", "ERROR"),),
    ),
    Hit(
        "timestamped-log-line",
        block("First error:", "2026-11-26 09:31:02,114 WARN retrying in 5s"),
        (("raw-log", "2026-11-26 09:31"),),
    ),
    Hit(
        "node-frame",
        block("The worker crashed", "at processTicksAndRejections (/srv/app/node_modules/q/index.js:10:5)"),
        (("raw-log", "at processTicks"),),
    ),
    Hit("goroutine", block("Panic:", "goroutine 17 [running]:"), (("raw-log", "goroutine"),)),
    # --- email (a warning by default)
    Hit(
        "personal-email",
        plain("Questions to alice.smith@acme.com please."),
        (("email", "alice.smith@acme.com"),),
    ),
    Hit(
        "email-in-block",
        block("Our on-call engineer", "(bob+oncall@acme.co.uk) is looking into it."),
        (("email", "bob+oncall@acme.co.uk"),),
    ),
]

# Text that looks a little like a finding but is fine to publish: none of it may produce anything.
CLEAN = [
    "Error rates are back to 0.5% (from 10.5% at the peak).",
    "Fixed in version 2.10.3 of the app and build 4.12.0.1234 of the agent.",
    "Agent version 10.2.0.1 and release v10.0.0.4 are not affected.",
    "Versions: 10.2.0.1, 10.2.0.3 and 10.2.0.4 and firmware 10.4.0.1 are affected; 10.2.0.5-rc1 is not.",
    "Builds 10.2.0.6-RC.2, 10.2.0.7-beta, 10.2.0.8-b2 and 10.2.0.9+build5 are fixed.",
    "Details: https://status.example.com/incidents/123 and https://docs.example.com/api#errors.",
    "Reported at 09:30 UTC; mitigated at 10:45:00 UTC (2026-11-26T10:45:00Z).",
    "Tracked as INC-1234, OPS-4567 and #123.",
    "Public resolvers 8.8.8.8 and 1.1.1.1 and our CDN at 203.0.113.10 were not affected.",
    "Key metrics: p99 latency 1.2s, error rate 2.5x baseline, 3 of 12 regions.",
    "The token refresh service and password reset e-mails are delayed by 15 minutes.",
    "Key rotation-2026-11-26-00001 finished without downtime.",
    "The status page token 01FCNDV6P870EA6S7TK1DSYDG0 and incidentKey: 01HF8X3Z9K2M4N6P8Q0R2S4T6V are IDs.",
    "A disk-full alert at 03:10 UTC; the risk-free task-list sk-1 is fine.",
    "The monkey 3f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c and the hotkey Ctrl2Alt3Del4Esc5Tab6 are jokes.",
    "Contact support@acme.com or status@acme.com; follow @acmestatus for updates.",
    "A local outage in one LAN segment of our Frankfurt office; local.example.com is fine.",
    "We saw ERROR rates rise [see graph](https://status.example.com/graphs/1).",
    "The API gateway (api-gateway-v2) and https://example.com:8443/path are healthy.",
    "Error budget: 99.95% of requests succeeded; secret-free config rollout at 14:05.",
    "Java 17.0.2 and Python 3.11.4 runtimes were patched. IPv6 traffic (2001:db8::/32 docs) is unaffected.",
    "at 10:30 (UTC) we restarted the queue; at peak 1,200 jobs were waiting.",
    "Emails to @example.com addresses were delayed.",
    "Service restored. Thank you for your patience!",
    "Ünïcödé ✓ — 日本語 and emoji 🚀 are fine.",
]
