"""The JSON Schema generator: general over the whole spec, faithful to it, and checked in CI."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from helpers import REPO, run_cli
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from sync import schema

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
    stale = tmp_path / "schema.json"
    current = (REPO / "schemas" / schema.UPDATE_SCHEMA_NAME).read_text()
    stale.write_text(current.replace('"maxLength": 4096', '"maxLength": 9999'))
    proc = run_cli("schema", "--check", "--output", stale)
    assert proc.returncode == 1
    assert '-      "maxLength": 9999,' in proc.stdout and '+      "maxLength": 4096,' in proc.stdout
    assert "out of date" in proc.stderr
    assert stale.read_text() != current  # --check writes nothing

    proc = run_cli("schema", "--output", stale)
    assert proc.returncode == 0 and stale.read_text() == current
    assert run_cli("schema", "--check", "--output", stale).returncode == 0


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
