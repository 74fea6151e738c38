"""What a command is given to plan from: the statusfiles, then the ledger, whatever was read meanwhile.

The ledger is read while worker processes load the statusfiles. A sync reads it again under its lock;
the early reading serves only if the file's bytes are still the same.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sync import ledger, workspace
from sync.statusfile import PARALLEL_ENV, Statusfile
from tests.support.cli import run_cli
from tests.support.payloads import update, write_statusfile
from tests.support.repo import copy_examples


@pytest.fixture(params=["0", "2"], ids=["one-process", "parallel"])
def loading(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv(PARALLEL_ENV, request.param)
    return str(request.param)


def record_intent(path: Path, f: Statusfile) -> None:
    with ledger.Writer(path, run="another-sync") as w:
        w.append("intent", path=f.rel, sha256=f.sha256, incident=f.incident_id, payload=f.payload)


def test_a_ledger_appended_to_after_loading_is_read_as_it_is_now(tmp_path: Path, loading: str) -> None:
    root = copy_examples(tmp_path) / "statusfiles"
    ws = workspace.load(root, None, with_ledger=False)
    assert ws.early_ledger is not None and ws.ledger.records == 0
    record_intent(ws.ledger_path, ws.files[0])  # another sync, between loading and taking the lock
    workspace.read_ledger(ws)
    assert ws.ledger.records == 1 and ws.files[0].rel in ws.ledger.entries
    assert ws.early_ledger is None


def test_an_unchanged_ledger_is_decoded_once(tmp_path: Path, loading: str) -> None:
    root = copy_examples(tmp_path) / "statusfiles"
    files = workspace.load(root, None).files
    record_intent(root / ledger.LEDGER_NAME, files[0])
    ws = workspace.load(root, None, with_ledger=False)
    assert ws.early_ledger is not None
    early = ws.early_ledger[1]
    workspace.read_ledger(ws)
    assert ws.ledger is early and ws.ledger.records == 1
    workspace.read_ledger(ws)  # the early reading serves once: later readings decode the file again
    assert ws.ledger is not early and ws.ledger.records == 1


def test_a_ledger_that_turned_bad_after_loading_is_an_error(tmp_path: Path, loading: str) -> None:
    root = copy_examples(tmp_path) / "statusfiles"
    ws = workspace.load(root, None, with_ledger=False)
    assert ws.ok
    (root / ledger.LEDGER_NAME).write_text("{not json\n")
    workspace.read_ledger(ws)
    assert not ws.ok and [d.rule for d in ws.diagnostics] == ["ledger-invalid"]


@pytest.mark.parametrize("parallel", ["0", "2"])
def test_the_ledger_s_problem_comes_after_the_statusfiles(tmp_path: Path, parallel: str) -> None:
    """Read while the statusfiles load, the ledger is still reported after them, as before."""
    project = copy_examples(tmp_path)
    for n in range(3):
        write_statusfile(
            project / "statusfiles" / f"broken-{n}" / "01.yaml", {**update(), "incident_stauts": "x"}
        )
    (project / "statusfiles" / ledger.LEDGER_NAME).write_text('{"v": 1}\n{oops\n')
    proc = run_cli("plan", "--format", "json", cwd=project, env={PARALLEL_ENV: parallel})
    assert proc.returncode == 1, proc.stdout + proc.stderr
    rules = [d["rule"] for d in json.loads(proc.stdout)["diagnostics"]]
    assert rules[-1] == "ledger-invalid" and rules.count("unknown-field") == 3, rules
