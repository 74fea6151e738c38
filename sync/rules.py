"""Rules the API enforces that its schema cannot say (from the spec's prose).

Each rule looks only at fields that already have the right type: a wrong type
is the schema's error to report, not a second one here.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sync.schema import SchemaProblem


def _id_problems(path: tuple[str | int, ...], value: Any, what: str) -> Iterator[SchemaProblem]:
    if not isinstance(value, str):
        return
    if not value.strip():
        yield SchemaProblem(path, f"{what} is empty", "empty-id")
    elif value != value.strip():
        yield SchemaProblem(path, f"{what} {value!r} has spaces around it; remove them", "id-whitespace")


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
