"""The table of statusfiles the validation tests run: each valid one, and each invalid one with
exactly the diagnostics (rule, line, column, field) it must produce."""

from __future__ import annotations

from dataclasses import dataclass

from tests.support.payloads import COMPONENT as COMP
from tests.support.payloads import HEAD, PAGE
from tests.support.payloads import INCIDENT as ID


@dataclass(frozen=True)
class Case:
    name: str
    content: bytes
    expected: tuple[tuple[str, int, int, str], ...] = ()  # (rule, line, column, field); empty = valid
    # incident / maintenance: the folder's declaration file; incident-update / maintenance-update:
    # a file beside one; None: an update to an incident created elsewhere, alone in its folder.
    kind: str | None = None


def case(name: str, text: str | bytes, *expected: tuple[str, int, int, str]) -> Case:
    return Case(name, text if isinstance(text, bytes) else text.encode(), tuple(expected))


def kind_case(kind: str, name: str, text: str, *expected: tuple[str, int, int, str]) -> Case:
    return Case(name, text.encode(), tuple(expected), kind)


# incident.yaml, lines 1-4
INCIDENT_HEAD = (
    f"status_page_id: {PAGE}\nname: Elevated API errors\nincident_status: investigating\n"
    "notify_subscribers: false\n"
)
# maintenance.yaml, lines 1-5; start_at and end_at follow on lines 6 and 7
MAINTENANCE_HEAD = (
    f"status_page_id: {PAGE}\nname: Database upgrade\nmaintenance_status: maintenance_scheduled\n"
    f"notify_subscribers: false\naffected_component_ids: [{COMP}]\n"
)
WINDOW = 'start_at: "2026-12-01T10:00:00Z"\nend_at: "2026-12-01T12:00:00Z"\n'


VALID = [
    case(
        "issue-example",
        "# yaml-language-server: $schema=../../schemas/status-page-incident-update.schema.json\n"
        f"status_page_incident_id: {ID}\nincident_status: investigating\nnotify_subscribers: true\n"
        f"component_statuses:\n  - component_id: {COMP}\n    component_status: degraded_performance\n"
        "message: |\n  We are investigating elevated error rates on the public API.\n",
    ),
    case("minimal", HEAD + "message: Still investigating.\n"),
    case(
        "status-omitted-flow-style",
        f'{{"status_page_incident_id": "{ID}", "message": "x", "notify_subscribers": true}}\n',
    ),
    case(
        "numeric-looking-id-quoted",
        'status_page_incident_id: "0123"\nnotify_subscribers: false\nmessage: "42"\n',
    ),
    case("folded-message", HEAD + "message: >\n  One line\n  and the same line.\n"),
    case("unicode-message", HEAD + "message: Ünïcödé ✓ — 日本語\n"),
    case("bom", b"\xef\xbb\xbf" + (HEAD + "message: with a byte-order mark\n").encode()),
    case("crlf", (HEAD + "message: |\n  Windows line endings\n").replace("\n", "\r\n")),
    case("document-markers", "---\n" + HEAD + "message: explicit start and end\n...\n"),
    case("resolved-without-components", HEAD + "incident_status: resolved\nmessage: Resolved.\n"),
    case("empty-component-list", HEAD + "component_statuses: []\nmessage: No component changes.\n"),
    case("message-at-limit", HEAD + "message: " + "x" * 4096 + "\n"),
    case(
        "components-and-ids-at-their-limits",
        f"status_page_incident_id: {'I' * 128}\nnotify_subscribers: false\ncomponent_statuses:\n"
        + "".join(f"  - {{component_id: C{n:0125d}, component_status: operational}}\n" for n in range(250))
        + "message: m\n",
    ),
    case("text-that-looks-special-quoted", HEAD + "message: 'no'\n"),
    case("plain-text-with-colon", HEAD + "message: Fixed at 10:30 UTC, see issue 123\n"),
    case("hash-inside-a-word", HEAD + "message: Fixed in release#1234\n"),
    case("quoted-message-with-hash", HEAD + "message: 'Fixed at 10:30 UTC, see #123'\n"),
    case("block-message-with-hash", HEAD + "message: |\n  Fixed in release #1234 - thanks\n"),
    # a comment after an ID, a status or a boolean cuts nothing anyone reads
    case(
        "comments-after-non-text-values",
        f"status_page_incident_id: {ID}  # the API outage\nnotify_subscribers: false # quiet\n"
        "incident_status: monitoring # fix deployed\nmessage: Watching.\n",
    ),
    # inside quotes a hidden line break is kept as text, and positions after it are an editor's
    case("line-separator-quoted", HEAD + 'message: "All good\u2028still"\n'),
    case("tab-inside-quoted-message", HEAD + 'message: "a\tb"\n'),
    case("tab-inside-block-message", HEAD + "message: |\n  a\tb\n"),
    # --- the other kinds
    kind_case("incident", "incident-minimal", INCIDENT_HEAD + "message: We are investigating.\n"),
    kind_case(
        "incident",
        "incident-with-components",
        INCIDENT_HEAD + f"component_statuses:\n  - component_id: {COMP}\n"
        "    component_status: degraded_performance\nmessage: m\n",
    ),
    kind_case("maintenance", "maintenance-minimal", MAINTENANCE_HEAD + WINDOW + "message: m\n"),
    kind_case(
        "maintenance",
        "maintenance-offsets",
        MAINTENANCE_HEAD
        + 'start_at: "2026-12-01T10:00:00.5+01:00"\nend_at: "2026-12-01t10:00:01z"\nmessage: m\n',
    ),
    kind_case(
        "incident-update",
        "folder-update-minimal",
        "notify_subscribers: false\nincident_status: monitoring\nmessage: m\n",
    ),
    kind_case(
        "maintenance-update",
        "maintenance-update-components",
        "notify_subscribers: false\nmaintenance_status: maintenance_in_progress\ncomponent_statuses:\n"
        f"  - component_id: {COMP}\n    component_status: under_maintenance\nmessage: m\n",
    ),
]

