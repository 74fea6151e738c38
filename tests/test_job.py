"""The sync job called in-process, as benchmarks and other tools call it: a result, never output."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sync import apiconfig
from sync.job import Progress, SyncOptions, run_sync
from sync.sandbox import Sandbox
from tests.support.cli import SANDBOX_KEY
from tests.support.payloads import write_statusfile
from tests.support.repo import copy_examples

FAST = apiconfig.RetryPolicy(attempts=4, base=0.001, cap=0.01)
EXAMPLE_UPDATES = 6  # the examples' updates to incidents created elsewhere


def options(project: Path, sandbox: Sandbox, *, dry_run: bool = False) -> SyncOptions:
    settings = apiconfig.Settings(sandbox.base_url, SANDBOX_KEY, FAST)
    return SyncOptions(project / "statusfiles", None, settings, dry_run=dry_run)


def test_a_dry_run_plans_against_the_page_and_changes_nothing(tmp_path: Path, sandbox: Sandbox) -> None:
    project = copy_examples(tmp_path)
    result = run_sync(options(project, sandbox, dry_run=True))
    assert result.ok and result.refusal is None and result.report is None
    assert result.plan is not None and len(result.plan.creates) == EXAMPLE_UPDATES
    assert not [r for r in sandbox.requests() if r["method"] == "POST"]
    assert not (project / "statusfiles" / "ledger.jsonl").exists()


def test_a_run_publishes_and_reports_progress(tmp_path: Path, sandbox: Sandbox) -> None:
    project = copy_examples(tmp_path)
    heard: list[Progress] = []
    result = run_sync(options(project, sandbox), heard.append)
    assert result.ok and result.report is not None
    assert result.report.count("posted") == EXAMPLE_UPDATES
    assert [p.done for p in heard] == list(range(1, EXAMPLE_UPDATES + 1))
    assert {p.total for p in heard} == {EXAMPLE_UPDATES}
    assert result.stats.requests > EXAMPLE_UPDATES  # the reads, then the posts
    assert (project / "statusfiles" / "ledger.jsonl").exists()


def test_an_invalid_statusfile_is_a_refusal_not_an_exception(tmp_path: Path, sandbox: Sandbox) -> None:
    project = copy_examples(tmp_path)
    write_statusfile(project / "statusfiles" / "broken" / "01.yaml", {"message": "no incident"})
    result = run_sync(options(project, sandbox))
    assert not result.ok and result.refusal is not None and "failed validation" in result.refusal
    assert any(d.file.endswith("broken/01.yaml") for d in result.diagnostics)
    assert result.report is None and not sandbox.requests()


def test_settings_are_checked_and_the_job_imported_without_httpx() -> None:
    """sync checks its key and URL before any work, and imports httpx only while workers load the files."""
    code = (
        "import sys\n"
        "from sync import apiconfig, job\n"
        "from sync.commands import sync\n"
        "apiconfig.from_env('https://api.incident.io', {'INCIDENT_IO_API_KEY': 'a-long-key'})\n"
        "print(sorted(m for m in ('httpx', 'sync.api', 'sync.publisher') if m in sys.modules))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"
