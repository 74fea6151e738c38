"""IDs checked against the snapshot, offline: each case a tree of statusfiles and exactly the diagnostics
(file, rule, line, column, field) `validate` gives for it, with the "did you mean" it suggests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from sync import idcheck, snapshot
from sync.sandbox import seed
from sync.snapshot import Component, Page
from sync.statusfile import discover, load_all
from tests.support.cli import run_cli, run_json

CLOUD, INTERNAL = seed.STATUS_PAGE_ID, seed.INTERNAL_PAGE_ID
API, WEBHOOKS, EU, VPN = seed.PUBLIC_API_ID, seed.WEBHOOKS_ID, seed.DASHBOARD_EU_ID, seed.VPN_ID
INCIDENT = seed.API_INCIDENT_ID
SWAPPED = CLOUD.replace("EA6", "AE6")  # two characters swapped in copying
assert SWAPPED != CLOUD

SNAPSHOT = snapshot.build(
    [Page(CLOUD, "Acme Cloud"), Page(INTERNAL, "Acme Internal")],
    {
        CLOUD: [
            Component(API, "Public API", None, CLOUD),
            Component(WEBHOOKS, "Webhooks", None, CLOUD),
            Component(EU, "Dashboard (EU)", "Dashboards", CLOUD),
        ],
        INTERNAL: [Component(VPN, "VPN", "Office", INTERNAL)],
    },
)


def incident_yaml(page: str, *components: str) -> str:
    text = (
        f"status_page_id: {page}\nname: Errors\nincident_status: investigating\nnotify_subscribers: false\n"
    )
    if components:
        text += "component_statuses:\n" + "".join(
            f"  - component_id: {c}\n    component_status: degraded_performance\n" for c in components
        )
    return text + "message: Looking.\n"


def maintenance_yaml(page: str, *components: str) -> str:
    return (
        f"status_page_id: {page}\nname: Upgrade\nmaintenance_status: maintenance_scheduled\n"
        "affected_component_ids:\n"
        + "".join(f"  - {c}\n" for c in components)
        + 'start_at: "2030-01-01T10:00:00Z"\nend_at: "2030-01-01T12:00:00Z"\n'
        "notify_subscribers: false\nmessage: Planned.\n"
    )


def update_yaml(
    *components: str, incident: str | None = INCIDENT, status: str = "degraded_performance"
) -> str:
    text = f"status_page_incident_id: {incident}\n" if incident else ""
    text += "notify_subscribers: false\n"
    text += "component_statuses:\n" + "".join(
        f"  - component_id: {c}\n    component_status: {status}\n" for c in components
    )
    return text + "message: Still looking.\n"


@dataclass(frozen=True)
class Case:
    name: str
    files: dict[str, str]
    expected: tuple[tuple[str, str, int, int, str], ...] = ()  # (file, rule, line, col, field)
    says: str = ""  # in the first diagnostic's message


CASES = [
    Case(
        "known-ids",
        {
            "a/incident.yaml": incident_yaml(CLOUD, API, EU),
            "a/01-more.yaml": update_yaml(WEBHOOKS, incident=None),
            "m/maintenance.yaml": maintenance_yaml(INTERNAL, VPN),
            "m/01-started.yaml": update_yaml(VPN, incident=None, status="under_maintenance"),
            "elsewhere/01-x.yaml": update_yaml(API, VPN),  # its page is not known: both exist
        },
    ),
    Case(
        "unknown-page-by-mistyped-id",
        {"a/incident.yaml": incident_yaml(SWAPPED, API)},
        (("a/incident.yaml", "unknown-page", 1, 17, "status_page_id"),),
        f"status page '{SWAPPED}' is not in statusfiles/snapshot.json; did you mean Acme Cloud ({CLOUD})?",
    ),
    Case(
        "page-name-written-instead-of-its-id",
        {"a/incident.yaml": incident_yaml('"acme internal"')},
        (("a/incident.yaml", "unknown-page", 1, 17, "status_page_id"),),
        f"did you mean Acme Internal ({INTERNAL})?",
    ),
    Case(
        "unknown-component-in-an-incident",
        {"a/incident.yaml": incident_yaml(CLOUD, API, "Webhooks")},
        (("a/incident.yaml", "unknown-component", 8, 19, "component_statuses[1].component_id"),),
        f"component 'Webhooks' is not on Acme Cloud ({CLOUD}) in statusfiles/snapshot.json; "
        f"did you mean Webhooks ({WEBHOOKS})?",
    ),
    Case(
        "component-of-another-page-in-a-maintenance-window",
        {"m/maintenance.yaml": maintenance_yaml(CLOUD, API, VPN)},
        (("m/maintenance.yaml", "component-of-another-page", 6, 5, "affected_component_ids[1]"),),
        f"component VPN ({VPN}) is on Acme Internal, not on Acme Cloud ({CLOUD})",
    ),
    Case(
        "component-of-another-page-in-a-declared-folder-update",
        {
            "m/maintenance.yaml": maintenance_yaml(INTERNAL, VPN),
            "m/01-started.yaml": update_yaml(API, incident=None, status="under_maintenance"),
        },
        (("m/01-started.yaml", "component-of-another-page", 3, 19, "component_statuses[0].component_id"),),
        f"component Public API ({API}) is on Acme Cloud, not on Acme Internal ({INTERNAL})",
    ),
    Case(
        "unknown-component-in-an-update-to-an-incident-created-elsewhere",
        {"x/01-x.yaml": update_yaml(API[:-1] + "Q")},
        (("x/01-x.yaml", "unknown-component", 4, 19, "component_statuses[0].component_id"),),
        f"component '{API[:-1]}Q' is not on any page in statusfiles/snapshot.json; did you mean",
    ),
    Case(
        "an-unknown-page-is-reported-once-and-its-components-only-checked-to-exist",
        {
            "a/incident.yaml": incident_yaml("nope", VPN, "gone"),
            "a/01-more.yaml": update_yaml(API, incident=None),
        },
        (
            ("a/incident.yaml", "unknown-page", 1, 17, "status_page_id"),
            ("a/incident.yaml", "unknown-component", 8, 19, "component_statuses[1].component_id"),
        ),
        "status page 'nope' is not in statusfiles/snapshot.json; its pages: "
        f"Acme Cloud ({CLOUD}), Acme Internal ({INTERNAL})",
    ),
]


def _tree(root: Path, c: Case) -> Path:
    folder = root / "statusfiles"
    for rel, text in c.files.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(text)
    (folder / "snapshot.json").write_text(SNAPSHOT.to_json())
    return folder


@pytest.mark.parametrize("c", CASES, ids=lambda c: c.name)
def test_validate_checks_ids_against_the_snapshot(c: Case, tmp_path: Path) -> None:
    _tree(tmp_path, c)
    code, report = run_json("validate", cwd=tmp_path)
    got = tuple(
        (d["file"].removeprefix("statusfiles/"), d["rule"], d["line"], d["column"], d["field"])
        for d in report["diagnostics"]
    )
    assert got == c.expected, report["diagnostics"]
    assert code == (1 if c.expected else 0)
    assert report["summary"]["files_failed"] == len({e[0] for e in c.expected})
    if c.says:
        assert c.says in report["diagnostics"][0]["message"]


def test_every_rule_is_exercised() -> None:
    rules = {e[1] for c in CASES for e in c.expected}
    assert rules == {idcheck.UNKNOWN_PAGE, idcheck.UNKNOWN_COMPONENT, idcheck.OTHER_PAGE}


def test_without_a_snapshot_nothing_is_checked(tmp_path: Path) -> None:
    folder = _tree(tmp_path, CASES[-1])
    (folder / "snapshot.json").unlink()
    result = load_all(discover((), folder))
    assert idcheck.apply(result, folder) is None
    assert (result.failed, len(result.files)) == (0, 2)


def test_a_file_with_a_wrong_id_is_not_planned(tmp_path: Path) -> None:
    folder = _tree(tmp_path, CASES[5])
    result = load_all(discover((), folder))
    assert idcheck.apply(result, folder) == SNAPSHOT
    assert [f.rel for f in result.files] == ["m/maintenance.yaml"]
    proc = run_cli("plan", cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stdout.splitlines()[-1] == "No plan: 1 of 2 statusfiles failed validation."


def test_a_broken_snapshot_is_an_error_on_its_line(tmp_path: Path) -> None:
    folder = _tree(tmp_path, CASES[0])
    text = SNAPSHOT.to_json().replace('"name": "VPN"', '"name": null')
    (folder / "snapshot.json").write_text(text)
    line = next(i for i, t in enumerate(text.splitlines(), 1) if '"name": null' in t)
    proc = run_cli("validate", cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stdout.splitlines()[0].startswith(
        f"statusfiles/snapshot.json:{line}:{text.splitlines()[line - 1].index('null') + 1}: error: "
        "pages[1].components[0].name: must be a non-empty string; run `statusfiles pull`"
    )
    proc = run_cli("plan", cwd=tmp_path)
    assert proc.returncode == 1 and proc.stdout.splitlines()[-1] == "No plan: the snapshot cannot be read."


def test_an_unknown_id_keeps_the_files_in_their_natural_order(tmp_path: Path) -> None:
    """The snapshot's findings join the others without re-sorting file names as text (10- after 2-)."""
    folder = tmp_path / "statusfiles"
    (folder / "a").mkdir(parents=True)
    (folder / "a" / "2-identified.yaml").write_text(update_yaml(API[:-1] + "Q"))  # an unknown component
    (folder / "a" / "10-resolved.yaml").write_text(update_yaml(API, status="sideways"))  # a schema error
    (folder / "snapshot.json").write_text(SNAPSHOT.to_json())
    code, report = run_json("validate", cwd=tmp_path)
    assert code == 1
    assert [(d["file"], d["rule"]) for d in report["diagnostics"]] == [
        ("statusfiles/a/2-identified.yaml", idcheck.UNKNOWN_COMPONENT),
        ("statusfiles/a/10-resolved.yaml", "enum"),
    ]


