"""Every rule name a ``Diagnostic`` can carry, each with one line on what it finds.

A rule name is part of the output contract: it ends every text diagnostic, titles every GitHub annotation
and is the ``rule`` of every JSON one, so scripts and allowances match on it. This is the one list of them;
the tests check it against the rule table in docs/file-format.md, against the code, and against the
corpora. Add a rule here when you emit a new one.
"""

from __future__ import annotations

# A JSON Schema keyword without a message of its own is reported as "schema-" + the keyword (sync/schema.py).
SCHEMA_FALLBACK = "schema-<keyword>"

RULES: dict[str, str] = {
    # reading the file
    "not-utf8": "the bytes are not UTF-8 text",
    "file-too-large": "the file is larger than 128 KiB",
    "unreadable": "the file or folder cannot be read",
    "not-a-regular-file": "a symlink, FIFO, socket or device with a YAML name",
    "bad-file-name": "a file name with a control character or bytes that are not UTF-8",
    "misnamed-statusfile": "a file named almost as a statusfile (03-x.yam, x.yaml with a space after)",
    # the YAML
    "empty-file": "the file holds no YAML document",
    "yaml-multiple-documents": "the file holds more than one YAML document",
    "not-a-mapping": "the top of the file is not a mapping of field: value",
    "yaml-syntax": "the YAML does not parse",
    "yaml-duplicate-key": "a key repeated in one mapping",
    "yaml-anchor": "an anchor (&a)",
    "yaml-alias": "an alias (*a)",
    "yaml-merge-key": "a merge key (<<)",
    "yaml-tag": "an explicit tag (!!str)",
    "yaml-complex-key": "a key that is a mapping or a list",
    "yaml-too-deep": "collections nested more than 8 levels deep",
    "yaml-implicit-type": "an unquoted value YAML reads as a number or a date",
    "yaml-boolean": "a boolean written other than true or false",
    "yaml-trailing-comment": "a comment that cuts an unquoted message or name short",
    "yaml-hidden-line-break": "U+2028, U+2029 or U+0085 outside a quoted value",
    "yaml-surrogate": "an escape that makes half of a surrogate pair",
    # the JSON Schema
    "required": "a required field is missing",
    "unknown-field": "a field the request body does not have",
    "enum": "a value that is not one of the allowed ones",
    "type": "a value of the wrong type",
    "max-length": "text longer than the API allows",
    SCHEMA_FALLBACK: "any other JSON Schema keyword the value breaks",
    # the API's rules the schema cannot express (sync/rules.py)
    "resolved-with-components": "component statuses set while resolving an incident",
    "complete-with-components": "component statuses set while completing a maintenance window",
    "duplicate-component": "one component listed twice",
    "blank-message": "a message that is empty or only whitespace or invisible characters",
    "blank-name": "a name that is empty or only whitespace or invisible characters",
    "empty-id": "an ID that is empty",
    "id-whitespace": "an ID with spaces around it",
    "injected-field": "a field statusfiles fills in itself",
    "two-declarations": "a folder with both incident.yaml and maintenance.yaml",
    "misnamed-declaration": "a declaration named other than incident.yaml or maintenance.yaml exactly",
    "date-time": "a time that is not RFC 3339",
    "naive-time": "a time without a UTC offset",
    "end-before-start": "a maintenance window that ends before it starts",
    "too-many-components": "more than 250 components in one update or window",
    "id-too-long": "an ID longer than 128 characters",
    # IDs against the snapshot and the live page (sync/idcheck.py, sync/snapshot.py)
    "unknown-page": "a status page the snapshot does not have",
    "unknown-component": "a component the snapshot does not have",
    "component-of-another-page": "a component of another page than the file posts to",
    "component-not-on-page": "a component the live page does not have (sync)",
    "snapshot-invalid": "statusfiles/snapshot.json cannot be read",
    # public text (sync/lint.py)
    "secret": "a credential in public text",
    "private-address": "a private, loopback or link-local IP address in public text",
    "internal-host": "an internal host name, or a link to one, in public text",
    "mention": "a chat mention in public text",
    "raw-log": "a stack trace or log line in public text",
    "email": "a personal e-mail address in public text",
    "lint-config": "a mistake in statusfiles/.lint.yaml",
    "lint-allow": "an inline allowance that names no rule, allows a secret, or allows nothing",
    # the plan (sync/planner.py)
    "changed-after-publish": "a published statusfile whose payload changed",
    "duplicate-payload": "a new file with the payload of a published file that is gone, besides its rename",
    "out-of-order": "a new file that sorts before the last published update",
    "too-many-updates": "an incident that would exceed the API's 100 updates",
    "deleted-after-publish": "a published statusfile that is gone",
    "after-resolved": "an update to an incident already resolved by then",
    "unsettled": "an earlier sync recorded its intent to post but not the outcome",
    "notify-subscribers": "an update that e-mails every subscriber",
    "ledger-torn-line": "the ledger's last line was cut off by an interrupted write",
    "ledger-invalid": "a ledger line that cannot be trusted",
    "incident-not-found": "an incident the statusfiles post to is not on the page",
    "object-not-found": "an incident or window a declaration created is no longer on the page",
    "moved-and-edited": "a declaration whose folder moved and whose name or schedule changed at once",
    # publishing (sync/publisher.py, sync/commands/sync.py)
    "api-rejected": "the API refused a request (a 4xx)",
    "api-auth": "the API refused the key (401 or 403)",
    "api-unreachable": "a request could not be sent",
    "api-read": "reading the page failed or gave an answer that cannot be believed",
    "outcome-unknown": "a request whose outcome could not be learned",
    "held": "an update not posted again yet: an earlier post of it, outcome unknown, may still be applied",
}


def is_registered(rule: str) -> bool:
    """Whether ``rule`` is a name a Diagnostic may carry."""
    return rule in RULES or rule.startswith("schema-")
