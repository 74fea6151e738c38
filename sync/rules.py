"""Rules the API enforces that its schema cannot say (from the spec's prose), and statusfiles' own limits.

Each rule looks only at fields that already have the right type: a wrong type
is the schema's error to report, not a second one here.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sync.schema import SchemaProblem

# statusfiles' own limits (the API documents none besides the message's 4096 characters). They keep every
# ledger record and plan entry bounded, and are far beyond any real update: an incident's components are
# listed per update, and IDs are 26 characters today (the API may change their length, so the cap is wide).
MAX_COMPONENTS = 250
MAX_ID_LENGTH = 128


def _id_problems(path: tuple[str | int, ...], value: Any, what: str) -> Iterator[SchemaProblem]:
    if not isinstance(value, str):
        return
    if not value.strip():
        yield SchemaProblem(path, f"{what} is empty", "empty-id")
    elif value != value.strip():
        yield SchemaProblem(path, f"{what} {value!r} has spaces around it; remove them", "id-whitespace")


def limits(data: dict[str, Any]) -> Iterator[SchemaProblem]:
    """Problems with statusfiles' own limits (the sandbox, standing in for the API, does not apply them)."""
    ids = [(("status_page_incident_id",), data.get("status_page_incident_id"), "the incident ID")]
    components = data.get("component_statuses")
    if isinstance(components, list):
        if len(components) > MAX_COMPONENTS:
            yield SchemaProblem(
                ("component_statuses",),
                f"lists {len(components)} components; an update sets at most {MAX_COMPONENTS} (statusfiles' "
                "limit): split it into several updates",
                "too-many-components",
                at_key=True,
            )
        ids += [
            (("component_statuses", i, "component_id"), item.get("component_id"), "the component ID")
            for i, item in enumerate(components)
            if isinstance(item, dict)
        ]
    for path, value, what in ids:
        if isinstance(value, str) and len(value) > MAX_ID_LENGTH:
            yield SchemaProblem(
                path,
                f"{what} is {len(value)} characters long; IDs are at most {MAX_ID_LENGTH} (statusfiles' "
                "limit): check that only the ID was pasted",
                "id-too-long",
            )


def check(data: dict[str, Any]) -> Iterator[SchemaProblem]:
    yield from _id_problems(
        ("status_page_incident_id",), data.get("status_page_incident_id"), "the incident ID"
    )

    message = data.get("message")
    if isinstance(message, str) and not message.strip():
        yield SchemaProblem(("message",), "is blank; say what changed", "blank-message")

    components = data.get("component_statuses")
    if data.get("incident_status") == "resolved" and "component_statuses" in data:
        yield SchemaProblem(
            ("component_statuses",),
            "must not be set when incident_status is resolved: resolving sets every component to operational",
            "resolved-with-components",
            at_key=True,
        )
    if isinstance(components, list):
        first_seen: dict[str, int] = {}
        for i, item in enumerate(components):
            if not isinstance(item, dict):
                continue
            cid = item.get("component_id")
            yield from _id_problems(("component_statuses", i, "component_id"), cid, "the component ID")
            if not isinstance(cid, str):
                continue
            if cid in first_seen:
                yield SchemaProblem(
                    ("component_statuses", i, "component_id"),
                    f"component {cid!r} is already listed at component_statuses[{first_seen[cid]}]; "
                    "list each component once",
                    "duplicate-component",
                )
            else:
                first_seen[cid] = i