def test_many_unknown_ids_are_all_reported_the_first_of_them_with_a_suggestion(tmp_path: Path) -> None:
    """Each suggestion compares with every component: thousands of unknown IDs against a large snapshot
    would take minutes. A value is looked up once, and only the first MAX_SUGGESTED values are."""
    folder = tmp_path / "statusfiles"
    folder.mkdir()
    mistyped = [API[:-2] + f"{n:02d}" for n in range(idcheck.MAX_SUGGESTED + 5)]  # each close to API
    for n, component in enumerate(mistyped):
        (folder / f"{n:02d}-a.yaml").write_text(update_yaml(component))
    (folder / "zz-again.yaml").write_text(update_yaml(mistyped[0]))  # a value seen before: the same advice
    (folder / "zz-last.yaml").write_text(update_yaml(mistyped[-1]))
    result = load_all(discover((), folder))
    found = idcheck.check(result.files, SNAPSHOT, "the snapshot")
    by_file = {d.file.rsplit("/", 1)[-1]: d.message for d in found}
    assert len(found) == len(mistyped) + 2 and {d.rule for d in found} == {idcheck.UNKNOWN_COMPONENT}
    advised = [f"{n:02d}-a.yaml" for n in range(idcheck.MAX_SUGGESTED)]
    assert all("; did you mean " in by_file[name] for name in advised)
    assert by_file["zz-again.yaml"] == by_file["00-a.yaml"]
    rest = set(by_file) - {*advised, "zz-again.yaml"}
    assert rest and not any("did you mean" in by_file[name] for name in rest)
    assert all("is not on any page in the snapshot" in message for message in by_file.values())
