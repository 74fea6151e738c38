"""JSON Schema generated from the vendor's OpenAPI document, and validation against it.

The vendored OpenAPI document is the contract. :func:`generate` turns any
schema of it into a standalone JSON Schema 2020-12 document (what editors and
``check-jsonschema`` understand): every ``$ref`` lands in ``$defs``, OpenAPI-only
keywords are converted or dropped, and objects are closed so that a mistyped
key is an error rather than silently ignored.
"""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

from sync import kinds
from sync.diagnostics import did_you_mean, format_field, printable
from sync.jsonvalue import TooDeep, loads

SPEC_NAME = "openapi/openapi-status-pages-v2.json"
UPDATE_SCHEMA_NAME = "status-page-incident-update.schema.json"
UPDATE_OPERATION = ("post", "/v2/status_page_incident_updates")
UPDATE_SCHEMA_ID = "urn:statusfiles:schema:status-page-incident-update"
UPDATE_SCHEMA_TITLE = "Status page incident update (statusfile)"

DIALECT = "https://json-schema.org/draft/2020-12/schema"
_COMPONENT_PREFIX = "#/components/schemas/"

# Keywords that hold one subschema, a list of them, or a name -> subschema map.
_ONE = ("items", "additionalProperties", "not", "propertyNames", "contains", "if", "then", "else")
_MANY = ("allOf", "anyOf", "oneOf", "prefixItems")
_MAP = ("properties", "patternProperties", "dependentSchemas")
# OpenAPI 3.0 keywords with no JSON Schema meaning ("nullable" and "example" are converted).
_DROP = ("discriminator", "xml", "externalDocs", "nullable", "example")


def schemas_dir() -> Path:
    """Where the vendored spec and generated schema live: inside an installed wheel, or the checkout."""
    packaged = Path(__file__).with_name("schemas")
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "schemas"


class SpecError(Exception):
    """The OpenAPI document does not hold what the generator was asked for, or is no OpenAPI document."""


Where = tuple[str | int, ...]  # a value's place in the document: ("paths", "/v2/...", "post")


_KINDS: tuple[tuple[type, str], ...] = ((dict, "an object"), (list, "a list"), (str, "a string"))


def _shaped(value: Any, kind: type, where: Where) -> Any:
    """``value``, which must be a ``kind`` (dict, list or str): a spec of another shape is a SpecError."""
    if not isinstance(value, kind):
        wanted = dict(_KINDS)[kind]
        place = printable(format_field(where)) or "the document"
        raise SpecError(f"not an OpenAPI document: {place} is {_kind(value)}, where {wanted} is expected")
    return value


def _kind(value: Any) -> str:
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    return next((name for kind, name in _KINDS if isinstance(value, kind)), "a number")


def load_spec(path: Path | None = None) -> dict[str, Any]:
    """The OpenAPI document (the vendored one by default); SpecError or ValueError if it is none."""
    with open(path or schemas_dir() / SPEC_NAME, encoding="utf-8") as f:
        text = f.read()
    try:
        spec: dict[str, Any] = _shaped(loads(text), dict, ())
    except TooDeep:
        raise SpecError("nested too deeply to be an OpenAPI document") from None
    return spec


def request_schema_name(spec: dict[str, Any], method: str, path: str) -> str:
    """The component schema an operation takes as its JSON request body."""
    steps = ("paths", path, method, "requestBody", "content", "application/json", "schema")
    node = _shaped(spec, dict, ())
    for n, step in enumerate(steps):
        if step not in node:
            raise SpecError(f"{method.upper()} {path} has no JSON request body schema in the spec")
        node = _shaped(node[step], dict, steps[: n + 1])
    if "$ref" not in node:
        raise SpecError(f"{method.upper()} {path} has no JSON request body schema in the spec")
    return _component_name(node["$ref"], (*steps, "$ref"))


def _component_name(ref: Any, where: Where) -> str:
    if not _shaped(ref, str, where).startswith(_COMPONENT_PREFIX):
        raise SpecError(f"unsupported $ref {ref!r}: only {_COMPONENT_PREFIX}* is understood")
    return str(ref[len(_COMPONENT_PREFIX) :])


