"""Hostile statusfiles through the CLI: what they hold reaches no output raw, and every error is located."""

from __future__ import annotations

from pathlib import Path

import pytest

from sync.snapshot import Page, Snapshot
from tests.support.cli import run_cli
from tests.support.payloads import PAGE, incident, write_statusfile

FORGED = "Evil\n::warning::forged"


@pytest.mark.parametrize("fmt", ["text", "github", "markdown"])
def test_a_declared_name_with_a_line_break_stays_on_its_line(tmp_path: Path, fmt: str) -> None:
    snap = Snapshot(pages=(Page(PAGE, "Acme\n::error::forged page"),), components=())
    (tmp_path / "statusfiles").mkdir()
    (tmp_path / "statusfiles" / "snapshot.json").write_text(snap.to_json())
    write_statusfile(tmp_path / "statusfiles" / "2026-11-27-x" / "incident.yaml", incident(name=FORGED))
    proc = run_cli("plan", "--format", fmt, cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert 'create incident "Evil\\n::warning::forged" on Acme\\n::error::forged page' in proc.stdout
    assert not [line for line in proc.stdout.splitlines() if line.startswith("::")], proc.stdout
