"""With a snapshot pulled, the plan (text, Markdown, JSON), the PR comment and sync's output show names
beside IDs; without one they show the IDs alone, as before."""

from __future__ import annotations

import json
from pathlib import Path

from helpers import copy_examples, run_cli, run_json, sync_env

from sync.sandbox import Sandbox
from sync.sandbox.seed import DASHBOARD_EU_ID, PUBLIC_API_ID, STATUS_PAGE_ID

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
