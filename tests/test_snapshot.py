"""The snapshot of pages and components: lookups, a deterministic file, and located errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sync import snapshot
from sync.diagnostics import StatusfileError
from sync.snapshot import Component, Page, Snapshot

CLOUD, INTERNAL = "P-CLOUD", "P-INTERNAL"


def _sample() -> Snapshot:
    return snapshot.build(
        [Page(INTERNAL, "Acme Internal"), Page(CLOUD, "Acme Cloud")],
        {
            CLOUD: [
                Component("C-API", "Public API", None, CLOUD),
                Component("C-EU", "Europe", "Dashboards", CLOUD),
                Component("C-US", "US", "Dashboards", CLOUD),
                Component("C-EU2", "Europe", "Webhooks", CLOUD),
            ],
            INTERNAL: [Component("C-VPN", "VPN", "Office", INTERNAL, sub_page="Staff")],
        },
    )


def test_lookups_by_id_and_by_name() -> None:
    snap = _sample()
    assert snap.page_name(CLOUD) == "Acme Cloud"
    assert snap.page_name("nope") is None
    assert snap.component_name("C-US") == "US"
    assert snap.find_page("acme cloud") == Page(CLOUD, "Acme Cloud")
    assert snap.find_page(INTERNAL) == Page(INTERNAL, "Acme Internal")
    assert snap.find_page("Acme") is None
    assert snap.find_component(CLOUD, "public api") == snap.component("C-API")
    assert snap.find_component(CLOUD, "C-US") == snap.component("C-US")
    # A component of another page is not found on this one, by ID or by name.
    assert snap.find_component(CLOUD, "C-VPN") is None
    assert snap.find_component(CLOUD, "VPN") is None
    # Two components share a name: only "Group / Name" tells them apart.
    assert snap.find_component(CLOUD, "Europe") is None
    assert snap.find_component(CLOUD, "Webhooks / Europe") == snap.component("C-EU2")
    assert snap.find_component(INTERNAL, "Staff / Office / VPN") == snap.component("C-VPN")


def test_the_file_is_sorted_one_component_per_line_and_reads_back() -> None:
    snap = _sample()
    text = snap.to_json()
    assert json.loads(text)["version"] == snapshot.FORMAT_VERSION
    assert [p["name"] for p in json.loads(text)["pages"]] == ["Acme Cloud", "Acme Internal"]
    assert '        {"id": "C-EU", "name": "Europe", "group": "Dashboards"},\n' in text
    assert '{"id": "C-VPN", "name": "VPN", "group": "Office", "sub_page": "Staff"}\n' in text
    again = snapshot.parse(text.encode(), "snapshot.json")
    assert again == snap
    assert again.to_json() == text
    # The order things arrive in does not change a byte.
    shuffled = Snapshot(tuple(reversed(snap.pages)), tuple(reversed(snap.components)))
    assert shuffled.to_json() == text


def test_an_absent_snapshot_is_none(tmp_path: Path) -> None:
    assert snapshot.read(tmp_path) is None
    (tmp_path / "snapshot.json").write_text(Snapshot().to_json())
    assert snapshot.read(tmp_path) == Snapshot()


def _problem(text: str) -> tuple[int, int, str, str]:
    with pytest.raises(StatusfileError) as info:
        snapshot.parse(text.encode(), "statusfiles/snapshot.json")
    (d,) = info.value.diagnostics
    assert d.file == "statusfiles/snapshot.json" and d.rule == "snapshot-invalid"
    return d.line, d.column, d.field, d.message


def test_a_malformed_snapshot_names_its_line() -> None:
    good = _sample().to_json()
    broken = good.replace('"name": "US"', '"name": 7')
    line = next(i for i, t in enumerate(broken.splitlines(), 1) if '"name": 7' in t)
    assert _problem(broken)[:3] == (
        line,
        broken.splitlines()[line - 1].index("7") + 1,
        "pages[0].components[2].name",
    )
    assert _problem('{"version": 1,\n "pages": [}')[:2] == (2, 12)
    assert "not valid JSON" in _problem('{"version": 1,\n "pages": [}')[3]
    assert _problem('{"version": 1}')[2] == "pages"
    newer = _problem('{"version": 2, "pages": []}')
    assert newer[2] == "version" and "upgrade statusfiles" in newer[3]
    dup = good.replace('"id": "C-US"', '"id": "C-EU"')
    assert "listed twice" in _problem(dup)[3]
    assert "not UTF-8" in _problem_bytes(b'{"version": 1,\n"pages": ["\xff"]}')


def _problem_bytes(data: bytes) -> str:
    with pytest.raises(StatusfileError) as info:
        snapshot.parse(data, "snapshot.json")
    assert info.value.diagnostics[0].line == 2
    return info.value.diagnostics[0].message