def _convert(
    node: Any, refs: list[str], strict: bool, where: Where, in_all_of: bool = False
) -> dict[str, Any]:
    node = _shaped(node, dict, where)
    if "$ref" in node:  # OpenAPI 3.0 ignores a $ref's siblings; so do we
        name = _component_name(node["$ref"], (*where, "$ref"))
        refs.append(name)
        return {"$ref": f"#/$defs/{name}"}
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key.startswith("x-") or key in _DROP:
            continue
        at = (*where, key)
        if key in _ONE and isinstance(value, dict):
            out[key] = _convert(value, refs, strict, at)
        elif key in _MANY:
            many = enumerate(_shaped(value, list, at))
            out[key] = [_convert(v, refs, strict, (*at, i), in_all_of=key == "allOf") for i, v in many]
        elif key in _MAP:
            out[key] = {k: _convert(v, refs, strict, (*at, k)) for k, v in _shaped(value, dict, at).items()}
        elif key in ("exclusiveMinimum", "exclusiveMaximum") and isinstance(value, bool):
            bound = "minimum" if key == "exclusiveMinimum" else "maximum"
            if value and bound in node:
                out[key] = node[bound]
        elif key in ("minimum", "maximum") and node.get("exclusive" + key.capitalize()) is True:
            continue  # folded into exclusiveMinimum/exclusiveMaximum above
        else:
            out[key] = copy.deepcopy(value)
    if "example" in node:
        out["examples"] = [copy.deepcopy(node["example"])]
    if node.get("nullable") is True:
        if isinstance(out.get("type"), str):
            out["type"] = [out["type"], "null"]
        if isinstance(out.get("enum"), list) and None not in out["enum"]:
            out["enum"] = [*out["enum"], None]
    # Closed objects make a typo an error. Members of allOf stay open, or no
    # instance could satisfy two closed halves of one object.
    if strict and "properties" in out and "additionalProperties" not in out and not in_all_of:
        out["additionalProperties"] = False
    return out


def generate(
    spec: dict[str, Any], name: str, *, schema_id: str, title: str, strict: bool = True
) -> dict[str, Any]:
    """A standalone JSON Schema 2020-12 document for component schema ``name`` of ``spec``.

    Raises :class:`SpecError` when the schema is missing or the document is not shaped as OpenAPI.
    """
    where: Where = ("components", "schemas")
    components = _shaped(_shaped(spec, dict, ()).get("components", {}), dict, where[:1])
    components = _shaped(components.get("schemas", {}), dict, where)
    if name not in components:
        raise SpecError(f"no schema {name!r} in the spec")
    refs: list[str] = []
    root = _convert(components[name], refs, strict, (*where, name))
    defs: dict[str, Any] = {}
    while refs:
        ref = refs.pop(0)
        if ref in defs:
            continue
        if ref not in components:
            raise SpecError(f"$ref to missing schema {ref!r}")
        defs[ref] = _convert(components[ref], refs, strict, (*where, ref))
    doc: dict[str, Any] = {
        "$schema": DIALECT,
        "$id": schema_id,
        "title": title,
        "$comment": f"Generated by `statusfiles schema` from schemas/{SPEC_NAME} ({name}). Do not edit.",
    }
    doc.update(root)
    if defs:
        doc["$defs"] = dict(sorted(defs.items()))
    return doc


def without_property(doc: dict[str, Any], name: str) -> dict[str, Any]:
    """``doc`` with top-level property ``name`` gone from ``properties``, ``required`` and the examples.

    A statusfile leaves out what statusfiles itself puts in the request body (the idempotency key,
    the ID of the incident or window its folder creates); the schema must then refuse that field
    rather than ask for it. Raises :class:`SpecError` when ``doc`` has no such property, so a
    renamed field in a new spec fails generation instead of passing silently.
    """
    if name not in doc.get("properties", {}):
        raise SpecError(f"{doc.get('title', 'the schema')} has no property {name!r} to leave out")
    out = copy.deepcopy(doc)
    del out["properties"][name]
    if isinstance(out.get("required"), list):
        out["required"] = [r for r in out["required"] if r != name]
    examples = out.get("examples")
    for example in examples if isinstance(examples, list) else ():
        if isinstance(example, dict):
            example.pop(name, None)
    return out


