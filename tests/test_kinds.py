"""The kind of each statusfile follows from its name and its folder."""

from __future__ import annotations

import pytest

from sync import kinds


def _place(rel: str, tree: list[str]) -> kinds.Placement:
    return kinds.place(rel, kinds.declarations(tree))


TREE = [
    "2026-11-27-api/incident.yaml",
    "2026-11-27-api/01-identified.yaml",
    "2026-11-27-api/later/01-x.yaml",
    "2026-12-01-db/maintenance.yaml",
    "2026-12-01-db/01-started.yaml",
    "2026-11-25-eu/01-investigating.yaml",
    "top.yaml",
]


@pytest.mark.parametrize(
    ("rel", "kind", "declaration"),
    [
        ("2026-11-27-api/incident.yaml", "incident", "2026-11-27-api/incident.yaml"),
        ("2026-11-27-api/01-identified.yaml", "incident-update", "2026-11-27-api/incident.yaml"),
        ("2026-11-27-api/later/01-x.yaml", "incident-update", None),
        ("2026-12-01-db/maintenance.yaml", "maintenance", "2026-12-01-db/maintenance.yaml"),
        ("2026-12-01-db/01-started.yaml", "maintenance-update", "2026-12-01-db/maintenance.yaml"),
        ("2026-11-25-eu/01-investigating.yaml", "incident-update", None),
        ("top.yaml", "incident-update", None),
    ],
)
def test_a_file_is_placed_by_its_name_and_folder(rel: str, kind: str, declaration: str | None) -> None:
    placement = _place(rel, TREE)
    assert (placement.kind, placement.declaration) == (kind, declaration)
    assert placement.declares == (kind in ("incident", "maintenance"))


def test_a_folder_with_both_declarations_is_an_incident_folder() -> None:
    tree = ["x/maintenance.yaml", "x/incident.yaml", "x/01.yaml"]
    assert kinds.declarations(tree) == {"x": ["x/incident.yaml", "x/maintenance.yaml"]}
    assert _place("x/01.yaml", tree) == kinds.Placement("incident-update", "x/incident.yaml")


def test_the_idempotency_key_depends_on_kind_page_and_folder_only() -> None:
    key = kinds.idempotency_key("incident", "PAGE", "2026-11-27-api")
    assert key == kinds.idempotency_key("incident", "PAGE", "2026-11-27-api")
    assert key.startswith("statusfiles-incident-")
    others = {
        kinds.idempotency_key("maintenance", "PAGE", "2026-11-27-api"),
        kinds.idempotency_key("incident", "OTHER", "2026-11-27-api"),
        kinds.idempotency_key("incident", "PAGE", "2026-11-27-api2"),
    }
    assert key not in others and len(others) == 3
