"""With a snapshot pulled, the plan (text, Markdown, JSON), the PR comment and sync's output show names
beside IDs; without one they show the IDs alone, as before."""

from __future__ import annotations

import json
from pathlib import Path

from sync.sandbox import Sandbox
from sync.sandbox.seed import (
    DASHBOARD_EU_ID,
    DASHBOARD_US_ID,
    PUBLIC_API_ID,
    STATUS_PAGE_ID,
    VPN_ID,
    WEBHOOKS_ID,
)
from tests.support.cli import run_cli, run_json, sync_env
from tests.support.payloads import HEAD
from tests.support.repo import copy_examples

API = f"Public API ({PUBLIC_API_ID})"
EU = f"Dashboard (EU) ({DASHBOARD_EU_ID})"


def _pulled(sandbox: Sandbox, tmp_path: Path) -> Path:
    project = copy_examples(tmp_path)
    proc = run_cli("pull", cwd=project, env=sync_env(sandbox.base_url))
    assert proc.returncode == 0, proc.stderr
    return project


def test_the_plan_shows_component_names(sandbox: Sandbox, tmp_path: Path) -> None:
    project = _pulled(sandbox, tmp_path)
    text = run_cli("plan", cwd=project).stdout
    assert f"      component:  {EU} set to degraded_performance\n" in text
    assert f"      component:  {API} degraded_performance -> partial_outage\n" in text
    markdown = run_cli("plan", "--format", "markdown", cwd=project).stdout
    assert f"   - component Public API (`{PUBLIC_API_ID}`): set to degraded_performance\n" in markdown
    code, doc = run_json("plan", cwd=project)
    assert code == 0
    assert doc["names"] == {
        "pages": {},
        "components": {DASHBOARD_EU_ID: "Dashboard (EU)", PUBLIC_API_ID: "Public API"},
    }


def test_without_a_snapshot_the_plan_shows_ids(tmp_path: Path) -> None:
    project = copy_examples(tmp_path)
    text = run_cli("plan", cwd=project).stdout
    assert f"      component:  {DASHBOARD_EU_ID} set to degraded_performance\n" in text
    assert "Dashboard (EU)" not in text
    assert run_json("plan", cwd=project)[1]["names"] == {"pages": {}, "components": {}}


def test_sync_output_names_components(sandbox: Sandbox, tmp_path: Path) -> None:
    project = _pulled(sandbox, tmp_path)
    summary = tmp_path / "summary.md"
    env = {**sync_env(sandbox.base_url), "GITHUB_STEP_SUMMARY": str(summary)}
    proc = run_cli("sync", "--concurrency", "1", cwd=project, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    first = next(line for line in proc.stdout.splitlines() if "api-errors/01-investigating" in line)
    assert first.startswith("posted    statusfiles/2026-11-26-api-errors/01-investigating.yaml  incident ")
    assert first.endswith(f"  {API} degraded_performance")
    assert f"| investigating · {API} degraded_performance |" in summary.read_text()


def test_sync_json_and_dry_run_name_components(sandbox: Sandbox, tmp_path: Path) -> None:
    project = _pulled(sandbox, tmp_path)
    proc = run_cli("sync", "--dry-run", cwd=project, env=sync_env(sandbox.base_url))
    assert f"      component:  {API} " in proc.stdout
    code, doc = run_json("sync", cwd=project, env=sync_env(sandbox.base_url))
    assert code == 0 and doc["summary"]["posted"] == 6
    assert doc["names"]["components"] == {DASHBOARD_EU_ID: "Dashboard (EU)", PUBLIC_API_ID: "Public API"}
    snapshot = json.loads((project / "statusfiles" / "snapshot.json").read_text())
    assert snapshot["pages"][0]["id"] == STATUS_PAGE_ID


# --- sync refuses a component the live page does not have, before any POST ---


def _counts(sandbox: Sandbox) -> tuple[int, int, int]:
    state = sandbox.state
    return (
        len(state.incidents),
        sum(len(i.updates) for i in state.incidents.values()),
        len(state.maintenances),
    )


def test_sync_refuses_a_component_of_another_page_before_posting_anything(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    project = copy_examples(tmp_path)  # no snapshot: validate cannot know
    bad = project / "statusfiles" / "2026-11-26-api-errors" / "05-vpn.yaml"
    bad.write_text(
        HEAD + f"component_statuses:\n  - component_id: {VPN_ID}\n    component_status: operational\n"
        "message: And the VPN.\n"
    )
    before = _counts(sandbox)
    for args in (("--dry-run",), ()):
        proc = run_cli("sync", *args, cwd=project, env=sync_env(sandbox.base_url))
        assert proc.returncode == 1
        assert proc.stdout.splitlines()[0] == (
            f"statusfiles/2026-11-26-api-errors/05-vpn.yaml:4:19: error: component_statuses[0].component_id: "
            f"component '{VPN_ID}' is not on the live status page {STATUS_PAGE_ID}; nothing was posted; "
            f"did you mean Dashboard (US) ({DASHBOARD_US_ID})? [component-not-on-page]"
        )
        assert proc.stdout.splitlines()[-1].startswith("Nothing was published: 1 component(s)")
    assert _counts(sandbox) == before
    assert not (project / "statusfiles" / "ledger.jsonl").exists()


def test_sync_refuses_a_component_removed_since_the_snapshot(sandbox: Sandbox, tmp_path: Path) -> None:
    project = _pulled(sandbox, tmp_path)
    folder = project / "statusfiles" / "2026-12-01-webhooks"
    folder.mkdir()
    (folder / "incident.yaml").write_text(
        f"status_page_id: {STATUS_PAGE_ID}\nname: Webhooks delayed\nincident_status: investigating\n"
        "notify_subscribers: false\ncomponent_statuses:\n"
        f"  - component_id: {WEBHOOKS_ID}\n    component_status: degraded_performance\n"
        "message: Webhooks are delayed.\n"
    )
    assert run_cli("validate", cwd=project).returncode == 0  # the snapshot still has Webhooks
    text = run_cli("plan", cwd=project).stdout
    assert 'create incident "Webhooks delayed" on Acme Cloud' in text
    assert f"      page:       Acme Cloud ({STATUS_PAGE_ID})\n" in text
    assert f"      component:  Webhooks ({WEBHOOKS_ID}) set to degraded_performance\n" in text
    cloud = sandbox.state.status_page(STATUS_PAGE_ID)
    cloud.items = [item for item in cloud.items if getattr(item, "component_id", None) != WEBHOOKS_ID]
    before = _counts(sandbox)
    proc = run_cli("sync", cwd=project, env=sync_env(sandbox.base_url))
    assert proc.returncode == 1
    assert proc.stdout.splitlines()[0] == (
        "statusfiles/2026-12-01-webhooks/incident.yaml:6:19: error: component_statuses[0].component_id: "
        f"component '{WEBHOOKS_ID}' is not on the live status page Acme Cloud ({STATUS_PAGE_ID}); "
        "nothing was posted [component-not-on-page]"
    )
    assert _counts(sandbox) == before
