"""Request-body and query checks: each operation's schema from the vendored spec, plus the spec's prose.

Bodies are checked with the schema generated from the spec, loosened as the
real API is (unknown fields are ignored), plus :mod:`sync.rules` where the
spec's prose applies.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from sync import rules
from sync.jsonvalue import TooDeep, loads
from sync.rules import schedule_problems
from sync.sandbox.refusals import ErrorSingle, Refusal
from sync.sandbox.statuses import COMPLETE
from sync.schema import UPDATE_OPERATION, Checker, SchemaProblem, generate, load_spec, request_schema_name

CREATE_INCIDENT_OPERATION = ("post", "/v2/status_page_incidents")
RENAME_INCIDENT_OPERATION = ("put", "/v2/status_page_incidents/{status_page_incident_id}")
CREATE_MAINTENANCE_OPERATION = ("post", "/v2/status_page_maintenances")
RESCHEDULE_MAINTENANCE_OPERATION = ("put", "/v2/status_page_maintenances/{status_page_maintenance_id}")
MAINTENANCE_UPDATE_OPERATION = ("post", "/v2/status_page_maintenance_updates")

DEFAULT_PAGE_SIZE = 25
MAX_PAGE_SIZE = 250

# The API error code for each rule of sync.schema.explain; any other rule is an invalid value.
_CODES = {
    "required": "is_required",
    "type": "invalid_type",
    "max-length": "too_long",
    "enum": "invalid_value",
}


Prose = Callable[[dict[str, Any]], Iterable[SchemaProblem]]


def _create_maintenance_problems(body: dict[str, Any]) -> Iterator[SchemaProblem]:
    yield from schedule_problems(body)
    ids = body.get("affected_component_ids")
    if isinstance(ids, list):
        for i, cid in enumerate(ids):
            if isinstance(cid, str) and cid in ids[:i]:
                message = (
                    f"component {cid!r} is already listed at [{ids.index(cid)}]; list each component once"
                )
                yield SchemaProblem(("affected_component_ids", i), message, "duplicate-component")


def _maintenance_update_problems(body: dict[str, Any]) -> Iterator[SchemaProblem]:
    # The incident update's rules that are not about incidents: a blank message, a component listed twice.
    yield from (p for p in rules.check(body) if p.rule != "resolved-with-components")
    window = body.get("status_page_maintenance_id")
    if isinstance(window, str) and not window.strip():
        yield SchemaProblem(("status_page_maintenance_id",), "the maintenance window ID is empty", "empty-id")
    if body.get("maintenance_status") == COMPLETE and "component_statuses" in body:
        message = (
            "must not be set when maintenance_status is maintenance_complete: "
            "completing sets every component to operational"
        )
        yield SchemaProblem(("component_statuses",), message, "complete-with-components")


class BodyCheck:
    """One operation's request-body checks: its OpenAPI schema, open to unknown fields as the API is, and
    the rules the spec states in prose."""

    def __init__(self, spec: dict[str, Any], operation: tuple[str, str], prose: Prose | None = None) -> None:
        name = request_schema_name(spec, *operation)
        schema = generate(spec, name, schema_id=f"urn:statusfiles:sandbox:{name}", title=name, strict=False)
        self._checker = Checker(schema)
        self._prose = prose

    def problems(self, body: Any) -> list[ErrorSingle]:
        found = self._checker.problems(body)
        if self._prose is not None and isinstance(body, dict):
            found += self._prose(body)
        return [ErrorSingle(_CODES.get(p.rule, "invalid_value"), p.message, p.path) for p in found]


@functools.cache
def body_checks() -> dict[tuple[str, str], BodyCheck]:
    spec = load_spec()
    return {
        UPDATE_OPERATION: BodyCheck(spec, UPDATE_OPERATION, rules.check),
        CREATE_INCIDENT_OPERATION: BodyCheck(spec, CREATE_INCIDENT_OPERATION),
        RENAME_INCIDENT_OPERATION: BodyCheck(spec, RENAME_INCIDENT_OPERATION),
        CREATE_MAINTENANCE_OPERATION: BodyCheck(
            spec, CREATE_MAINTENANCE_OPERATION, _create_maintenance_problems
        ),
        RESCHEDULE_MAINTENANCE_OPERATION: BodyCheck(
            spec, RESCHEDULE_MAINTENANCE_OPERATION, schedule_problems
        ),
        MAINTENANCE_UPDATE_OPERATION: BodyCheck(
            spec, MAINTENANCE_UPDATE_OPERATION, _maintenance_update_problems
        ),
    }


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_json(body: bytes) -> Any:
    try:
        return loads(body, parse_constant=_no_constants)
    except TooDeep:
        raise Refusal(
            400, [ErrorSingle("invalid_json", "the request body is nested too deeply to be read")]
        ) from None
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError are both ValueErrors
        raise Refusal(
            400, [ErrorSingle("invalid_json", f"the request body is not valid JSON: {exc}")]
        ) from None


def valid_body(body: bytes, operation: tuple[str, str]) -> dict[str, Any]:
    """The request body as JSON, refused with every problem the operation's checks find."""
    data = parse_json(body)
    problems = body_checks()[operation].problems(data)
    if problems:
        raise Refusal(422, problems)
    result: dict[str, Any] = data
    return result


def page_size(query: dict[str, str]) -> int:
    raw = query.get("page_size", "")
    if raw == "":
        return DEFAULT_PAGE_SIZE
    if not re.fullmatch(r"-?[0-9]+", raw):
        raise Refusal(422, [ErrorSingle("invalid_type", f"{raw!r} is not a whole number", ("page_size",))])
    size = int(raw)
    if not 1 <= size <= MAX_PAGE_SIZE:
        message = f"{size} is out of range: use 1 to {MAX_PAGE_SIZE}"
        raise Refusal(422, [ErrorSingle("invalid_value", message, ("page_size",))])
    return size
