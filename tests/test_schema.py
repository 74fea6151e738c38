"""The JSON Schema generator: general over the whole spec, faithful to it, and checked in CI."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from sync import schema
from tests.support.cli import run_cli
from tests.support.repo import REPO

SPEC = schema.load_spec()
COMPONENTS = sorted(SPEC["components"]["schemas"])
OPENAPI_ONLY = {"nullable", "example", "discriminator", "xml", "externalDocs"}


def schema_nodes(node: Any) -> Any:
    """Every subschema of a JSON Schema (not the data inside "examples" or "enum")."""
    if not isinstance(node, dict):
        return
    yield node
    for key in ("properties", "$defs", "patternProperties"):
        for sub in node.get(key, {}).values():
            yield from schema_nodes(sub)
    for key in ("items", "additionalProperties", "not"):
        yield from schema_nodes(node.get(key))
    for key in ("allOf", "anyOf", "oneOf"):
        for sub in node.get(key, []):
            yield from schema_nodes(sub)


@pytest.mark.parametrize("name", COMPONENTS)
def test_every_component_generates_a_valid_standalone_schema(name: str) -> None:
    doc = schema.generate(SPEC, name, schema_id=f"urn:test:{name}", title=name)
    Draft202012Validator.check_schema(doc)
    assert doc["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    defs = doc.get("$defs", {})
    nodes = list(schema_nodes(doc))
    assert len(nodes) > 1
    for node in nodes:
        if "$ref" in node:
            assert node["$ref"].startswith("#/$defs/") and node["$ref"][len("#/$defs/") :] in defs
        assert not {k for k in node if k in OPENAPI_ONLY or k.startswith("x-")}
        if "properties" in node:
            assert node["additionalProperties"] is False
    # the spec's own example for the schema, where it has one, validates
    example = SPEC["components"]["schemas"][name].get("example")
    if example is not None and name.startswith("StatusPagesCreate") and name.endswith("PayloadV2"):
        assert not list(Draft202012Validator(doc).iter_errors(example))


def test_conversion_of_openapi_keywords() -> None:
    spec = {
        "components": {
            "schemas": {
                "A": {
                    "type": "object",
                    "x-internal": True,
                    "example": {"n": 1},
                    "properties": {
                        "n": {"type": "integer", "nullable": True, "minimum": 0, "exclusiveMinimum": True},
                        "e": {"type": "string", "enum": ["a"], "nullable": True, "description": "kept"},
                        "b": {"$ref": "#/components/schemas/B", "description": "ignored sibling"},
                        "m": {"type": "object", "additionalProperties": {"type": "string"}},
                    },
                },
                "B": {"type": "object", "properties": {"self": {"$ref": "#/components/schemas/B"}}},
            }
        }
    }
    doc = schema.generate(spec, "A", schema_id="urn:x", title="A")
    assert "x-internal" not in doc and doc["examples"] == [{"n": 1}]
    assert doc["properties"]["n"] == {"type": ["integer", "null"], "exclusiveMinimum": 0}
    assert doc["properties"]["e"] == {"type": ["string", "null"], "enum": ["a", None], "description": "kept"}
    assert doc["properties"]["b"] == {"$ref": "#/$defs/B"}
    assert doc["properties"]["m"] == {"type": "object", "additionalProperties": {"type": "string"}}
    assert doc["additionalProperties"] is False
    assert doc["$defs"]["B"]["properties"]["self"] == {"$ref": "#/$defs/B"}  # recursion stays a reference
    with pytest.raises(schema.SpecError, match="missing schema"):
        schema.generate(
            {"components": {"schemas": {"A": {"$ref": "#/components/schemas/Z"}}}},
            "A",
            schema_id="u",
            title="t",
        )


def test_update_schema_keeps_what_editors_show() -> None:
    doc = schema.update_schema()
    assert doc["$id"] and doc["title"]
    assert set(doc["required"]) == {"status_page_incident_id", "message", "notify_subscribers"}
    props = doc["properties"]
    assert props["incident_status"]["enum"] == ["investigating", "identified", "monitoring", "resolved"]
    assert props["message"]["maxLength"] == 4096 and props["message"]["description"]
    item = doc["$defs"]["StatusPageIncidentAffectedComponentV2"]
    assert item["properties"]["component_status"]["enum"][0] == "operational"
    assert item["additionalProperties"] is False


def test_committed_schema_is_up_to_date() -> None:
    proc = run_cli("schema", "--check", cwd=REPO)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_check_fails_with_a_diff_when_stale(tmp_path: Path) -> None:
    run_cli("schema", "--out-dir", tmp_path)
    stale = tmp_path / schema.UPDATE_SCHEMA_NAME
    current = (REPO / "schemas" / schema.UPDATE_SCHEMA_NAME).read_text()
    assert stale.read_text() == current
    stale.write_text(current.replace('"maxLength": 4096', '"maxLength": 9999'))
    proc = run_cli("schema", "--check", "--out-dir", tmp_path)
    assert proc.returncode == 1
    assert '-      "maxLength": 9999,' in proc.stdout and '+      "maxLength": 4096,' in proc.stdout
    assert "out of date" in proc.stderr and schema.UPDATE_SCHEMA_NAME in proc.stderr
    assert schema.INCIDENT.file_name not in proc.stderr  # only the stale one is named
    assert stale.read_text() != current  # --check writes nothing

    proc = run_cli("schema", "--out-dir", tmp_path)
    assert proc.returncode == 0 and stale.read_text() == current
    assert run_cli("schema", "--check", "--out-dir", tmp_path).returncode == 0


def test_check_fails_when_a_kind_schema_is_missing(tmp_path: Path) -> None:
    run_cli("schema", "--out-dir", tmp_path)
    (tmp_path / schema.MAINTENANCE.file_name).unlink()
    proc = run_cli("schema", "--check", "--out-dir", tmp_path)
    assert proc.returncode == 1 and schema.MAINTENANCE.file_name in proc.stderr


def test_every_kind_has_its_committed_schema() -> None:
    names = {w.file_name for w in schema.STATUSFILE_SCHEMAS}
    assert len(names) == 5
    for name in names:
        assert (REPO / "schemas" / name).is_file(), name


@pytest.mark.parametrize(
    ("which", "dropped", "required"),
    [
        (
            schema.INCIDENT,
            "idempotency_key",
            {"status_page_id", "name", "incident_status", "message", "notify_subscribers"},
        ),
        (schema.FOLDER_UPDATE, "status_page_incident_id", {"message", "notify_subscribers"}),
        (
            schema.MAINTENANCE,
            "idempotency_key",
            {
                "status_page_id",
                "name",
                "maintenance_status",
                "affected_component_ids",
                "start_at",
                "end_at",
                "message",
                "notify_subscribers",
            },
        ),
        (schema.MAINTENANCE_UPDATE, "status_page_maintenance_id", {"message", "notify_subscribers"}),
    ],
)
def test_kind_schemas_leave_out_what_statusfiles_injects(
    which: schema.StatusfileSchema, dropped: str, required: set[str]
) -> None:
    doc = schema.statusfile_schema(which)
    spec_name = schema.request_schema_name(SPEC, *which.operation)
    spec_props = set(SPEC["components"]["schemas"][spec_name]["properties"])
    assert set(doc["properties"]) == spec_props - {dropped}
    assert set(doc["required"]) == required
    assert doc["additionalProperties"] is False
    # the spec's example, less the injected field, is a valid statusfile of this kind
    (example,) = doc["examples"]
    assert dropped not in example
    assert not list(Draft202012Validator(doc).iter_errors(example))
    assert list(Draft202012Validator(doc).iter_errors({**example, dropped: "x"}))


def test_leaving_out_a_property_the_spec_lacks_is_an_error() -> None:
    doc = schema.generate(SPEC, "StatusPagesCreateStatusPageIncidentPayloadV2", schema_id="u", title="t")
    with pytest.raises(schema.SpecError, match="no property 'idempotency_keys'"):
        schema.without_property(doc, "idempotency_keys")
    kept = schema.without_property(doc, "name")
    assert "name" not in kept["properties"] and "name" not in kept["required"]
    assert "name" in doc["properties"]  # the input is not changed


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.text(max_size=5)
    | st.sampled_from(["investigating", "resolved", "operational", "full_outage", "x" * 4097]),
    lambda c: (
        st.lists(c, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                [
                    "status_page_incident_id",
                    "message",
                    "notify_subscribers",
                    "incident_status",
                    "component_statuses",
                    "component_id",
                    "component_status",
                    "other",
                ]
            ),
            c,
            max_size=6,
        )
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_compiled_fast_path_agrees_with_jsonschema(value: Any) -> None:
    """The fast validity check may only ever skip jsonschema for documents jsonschema accepts."""
    fast = schema.compile_validity(schema.update_schema())
    assert fast is not None
    assert fast(value) == schema.update_checker().validator.is_valid(value)


def test_unsupported_keyword_falls_back_to_jsonschema() -> None:
    assert schema.compile_validity({"type": "string", "pattern": "^a"}) is None


def _spec(schema_a: str) -> str:
    """A spec whose update and incident operations both take component schema A, given as JSON text."""
    body = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/A"}}}}
    paths = {
        path: {"post": {"requestBody": body}}
        for path in ("/v2/status_page_incident_updates", "/v2/status_page_incidents")
    }
    return json.dumps({"paths": paths, "components": {"schemas": {"A": "A"}}}).replace(
        '"A"}}', schema_a + "}}"
    )


_UPDATES = "paths./v2/status_page_incident_updates"
# Within the JSON parser's depth, deeper than generating, copying and writing a schema recurse.
_DEEP_SCHEMA = '{"items": ' * 600 + '{"type": "string"}' + ', "properties": {"idempotency_key": {}}}' * 600

WRONG_SHAPES = {
    "a-list": ("[]", "not an OpenAPI document: the document is a list, where an object is expected"),
    "paths-a-list": (
        '{"paths": []}',
        "not an OpenAPI document: paths is a list, where an object is expected",
    ),
    "no-paths": ("{}", "POST /v2/status_page_incident_updates has no JSON request body schema in the spec"),
    "operation-null": (
        '{"paths": {"/v2/status_page_incident_updates": {"post": null}}}',
        f"not an OpenAPI document: {_UPDATES}.post is null, where an object is expected",
    ),
    "ref-a-number": (
        _spec("{}").replace('"#/components/schemas/A"', "5"),
        f"not an OpenAPI document: {_UPDATES}.post.requestBody.content.application/json.schema.$ref "
        "is a number, where a string is expected",
    ),
    "components-a-list": (
        _spec("{}").replace('{"schemas": {"A": {}}}', "[]"),
        "not an OpenAPI document: components is a list, where an object is expected",
    ),
    "properties-a-list": (
        _spec('{"properties": []}'),
        "not an OpenAPI document: components.schemas.A.properties is a list, where an object is expected",
    ),
    "a-property-a-number": (
        _spec('{"properties": {"message": 5}}'),
        "not an OpenAPI document: components.schemas.A.properties.message is a number, "
        "where an object is expected",
    ),
    "all-of-an-object": (
        _spec('{"allOf": {"type": "object"}}'),
        "not an OpenAPI document: components.schemas.A.allOf is an object, where a list is expected",
    ),
    "nullable-enum-a-number": (  # the update's schema is made; the incident's then lacks its key
        _spec('{"type": "string", "nullable": true, "enum": 5}'),
        "Status page incident declaration (incident.yaml) has no property 'idempotency_key' to leave out",
    ),
    "nested-past-the-parser": ("[" * 100_000 + "]" * 100_000, "nested too deeply to be an OpenAPI document"),
    "nested-past-the-generator": (_spec(_DEEP_SCHEMA), "nested too deeply to be an OpenAPI document"),
}


@pytest.mark.parametrize(("spec", "message"), WRONG_SHAPES.values(), ids=WRONG_SHAPES.keys())
def test_a_spec_of_the_wrong_shape_is_a_one_line_error(tmp_path: Path, spec: str, message: str) -> None:
    (tmp_path / "spec.json").write_text(spec)
    proc = run_cli("schema", "--spec", tmp_path / "spec.json", "--out-dir", tmp_path / "out")
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr == f"Error: {tmp_path / 'spec.json'}: {message}\n"
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("check", [[], ["--check"]], ids=["write", "check"])
@pytest.mark.parametrize("special", ["folder", "fifo"])
def test_a_schema_path_that_is_not_a_file_is_an_error_not_read(
    tmp_path: Path, special: str, check: list[str]
) -> None:
    target = tmp_path / schema.UPDATE_SCHEMA_NAME
    if special == "folder":
        target.mkdir()
    else:
        os.mkfifo(target)  # reading it would wait for a writer for ever
    proc = run_cli("schema", "--out-dir", tmp_path, *check, timeout=30)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert f"Error: {target} is not a regular file: remove it" in proc.stderr
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr
    assert target.is_dir() if special == "folder" else target.is_fifo()


def test_a_spec_that_is_not_a_regular_file_is_not_called_missing(tmp_path: Path) -> None:
    proc = run_cli("schema", "--spec", "/dev/null", "--out-dir", tmp_path)
    assert proc.returncode == 2
    assert "/dev/null is not a regular file: pass --spec" in proc.stderr


def test_a_schema_folder_that_cannot_be_made_is_an_error_not_a_crash(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.symlink_to(tmp_path / "gone" / "schemas")  # dangling: nothing to read, and no folder can be made
    proc = run_cli("schema", "--out-dir", out)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert proc.stderr.startswith(f"Error: cannot write {out / schema.UPDATE_SCHEMA_NAME}: "), proc.stderr
    assert "internal error" not in proc.stderr and not out.exists()
