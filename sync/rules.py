"""Rules the API enforces that its schema cannot say (from the spec's prose), and statusfiles' own.

Each rule looks only at fields that already have the right type: a wrong type
is the schema's error to report, not a second one here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from sync import kinds
from sync.schema import SchemaProblem
from sync.timefmt import rfc3339

EXAMPLE_TIME = "2026-12-01T10:00:00Z"

# statusfiles' own limits (the API documents none besides the message's 4096 characters). They keep every
# ledger record and plan entry bounded, and are far beyond any real update: an incident's components are
# listed per update, and IDs are 26 characters today (the API may change their length, so the cap is wide).
MAX_COMPONENTS = 250
MAX_ID_LENGTH = 128

# What statusfiles puts into each kind's request body itself, and why a file must not.
_INJECTED = {
    "incident": ("idempotency_key", "statusfiles derives the idempotency key from the page and this folder"),
    "maintenance": (
        "idempotency_key",
        "statusfiles derives the idempotency key from the page and this folder",
    ),
    "incident-update": (
        "status_page_incident_id",
        "this folder's updates go to the incident {declaration} creates, whose ID statusfiles fills in",
    ),
    "maintenance-update": (
        "status_page_maintenance_id",
        "this folder's updates go to the maintenance window {declaration} creates, "
        "whose ID statusfiles fills in",
    ),
}


def _id_problems(path: tuple[str | int, ...], value: Any, what: str) -> Iterator[SchemaProblem]:
    if not isinstance(value, str):
        return
    if not value.strip():
        yield SchemaProblem(path, f"{what} is empty", "empty-id")
    elif value != value.strip():
        yield SchemaProblem(path, f"{what} {value!r} has spaces around it; remove them", "id-whitespace")


# Characters that show nothing: whitespace, and the invisible format characters (a byte order mark, zero-width
# spaces and joiners, direction marks, a soft hyphen, variation selectors, tag characters: Unicode's default
# ignorable code points, but for the shorthand and musical format controls, which cost every scan a step) that
# an editor or a paste can leave in a message; the body of a character class.
INVISIBLE = (
    r"\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u206f"
    r"\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufff8\U000e0000-\U000e0fff"
)
_VISIBLE = re.compile(rf"[^\s{INVISIBLE}]")


def _blank(data: dict[str, Any], field: str, rule: str, hint: str) -> Iterator[SchemaProblem]:
    value = data.get(field)
    if isinstance(value, str) and not _VISIBLE.search(value):
        yield SchemaProblem((field,), f"is blank; {hint}", rule)


def schedule_problems(data: dict[str, Any]) -> Iterator[SchemaProblem]:
    """``start_at`` and ``end_at``: RFC 3339 times with an offset, the end after the start."""
    times: dict[str, datetime] = {}
    for field in ("start_at", "end_at"):
        value = data.get(field)
        if not isinstance(value, str):
            continue  # missing or not text: the schema says so
        at = rfc3339(value)
        if at is None:
            message = f"{value!r} is not an RFC 3339 date and time; write it like {EXAMPLE_TIME}"
            yield SchemaProblem((field,), message, "date-time")
        elif at.tzinfo is None:
            message = (
                f"{value!r} has no UTC offset, so its zone is unknown: write {value}Z for UTC, "
                f"or the zone's offset, like {value}+01:00"
            )
            yield SchemaProblem((field,), message, "naive-time")
        else:
            times[field] = at
    if len(times) == 2 and times["end_at"] <= times["start_at"]:
        yield SchemaProblem(("end_at",), f"must be after start_at ({data['start_at']})", "end-before-start")


def _listed_once(ids: Sequence[tuple[tuple[str | int, ...], Any]], listing: str) -> Iterator[SchemaProblem]:
    """Component IDs (each with its path) are well formed and each listed once in ``listing``."""
    first_seen: dict[str, str | int] = {}
    for path, cid in ids:
        yield from _id_problems(path, cid, "the component ID")
        if not isinstance(cid, str):
            continue
        if cid in first_seen:
            yield SchemaProblem(
                path,
                f"component {cid!r} is already listed at {listing}[{first_seen[cid]}]; "
                "list each component once",
                "duplicate-component",
            )
        else:
            first_seen[cid] = path[1]  # the index in the list


def _component_ids(data: dict[str, Any]) -> Iterator[SchemaProblem]:
    components = data.get("component_statuses")
    if isinstance(components, list):
        ids = [
            (("component_statuses", i, "component_id"), item.get("component_id"))
            for i, item in enumerate(components)
            if isinstance(item, dict)
        ]
        yield from _listed_once(ids, "component_statuses")
    affected = data.get("affected_component_ids")
    if isinstance(affected, list):
        yield from _listed_once(
            [(("affected_component_ids", i), cid) for i, cid in enumerate(affected)], "affected_component_ids"
        )


def _ends_with_components(
    data: dict[str, Any], field: str, final: str, ending: str, rule: str
) -> Iterator[SchemaProblem]:
    if data.get(field) == final and "component_statuses" in data:
        yield SchemaProblem(
            ("component_statuses",),
            f"must not be set when {field} is {final}: {ending} sets every component to operational",
            rule,
            at_key=True,
        )


def limits(data: dict[str, Any]) -> Iterator[SchemaProblem]:
    """Problems with statusfiles' own limits (the sandbox, standing in for the API, does not apply them)."""
    ids: list[tuple[tuple[str | int, ...], Any, str]] = [
        (("status_page_incident_id",), data.get("status_page_incident_id"), "the incident ID"),
        (("status_page_id",), data.get("status_page_id"), "the status page ID"),
    ]
    for listing in ("component_statuses", "affected_component_ids"):
        items = data.get(listing)
        if not isinstance(items, list):
            continue
        if len(items) > MAX_COMPONENTS:
            most = (
                f"an update sets at most {MAX_COMPONENTS} (statusfiles' limit): split it into several updates"
                if listing == "component_statuses"
                else f"a window affects at most {MAX_COMPONENTS} (statusfiles' limit)"
            )
            yield SchemaProblem(
                (listing,), f"lists {len(items)} components; {most}", "too-many-components", at_key=True
            )
        for i, item in enumerate(items):
            if listing == "affected_component_ids":
                ids.append(((listing, i), item, "the component ID"))
            elif isinstance(item, dict):
                ids.append(((listing, i, "component_id"), item.get("component_id"), "the component ID"))
    for path, value, what in ids:
        if isinstance(value, str) and len(value) > MAX_ID_LENGTH:
            yield SchemaProblem(
                path,
                f"{what} is {len(value)} characters long; IDs are at most {MAX_ID_LENGTH} (statusfiles' "
                "limit): check that only the ID was pasted",
                "id-too-long",
            )


