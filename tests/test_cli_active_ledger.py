"""`active` with a ledger it cannot read: an error naming the line, as `plan` reports it, never a listing
that silently shows every object as untracked."""

from __future__ import annotations

from pathlib import Path

from sync.sandbox import Sandbox
from tests.support.cli import run_cli, sync_env
from tests.support.repo import copy_examples

READ_ONLY = "sandbox-read-only-key"


def test_active_reports_a_malformed_ledger_line_and_lists_nothing(sandbox: Sandbox, tmp_path: Path) -> None:
    project = copy_examples(tmp_path)
    ledger = project / "statusfiles" / "ledger.jsonl"
    ledger.write_text("{oops\n")
    proc = run_cli("active", cwd=project, env=sync_env(sandbox.base_url, READ_ONLY))
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert proc.stderr.splitlines() == [
        "statusfiles/ledger.jsonl:1:1: error: not valid JSON "
        "(Expecting property name enclosed in double quotes) [ledger-invalid]",
        "Error: nothing was listed: the ledger statusfiles/ledger.jsonl cannot be read.",
    ]
    assert sandbox.requests() == []  # refused before the API is read


def test_active_reports_a_ledger_under_a_file(sandbox: Sandbox, tmp_path: Path) -> None:
    project = copy_examples(tmp_path)
    (project / "a-file").write_text("")
    env = sync_env(sandbox.base_url, READ_ONLY)
    proc = run_cli("active", "--format", "json", "--ledger", "a-file/ledger.jsonl", cwd=project, env=env)
    assert (proc.returncode, proc.stdout) == (1, "")
    assert proc.stderr.splitlines() == [
        "a-file/ledger.jsonl: error: cannot be read: Not a directory [ledger-invalid]",
        "Error: nothing was listed: the ledger a-file/ledger.jsonl cannot be read.",
    ]