# NamedTuples, not dataclasses: defining a dataclass costs every run several times more start-up time.
class StatusfileSchema(NamedTuple):
    """One kind of statusfile: the request body it is, less the field statusfiles fills in."""

    file_name: str
    operation: tuple[str, str]
    schema_id: str
    title: str
    injected: str | None = None  # the property statusfiles adds when it sends the body


UPDATE = StatusfileSchema(UPDATE_SCHEMA_NAME, UPDATE_OPERATION, UPDATE_SCHEMA_ID, UPDATE_SCHEMA_TITLE)
INCIDENT = StatusfileSchema(
    "status-page-incident.schema.json",
    ("post", "/v2/status_page_incidents"),
    "urn:statusfiles:schema:status-page-incident",
    "Status page incident declaration (incident.yaml)",
    injected="idempotency_key",
)
FOLDER_UPDATE = StatusfileSchema(
    "status-page-incident-folder-update.schema.json",
    UPDATE_OPERATION,
    "urn:statusfiles:schema:status-page-incident-folder-update",
    "Update to the incident its folder declares (statusfile beside incident.yaml)",
    injected="status_page_incident_id",
)
MAINTENANCE = StatusfileSchema(
    "status-page-maintenance.schema.json",
    ("post", "/v2/status_page_maintenances"),
    "urn:statusfiles:schema:status-page-maintenance",
    "Status page maintenance window declaration (maintenance.yaml)",
    injected="idempotency_key",
)
MAINTENANCE_UPDATE = StatusfileSchema(
    "status-page-maintenance-update.schema.json",
    ("post", "/v2/status_page_maintenance_updates"),
    "urn:statusfiles:schema:status-page-maintenance-update",
    "Update to the maintenance window its folder declares (statusfile beside maintenance.yaml)",
    injected="status_page_maintenance_id",
)
STATUSFILE_SCHEMAS = (UPDATE, INCIDENT, FOLDER_UPDATE, MAINTENANCE, MAINTENANCE_UPDATE)


def schema_for(placement: kinds.Placement) -> StatusfileSchema:
    """The schema a statusfile is checked against, from its kind and whether its folder declares."""
    if placement.kind == "incident":
        return INCIDENT
    if placement.kind == "maintenance":
        return MAINTENANCE
    if placement.kind == "maintenance-update":
        return MAINTENANCE_UPDATE
    return UPDATE if placement.declaration is None else FOLDER_UPDATE


def generate_statusfile_schema(spec: dict[str, Any], which: StatusfileSchema) -> dict[str, Any]:
    name = request_schema_name(spec, *which.operation)
    doc = generate(spec, name, schema_id=which.schema_id, title=which.title)
    return without_property(doc, which.injected) if which.injected else doc


def generate_update_schema(spec: dict[str, Any]) -> dict[str, Any]:
    return generate_statusfile_schema(spec, UPDATE)