INVALID = [
    # --- bytes and documents
    case("not-utf8", HEAD.encode() + b"message: caf\xe9\n", ("not-utf8", 3, 13, "")),
    case("too-large", HEAD + "message: " + "x" * (128 * 1024) + "\n", ("file-too-large", 1, 1, "")),
    case("empty", "", ("empty-file", 1, 1, "")),
    case("only-comments", "# nothing here\n# at all\n", ("empty-file", 1, 1, "")),
    case(
        "two-documents",
        HEAD + "message: a\n---\n" + HEAD + "message: b\n",
        ("yaml-multiple-documents", 4, 1, ""),
    ),
    case("top-level-list", "- a\n- b\n", ("not-a-mapping", 1, 1, "")),
    case("top-level-scalar", "hello\n", ("not-a-mapping", 1, 1, "")),
    case("syntax-error", HEAD + "message: [unclosed\n", ("yaml-syntax", 4, 1, "")),
    case("tab-indent", HEAD + "component_statuses:\n\t- x\nmessage: m\n", ("yaml-syntax", 4, 1, "")),
    # libyaml accepts a tab as a separator where PyYAML does not: both must refuse it
    case("tab-separator", HEAD + "message:\tHello\n", ("yaml-syntax", 3, 9, "")),
    case("nul-byte", HEAD + "message: a\x00b\n", ("yaml-syntax", 3, 11, "")),
    # the syntax errors people meet first (each message says what to do: see test_cli_validate)
    case("colon-in-message", HEAD + "message: Update: still working\n", ("yaml-syntax", 3, 16, "")),
    case("markdown-bold-message", HEAD + "message: **Resolved**: ok\n", ("yaml-syntax", 3, 11, "")),
    case("at-sign-message", HEAD + "message: @here fixed\n", ("yaml-syntax", 3, 10, "")),
    case("backtick-message", HEAD + "message: `api` is back\n", ("yaml-syntax", 3, 10, "")),
    case("dash-message", HEAD + "message: - fixed\n", ("yaml-syntax", 3, 10, "")),
    # --- YAML features a statusfile never needs
    case("duplicate-key", HEAD + "message: a\nmessage: b\n", ("yaml-duplicate-key", 4, 1, "message")),
    case(
        "nested-duplicate-key",
        HEAD + f"component_statuses:\n  - component_id: {COMP}\n    component_id: {COMP}\n"
        "    component_status: operational\nmessage: m\n",
        ("yaml-duplicate-key", 5, 5, "component_statuses[0].component_id"),
    ),
    case("anchor", HEAD + "message: &m hello\n", ("yaml-anchor", 3, 10, "message")),
    case(
        "alias",
        HEAD + "message: &m hello\nincident_status: *m\n",
        ("yaml-anchor", 3, 10, "message"),
        ("yaml-alias", 4, 18, "incident_status"),
    ),
    case(
        "merge-key",
        HEAD + "<<: {message: m}\n",
        ("required", 1, 1, "message"),  # merge keys are not applied: the message is missing
        ("yaml-merge-key", 3, 1, "<<"),
    ),
    case("explicit-tag", HEAD + "message: !!str hello\n", ("yaml-tag", 3, 10, "message")),
    case("local-tag", HEAD + "message: !secret hello\n", ("yaml-tag", 3, 10, "message")),
    # The tag makes 5 text: only the tag is wrong, not an unquoted number.
    case("explicit-tag-on-number", HEAD + "message: !!str 5\n", ("yaml-tag", 3, 10, "message")),
    case("complex-key", HEAD + "? [a, b]\n: c\nmessage: m\n", ("yaml-complex-key", 3, 3, "")),
    case(
        "too-deep",
        HEAD + "message: m\nx: " + "[" * 9 + "]" * 9 + "\n",
        ("yaml-too-deep", 4, 11, "x[0][0][0][0][0][0][0]"),
    ),
    case(
        "very-deep", HEAD + "x: " + "[" * 100_000 + "\n", ("yaml-too-deep", 3, 11, "x[0][0][0][0][0][0][0]")
    ),
    case(
        "very-deep-block",
        HEAD + "message: m\nx:\n" + "".join("  " * i + "- \n" for i in range(1, 12)),
        ("yaml-too-deep", 12, 17, "x[0][0][0][0][0][0][0]"),
    ),
    # --- text that is not what it looks like
    case(
        "comment-cuts-message",
        HEAD + "message: Fixed in release #1234 - thanks\n",
        ("yaml-trailing-comment", 3, 27, "message"),
    ),
    case(
        "comment-cuts-message-with-colon",
        HEAD + "message: Fixed at 10:30 UTC, see #123\n",
        ("yaml-trailing-comment", 3, 34, "message"),
    ),
    case(
        "comment-cuts-multiline-message",
        HEAD + "message: Fixed in\n  release #1234\n",
        ("yaml-trailing-comment", 4, 11, "message"),
    ),
    # the comment is the only problem reported there, not also the schema's "null is not a string"
    case(
        "comment-empties-message",
        HEAD + "message: #1 priority\n",
        ("yaml-trailing-comment", 3, 10, "message"),
    ),
    case(
        "line-separator",
        f"status_page_incident_id: {ID}\nmessage: All good\u2028notify_subscribers: true\n",
        ("yaml-hidden-line-break", 2, 18, ""),
    ),
    case(
        "next-line-in-comment",
        HEAD + "# note\x85incident_status: resolved\nmessage: m\n",
        ("yaml-hidden-line-break", 3, 7, ""),
    ),
    case(
        "paragraph-separator-in-block",
        HEAD + "message: |\n  a\u2029b\n",
        ("yaml-hidden-line-break", 4, 4, ""),
        ("yaml-syntax", 4, 5, ""),  # the "line" the break starts, which has no ':'; not the file's end
    ),
    case(
        "line-separator-quoted-then-error",
        HEAD + 'message: "a\u2028b"\nincident_status: fixed\n',
        ("enum", 4, 18, "incident_status"),
    ),
    case("lone-surrogate", HEAD + 'message: "\\ud800"\n', ("yaml-surrogate", 3, 10, "message")),
    case(
        "surrogate-pair-escapes", HEAD + 'message: "\\ud83d\\ude00"\n', ("yaml-surrogate", 3, 10, "message")
    ),
    case("surrogate-in-key", HEAD + '"\\udc00": x\nmessage: m\n', ("yaml-surrogate", 3, 1, "\ufffd")),
    # --- YAML 1.1 implicit types that would surprise
    case(
        "numeric-id",
        "status_page_incident_id: 0123\nnotify_subscribers: false\nmessage: m\n",
        ("yaml-implicit-type", 1, 26, "status_page_incident_id"),
    ),
    case("float-message", HEAD + "message: 1e3\n", ("yaml-implicit-type", 3, 10, "message")),
    case("date-message", HEAD + "message: 2026-11-26\n", ("yaml-implicit-type", 3, 10, "message")),
    case("hex-message", HEAD + "message: 0x1F\n", ("yaml-implicit-type", 3, 10, "message")),
    case(
        "yes-boolean",
        f"status_page_incident_id: {ID}\nnotify_subscribers: yes\nmessage: m\n",
        ("yaml-boolean", 2, 21, "notify_subscribers"),
    ),
    case(
        "off-boolean",
        f"status_page_incident_id: {ID}\nnotify_subscribers: off\nmessage: m\n",
        ("yaml-boolean", 2, 21, "notify_subscribers"),
    ),
    case(
        "capitalised-boolean",
        f"status_page_incident_id: {ID}\nnotify_subscribers: True\nmessage: m\n",
        ("yaml-boolean", 2, 21, "notify_subscribers"),
    ),
    case("no-as-message", HEAD + "message: no\n", ("yaml-boolean", 3, 10, "message")),
    # --- the schema
    case("missing-message", HEAD, ("required", 1, 1, "message")),
    case(
        "missing-everything",
        "incident_status: monitoring\n",
        ("required", 1, 1, "message"),
        ("required", 1, 1, "notify_subscribers"),
        ("required", 1, 1, "status_page_incident_id"),
    ),
    case("unknown-field", HEAD + "mesage: m\nmessage: m\n", ("unknown-field", 3, 1, "mesage")),
    case("bad-status", HEAD + "incident_status: Resolved\nmessage: m\n", ("enum", 3, 18, "incident_status")),
    case(
        "bad-component-status",
        HEAD + f"component_statuses:\n  - component_id: {COMP}\n    component_status: degraded\nmessage: m\n",
        ("enum", 5, 23, "component_statuses[0].component_status"),
    ),
    case(
        "notify-as-text",
        f"status_page_incident_id: {ID}\nnotify_subscribers: 'true'\nmessage: m\n",
        ("type", 2, 21, "notify_subscribers"),
    ),
    case("message-as-list", HEAD + "message:\n  - a\n", ("type", 4, 3, "message")),
    case("empty-status", HEAD + "incident_status:\nmessage: m\n", ("type", 3, 17, "incident_status")),
    case("message-too-long", HEAD + "message: " + "x" * 4097 + "\n", ("max-length", 3, 10, "message")),
    case(
        "component-missing-status",
        HEAD + f"component_statuses:\n  - component_id: {COMP}\nmessage: m\n",
        ("required", 4, 5, "component_statuses[0].component_status"),
    ),
    case(
        "components-not-a-list",
        HEAD + "component_statuses: x\nmessage: m\n",
        ("type", 3, 21, "component_statuses"),
    ),
    # --- rules beyond the schema
    case(
        "resolved-with-components",
        HEAD + f"incident_status: resolved\ncomponent_statuses:\n  - component_id: {COMP}\n"
        "    component_status: operational\nmessage: m\n",
        ("resolved-with-components", 4, 1, "component_statuses"),
    ),
    case(
        "duplicate-component",
        HEAD + f"component_statuses:\n  - component_id: {COMP}\n    component_status: operational\n"
        f"  - component_id: {COMP}\n    component_status: full_outage\nmessage: m\n",
        ("duplicate-component", 6, 19, "component_statuses[1].component_id"),
    ),
    case("blank-message", HEAD + "message: '   '\n", ("blank-message", 3, 10, "message")),
    case("blank-block-message", HEAD + "message: |\n\n\n", ("blank-message", 3, 10, "message")),
    case("invisible-message", HEAD + 'message: "\\ufeff\\u200b "\n', ("blank-message", 3, 10, "message")),
    case(
        "empty-incident-id",
        "status_page_incident_id: ''\nnotify_subscribers: false\nmessage: m\n",
        ("empty-id", 1, 26, "status_page_incident_id"),
    ),
    case(
        "padded-incident-id",
        f"status_page_incident_id: ' {ID}'\nnotify_subscribers: false\nmessage: m\n",
        ("id-whitespace", 1, 26, "status_page_incident_id"),
    ),
    case(
        "padded-component-id",
        HEAD
        + f"component_statuses:\n  - component_id: '{COMP} '\n"
        + "    component_status: operational\nmessage: m\n",
        ("id-whitespace", 4, 19, "component_statuses[0].component_id"),
    ),
    # --- limits of statusfiles' own, which keep every ledger record bounded
    case(
        "too-many-components",
        HEAD
        + "component_statuses:\n"
        + "".join(f"  - {{component_id: C{n:03d}, component_status: operational}}\n" for n in range(251))
        + "message: m\n",
        ("too-many-components", 3, 1, "component_statuses"),
    ),
    case(
        "long-incident-id",
        f"status_page_incident_id: {'I' * 129}\nnotify_subscribers: false\nmessage: m\n",
        ("id-too-long", 1, 26, "status_page_incident_id"),
    ),
    case(
        "long-component-id",
        HEAD + f"component_statuses:\n  - component_id: {'C' * 129}\n    component_status: operational\n"
        "message: m\n",
        ("id-too-long", 4, 19, "component_statuses[0].component_id"),
    ),
    # --- several problems at once are all reported
    case(
        "yaml-problem-and-schema-problems",
        f"status_page_incident_id: {ID}\nnotify_subscribers: yes\nincident_status: fixed\nmesage: x\n",
        ("required", 1, 1, "message"),
        ("yaml-boolean", 2, 21, "notify_subscribers"),
        ("enum", 3, 18, "incident_status"),
        ("unknown-field", 4, 1, "mesage"),
    ),
    case(
        "duplicate-key-and-schema-problem",
        HEAD + "message: a\nmessage: b\nincident_status: fixed\n",
        ("yaml-duplicate-key", 4, 1, "message"),
        ("enum", 5, 18, "incident_status"),
    ),
    case(
        "many-problems",
        f"status_page_incident_id: {ID}\nnotify_subscribers: false\nincident_status: fixed\n"
        "message: ''\nextra: 1x\n",
        ("enum", 3, 18, "incident_status"),
        ("blank-message", 4, 10, "message"),
        ("unknown-field", 5, 1, "extra"),
    ),
    # --- the other kinds: what statusfiles fills in
    kind_case(
        "incident-update",
        "folder-update-with-incident-id",
        f"notify_subscribers: false\nstatus_page_incident_id: {ID}\nmessage: m\n",
        ("injected-field", 2, 1, "status_page_incident_id"),
    ),
    kind_case(
        "maintenance-update",
        "maintenance-update-with-window-id",
        f"notify_subscribers: false\nstatus_page_maintenance_id: {ID}\nmessage: m\n",
        ("injected-field", 2, 1, "status_page_maintenance_id"),
    ),
    kind_case(
        "incident",
        "incident-with-idempotency-key",
        INCIDENT_HEAD + "idempotency_key: mine\nmessage: m\n",
        ("injected-field", 5, 1, "idempotency_key"),
    ),
    kind_case(
        "incident-update",
        "folder-update-without-notify",
        "message: m\n",
        ("required", 1, 1, "notify_subscribers"),
    ),
    # --- incident.yaml
    kind_case(
        "incident",
        "incident-missing-name",
        f"status_page_id: {PAGE}\nincident_status: investigating\nnotify_subscribers: false\nmessage: m\n",
        ("required", 1, 1, "name"),
    ),
    kind_case(
        "incident",
        "incident-blank-name",
        f"status_page_id: {PAGE}\nname: ' '\nincident_status: investigating\nnotify_subscribers: false\n"
        "message: m\n",
        ("blank-name", 2, 7, "name"),
    ),
    kind_case(
        "incident",
        "incident-empty-page-id",
        "status_page_id: ''\nname: n\nincident_status: investigating\nnotify_subscribers: false\n"
        "message: m\n",
        ("empty-id", 1, 17, "status_page_id"),
    ),
    kind_case(
        "incident",
        "incident-resolved-with-components",
        f"status_page_id: {PAGE}\nname: n\nincident_status: resolved\nnotify_subscribers: false\n"
        f"component_statuses:\n  - component_id: {COMP}\n    component_status: operational\nmessage: m\n",
        ("resolved-with-components", 5, 1, "component_statuses"),
    ),
    kind_case(
        "incident",
        "incident-maintenance-status",
        INCIDENT_HEAD + "maintenance_status: maintenance_scheduled\nmessage: m\n",
        ("unknown-field", 5, 1, "maintenance_status"),
    ),
    # --- maintenance.yaml
    kind_case(
        "maintenance",
        "maintenance-naive-start",
        MAINTENANCE_HEAD + 'start_at: "2026-12-01T10:00:00"\nend_at: "2026-12-01T12:00:00Z"\nmessage: m\n',
        ("naive-time", 6, 11, "start_at"),
    ),
    kind_case(
        "maintenance",
        "maintenance-not-a-time",
        MAINTENANCE_HEAD + 'start_at: "Dec 1, 10am"\nend_at: "2026-12-01 12:00:00Z"\nmessage: m\n',
        ("date-time", 6, 11, "start_at"),
        ("date-time", 7, 9, "end_at"),
    ),
    kind_case(
        "maintenance",
        "maintenance-no-such-day",
        MAINTENANCE_HEAD + 'start_at: "2026-02-30T10:00:00Z"\nend_at: "2026-03-01T12:00:00Z"\nmessage: m\n',
        ("date-time", 6, 11, "start_at"),
    ),
    kind_case(
        "maintenance",
        "maintenance-offset-minutes-out-of-range",
        MAINTENANCE_HEAD
        + 'start_at: "2026-12-01T10:00:00+01:60"\nend_at: "2026-12-01T12:00:00Z"\nmessage: m\n',
        ("date-time", 6, 11, "start_at"),
    ),
    kind_case(
        "maintenance",
        "maintenance-ends-before-it-starts",
        MAINTENANCE_HEAD
        + 'start_at: "2026-12-01T10:00:00Z"\nend_at: "2026-12-01T10:30:00+01:00"\nmessage: m\n',
        ("end-before-start", 7, 9, "end_at"),
    ),
    kind_case(
        "maintenance",
        "maintenance-unquoted-time",
        MAINTENANCE_HEAD + 'start_at: 2026-12-01T10:00:00Z\nend_at: "2026-12-01T12:00:00Z"\nmessage: m\n',
        ("yaml-implicit-type", 6, 11, "start_at"),
    ),
    kind_case(
        "maintenance",
        "maintenance-missing-window",
        MAINTENANCE_HEAD + "message: m\n",
        ("required", 1, 1, "end_at"),
        ("required", 1, 1, "start_at"),
    ),
    kind_case(
        "maintenance",
        "maintenance-component-twice",
        f"status_page_id: {PAGE}\nname: n\nmaintenance_status: maintenance_scheduled\n"
        f"notify_subscribers: false\naffected_component_ids:\n  - {COMP}\n  - {COMP}\n"
        + WINDOW
        + "message: m\n",
        ("duplicate-component", 7, 5, "affected_component_ids[1]"),
    ),
    # --- updates beside maintenance.yaml
    kind_case(
        "maintenance-update",
        "maintenance-update-incident-status",
        "notify_subscribers: false\nincident_status: resolved\nmessage: m\n",
        ("unknown-field", 2, 1, "incident_status"),
    ),
    kind_case(
        "maintenance-update",
        "maintenance-update-incident-component-status",
        f"notify_subscribers: false\ncomponent_statuses:\n  - component_id: {COMP}\n"
        "    component_status: degraded_performance\nmessage: m\n",
        ("enum", 4, 23, "component_statuses[0].component_status"),
    ),
    kind_case(
        "maintenance-update",
        "complete-with-components",
        "notify_subscribers: false\nmaintenance_status: maintenance_complete\ncomponent_statuses:\n"
        f"  - component_id: {COMP}\n    component_status: operational\nmessage: m\n",
        ("complete-with-components", 3, 1, "component_statuses"),
    ),
]