def injected_field(placement: kinds.Placement) -> str | None:
    """The field statusfiles fills in for a file of this placement (None: the file names its incident)."""
    if placement.declaration is None:
        return None
    return _INJECTED[placement.kind][0]


def check(data: dict[str, Any], placement: kinds.Placement = kinds.ELSEWHERE) -> Iterator[SchemaProblem]:
    kind = placement.kind
    injected = injected_field(placement)
    if injected is not None and injected in data:
        whose = _INJECTED[kind][1].format(declaration=placement.declaration)
        yield SchemaProblem(
            (injected,),
            f"{whose}: remove this line",
            "injected-field",
            at_key=True,
        )

    yield from _id_problems(
        ("status_page_incident_id",), data.get("status_page_incident_id"), "the incident ID"
    )
    yield from _id_problems(("status_page_id",), data.get("status_page_id"), "the status page ID")
    yield from _blank(data, "message", "blank-message", "say what changed")
    yield from _blank(data, "name", "blank-name", "give the title subscribers will see")

    if kind in ("incident", "incident-update"):
        yield from _ends_with_components(
            data, "incident_status", "resolved", "resolving", "resolved-with-components"
        )
    else:
        yield from _ends_with_components(
            data, "maintenance_status", "maintenance_complete", "completing", "complete-with-components"
        )
    if kind == "maintenance":
        yield from schedule_problems(data)
    yield from _component_ids(data)