def dumps(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def generate_texts(spec: dict[str, Any]) -> list[tuple[str, str]]:
    """Each statusfile schema's file name and text, from ``spec``; SpecError when ``spec`` cannot give them.

    Converting, copying and writing out a schema all recurse: one nested deeper than Python goes (yet
    within the JSON parser's depth) is refused here, whichever step meets it.
    """
    try:
        return [(w.file_name, dumps(generate_statusfile_schema(spec, w))) for w in STATUSFILE_SCHEMAS]
    except RecursionError:
        raise SpecError("nested too deeply to be an OpenAPI document") from None


# --- validation -------------------------------------------------------------


@functools.cache
def statusfile_schema(which: StatusfileSchema) -> dict[str, Any]:
    with open(schemas_dir() / which.file_name, encoding="utf-8") as f:
        schema: dict[str, Any] = json.load(f)
    return schema


def update_schema() -> dict[str, Any]:
    return statusfile_schema(UPDATE)


class SchemaProblem(NamedTuple):  # as StatusfileSchema
    path: tuple[str | int, ...]
    message: str
    rule: str
    at_key: bool = False  # point at the key (an unknown field) rather than its value


_TYPE_NAMES = {
    "string": "text",
    "boolean": "true or false",
    "array": "a list",
    "object": "a mapping",
    "integer": "a whole number",
    "number": "a number",
    "null": "empty",
}


def _describe(value: Any) -> str:
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def _short(value: Any) -> str:
    s = json.dumps(value, ensure_ascii=False)
    return s if len(s) <= 60 else s[:57] + "..."


def explain(error: Any) -> Iterator[SchemaProblem]:
    """Turn one jsonschema ValidationError into what a person needs to fix it."""
    path = tuple(error.absolute_path)
    kind = error.validator
    instance = error.instance
    if kind == "required":
        for name in error.validator_value:
            if isinstance(instance, dict) and name not in instance:
                yield SchemaProblem((*path, name), "required field is missing", "required")
        return
    if kind == "additionalProperties":
        known = list(error.schema.get("properties", {}))
        for name in instance:
            if name not in known:
                hint = did_you_mean(name, known)
                msg = f"unknown field {name!r}"
                msg += f" (did you mean {hint!r}?)" if hint else f"; allowed fields: {', '.join(known)}"
                yield SchemaProblem((*path, name), msg, "unknown-field", at_key=True)
        return
    if kind == "enum":
        options = [o for o in error.validator_value if isinstance(o, str)]
        msg = f"{_short(instance)} is not allowed; use one of: {', '.join(options)}"
        hint = did_you_mean(instance, options)
        if hint:
            msg += f" (did you mean {hint!r}?)"
        yield SchemaProblem(path, msg, "enum")
        return
    if kind == "type":
        expected = error.validator_value
        names = [expected] if isinstance(expected, str) else list(expected)
        want = " or ".join(_TYPE_NAMES.get(n, n) for n in names)
        yield SchemaProblem(path, f"must be {want}, but is {_describe(instance)}", "type")
        return
    if kind == "maxLength":
        yield SchemaProblem(
            path, f"is {len(instance)} characters long; the limit is {error.validator_value}", "max-length"
        )
        return
    yield SchemaProblem(path, error.message, f"schema-{kind}")


# --- a compiled fast path ---------------------------------------------------
#
# Nearly every file in a run is valid, and jsonschema's general machinery
# (reference resolution, error objects) dominates validation time. The schema
# is compiled once into plain closures that only answer "valid?"; jsonschema
# runs only on files that fail, to explain why. A schema using a keyword the
# compiler does not know is never compiled: jsonschema then checks everything.

Check = Callable[[Any], bool]

_ANNOTATIONS = frozenset(
    {
        "$schema",
        "$id",
        "$comment",
        "title",
        "description",
        "examples",
        "default",
        "format",
        "readOnly",
        "writeOnly",
        "deprecated",
        "$defs",
    }
)
_PY_TYPES: dict[str, Check] = {
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "array": lambda v: isinstance(v, list),
    "object": lambda v: isinstance(v, dict),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "integer": lambda v: (
        (isinstance(v, int) and not isinstance(v, bool)) or (isinstance(v, float) and v.is_integer())
    ),
}


class _Unsupported(Exception):
    pass


def _same(a: Any, b: Any) -> bool:
    """JSON equality: true is not 1."""
    return isinstance(a, bool) == isinstance(b, bool) and a == b


def _all(checks: list[Check]) -> Check:
    """One check passing when all of ``checks`` do; a plain loop costs less than ``all`` over a generator."""
    if len(checks) == 1:
        return checks[0]
    cs = tuple(checks)

    def check(v: Any) -> bool:
        for c in cs:  # noqa: SIM110 (see the docstring)
            if not c(v):
                return False
        return True

    return check


def _always(v: Any) -> bool:
    return True


def _never(v: Any) -> bool:
    return False


def _members(props: dict[str, Check], extra: Check) -> Check:
    """``properties`` and ``additionalProperties`` of one object, in one pass over its members."""
    get = props.get

    def check(v: Any) -> bool:
        if isinstance(v, dict):
            for k, x in v.items():
                if not get(k, extra)(x):
                    return False
        return True

    return check


def _enum(options: list[Any]) -> Check:
    if options and all(isinstance(o, str) for o in options):
        allowed = frozenset(options)
        return lambda v: isinstance(v, str) and v in allowed
    return lambda v: any(_same(v, o) for o in options)


def _compile(node: Any, defs: dict[str, Check], root: dict[str, Any]) -> Check:
    if node is True:
        return _always
    if node is False:
        return _never
    if not isinstance(node, dict):
        raise _Unsupported(repr(node))
    checks = [
        check
        for key, value in node.items()
        if key not in _ANNOTATIONS and (check := _keyword(key, value, node, defs, root)) is not None
    ]
    return _all(checks) if checks else _always


def _keyword(
    key: str, value: Any, node: dict[str, Any], defs: dict[str, Check], root: dict[str, Any]
) -> Check | None:
    """One keyword of a schema object as a check (each its own scope, so closures bind this call's values).

    None for ``additionalProperties`` beside ``properties``: both are checked in one pass there.
    """
    if key == "$ref":
        if not value.startswith("#/$defs/"):
            raise _Unsupported(value)
        name = value[len("#/$defs/") :]
        if name not in defs:
            defs[name] = _never  # until compiled
            defs[name] = _compile(root["$defs"][name], defs, root)
        if defs[name] is _never:  # a recursive reference, met while compiling: looked up when used
            return lambda v: defs[name](v)
        return defs[name]
    if key == "type":
        names = [value] if isinstance(value, str) else value
        type_checks = [_PY_TYPES[n] for n in names]
        if len(type_checks) == 1:
            return type_checks[0]
        return lambda v: any(t(v) for t in type_checks)
    if key == "enum":
        return _enum(value)
    if key == "const":
        return lambda v: _same(v, value)
    if key == "maxLength":
        return lambda v: not isinstance(v, str) or len(v) <= value
    if key == "minLength":
        return lambda v: not isinstance(v, str) or len(v) >= value
    if key == "required":
        required = tuple(value)
        return lambda v: not isinstance(v, dict) or all(r in v for r in required)
    if key in ("properties", "additionalProperties"):
        if node.get("patternProperties"):
            raise _Unsupported("patternProperties")
        if key == "additionalProperties" and "properties" in node:
            return None
        props = {k: _compile(sub, defs, root) for k, sub in node.get("properties", {}).items()}
        return _members(props, _compile(node.get("additionalProperties", True), defs, root))
    if key == "items":
        item = _compile(value, defs, root)
        return lambda v: not isinstance(v, list) or all(item(x) for x in v)
    raise _Unsupported(key)


def compile_validity(schema: dict[str, Any]) -> Check | None:
    """A fast "is this valid?" for schemas in the supported subset, else None."""
    try:
        return _compile(schema, {}, schema)
    except (_Unsupported, KeyError, TypeError):
        return None


class Checker:
    """Checks data against one schema: the compiled fast path first, jsonschema only to explain failures."""

    def __init__(self, schema: dict[str, Any]) -> None:
        self.schema = schema
        self.fast = compile_validity(schema)

    @functools.cached_property
    def validator(self) -> Any:
        """jsonschema's validator, imported and built only when a file needs explaining (~0.1 s)."""
        from jsonschema import Draft202012Validator

        return Draft202012Validator(self.schema)

    def problems(self, data: Any) -> list[SchemaProblem]:
        """Every schema problem in ``data``, one per field and rule, in the order jsonschema finds them."""
        if self.fast is not None and self.fast(data):
            return []
        found = {(p.path, p.rule): p for error in self.validator.iter_errors(data) for p in explain(error)}
        # A value of the wrong type is not also "not one of" the allowed values: one problem each.
        return [p for p in found.values() if not (p.rule == "enum" and (p.path, "type") in found)]


@functools.cache
def checker(which: StatusfileSchema) -> Checker:
    """The checker for one kind of statusfile, built once, on first use."""
    return Checker(statusfile_schema(which))


def update_checker() -> Checker:
    return checker(UPDATE)


def check(data: Any, placement: kinds.Placement = kinds.ELSEWHERE) -> list[SchemaProblem]:
    """Every schema problem of a statusfile's payload, against the schema for its kind."""
    return checker(schema_for(placement)).problems(data)
