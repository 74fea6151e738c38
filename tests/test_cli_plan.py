"""``statusfiles plan`` through the CLI: formats, exit codes, validation first, the ledger."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sync import ledger
from sync.snapshot import Component, Page, Snapshot
from sync.statusfile import payload_sha256
from tests.support.cli import run_cli, run_json
from tests.support.outputs import parse_outputs
from tests.support.payloads import COMPONENT, INCIDENT, PAGE, update, write_statusfile
from tests.support.repo import REPO


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "statusfiles" / "2026-11-26-api"
    write_statusfile(root / "01-investigating.yaml", update("Looking into it.", notify=True))
    write_statusfile(root / "02-identified.yaml", update("Found it.", status="identified"))
    return tmp_path


def post(project: Path, rel: str, update_id: str = "U1") -> None:
    """Record ``rel`` as posted, the way sync does."""
    from sync.statusfile import Source, load_statusfile

    path = project / "statusfiles" / rel
    f = load_statusfile(Source(path, str(path), rel))
    with ledger.Writer(project / "statusfiles" / "ledger.jsonl", run="test") as w:
        w.append("intent", path=rel, sha256=f.sha256, incident=f.incident_id, payload=f.payload)
        w.append(
            "posted",
            path=rel,
            sha256=f.sha256,
            incident=f.incident_id,
            update_id=update_id,
            published_at="2026-11-26T10:00:00Z",
        )


def test_text_plan(project: Path) -> None:
    proc = run_cli("plan", cwd=project)
    assert proc.returncode == 0, proc.stdout
    assert proc.stdout.startswith(
        f"Incident {INCIDENT} (0 already posted)\n  + 2026-11-26-api/01-investigating.yaml\n"
    )
    assert "      status:     investigating -> identified\n" in proc.stdout
    assert proc.stdout.endswith(
        "Plan: 2 updates to 1 incident will be published; 1 will notify subscribers. 0 unchanged.\n"
    )


def test_markdown_plan(project: Path) -> None:
    proc = run_cli("plan", "--format", "markdown", cwd=project)
    assert proc.returncode == 0
    assert proc.stdout.startswith(
        "### statusfiles plan\n\n**2 updates to 1 incident will be published; 1 will notify subscribers.**"
    )
    assert f"#### Incident `{INCIDENT}`" in proc.stdout
    assert "   > Looking into it." in proc.stdout


def test_json_plan_carries_exact_payloads(project: Path) -> None:
    code, doc = run_json("plan", cwd=project)
    assert code == 0 and doc["version"] == 1
    assert doc["summary"]["publish"] == 2 and doc["summary"]["notify"] == 1 and doc["summary"]["has_changes"]
    [incident] = doc["incidents"]
    first = incident["updates"][0]
    assert first["payload"] == update("Looking into it.", notify=True)
    assert first["sha256"] == payload_sha256(first["payload"])
    assert [u["path"] for u in incident["updates"]] == [
        "2026-11-26-api/01-investigating.yaml",
        "2026-11-26-api/02-identified.yaml",
    ]


def test_detailed_exitcode(project: Path) -> None:
    assert run_cli("plan", "--detailed-exitcode", cwd=project).returncode == 2
    post(project, "2026-11-26-api/01-investigating.yaml", "U1")
    post(project, "2026-11-26-api/02-identified.yaml", "U2")
    proc = run_cli("plan", "--detailed-exitcode", cwd=project)
    assert proc.returncode == 0 and proc.stdout.endswith("Plan: Nothing new to publish. 2 unchanged.\n")
    # a rename is not a change
    (project / "statusfiles" / "2026-11-26-api").rename(project / "statusfiles" / "api")
    proc = run_cli("plan", "--detailed-exitcode", cwd=project)
    assert (
        proc.returncode == 0
        and "1 move" not in proc.stdout
        and "2 moves (recorded, not posted)" in proc.stdout
    )
    # usage errors are 1 with the flag, 2 without
    assert run_cli("plan", "--detailed-exitcode", "--bogus", cwd=project).returncode == 1
    assert run_cli("plan", "--detailed-exitcode", "--dir", "nowhere", cwd=project).returncode == 1
    assert run_cli("plan", "--bogus", cwd=project).returncode == 2
    assert run_cli("plan", "--dir", "nowhere", cwd=project).returncode == 2


def test_plan_errors_exit_1_even_with_detailed_exitcode(project: Path) -> None:
    post(project, "2026-11-26-api/01-investigating.yaml", "U1")
    post(project, "2026-11-26-api/02-identified.yaml", "U2")
    write_statusfile(
        project / "statusfiles" / "2026-11-26-api" / "02-identified.yaml",
        update("Edited!", status="identified"),
    )
    for args in (("plan",), ("plan", "--detailed-exitcode")):
        proc = run_cli(*args, cwd=project)
        assert proc.returncode == 1
        assert (
            "statusfiles/2026-11-26-api/02-identified.yaml:3:10: error: message: "
            "changed after it was published" in proc.stdout
        )
        assert "Plan: 1 error: nothing will be published until it is fixed." in proc.stdout
        assert '    -  "message": "Found it.",\n    +  "message": "Edited!",' in proc.stdout


def test_validation_errors_are_reported_like_validate(project: Path) -> None:
    write_statusfile(project / "statusfiles" / "2026-11-26-api" / "03-bad.yaml", update(status="fixed"))
    proc = run_cli("plan", "--detailed-exitcode", cwd=project)
    assert proc.returncode == 1
    validate = run_cli("validate", cwd=project)
    assert proc.stdout.splitlines()[0] == validate.stdout.splitlines()[0]
    assert proc.stdout.splitlines()[-1] == "No plan: 1 of 3 statusfiles failed validation."
    md = run_cli("plan", "--format", "markdown", cwd=project)
    assert md.returncode == 1 and "**enum**" in md.stdout
    assert "**Nothing can be published: 1 of 3 statusfiles failed validation.**" in md.stdout
    code, doc = run_json("plan", cwd=project)
    assert code == 1 and doc["diagnostics"][0]["rule"] == "enum"


def test_ledger_location_option_and_environment(project: Path, tmp_path: Path) -> None:
    post(project, "2026-11-26-api/01-investigating.yaml")
    moved = tmp_path / "elsewhere.jsonl"
    (project / "statusfiles" / "ledger.jsonl").rename(moved)
    assert json.loads(run_cli("plan", "--format", "json", cwd=project).stdout)["summary"]["publish"] == 2
    for args, env in ((("--ledger", str(moved)), {}), ((), {"STATUSFILES_LEDGER": str(moved)})):
        proc = run_cli("plan", "--format", "json", *args, cwd=project, env=env)
        assert json.loads(proc.stdout)["summary"]["publish"] == 1


def test_malformed_ledger_line_is_an_error_naming_the_line(project: Path) -> None:
    post(project, "2026-11-26-api/01-investigating.yaml")
    path = project / "statusfiles" / "ledger.jsonl"
    lines = path.read_text().splitlines()
    path.write_text(lines[0] + "\n{oops\n" + lines[1] + "\n")
    proc = run_cli("plan", cwd=project)
    assert proc.returncode == 1
    assert proc.stdout.startswith("statusfiles/ledger.jsonl:2:1: error: not valid JSON")
    assert "[ledger-invalid]" in proc.stdout
    assert proc.stdout.splitlines()[-1] == "No plan: the ledger statusfiles/ledger.jsonl cannot be read."


def test_torn_ledger_line_is_a_warning(project: Path) -> None:
    post(project, "2026-11-26-api/01-investigating.yaml")
    path = project / "statusfiles" / "ledger.jsonl"
    path.write_text(path.read_text() + '{"v": 1, "event": "intent", "pa')
    proc = run_cli("plan", cwd=project)
    assert proc.returncode == 0
    assert "statusfiles/ledger.jsonl:3:1: warning: ignored a partially written last line" in proc.stdout


def test_repository_examples_plan_cleanly() -> None:
    code, doc = run_json("plan", "--ledger", "/nonexistent/ledger.jsonl", cwd=REPO)
    assert code == 0 and doc["summary"]["errors"] == 0 and doc["summary"]["publish"] >= 1


def test_a_refused_plans_step_outputs_count_its_errors(project: Path) -> None:
    """With no plan, the ``errors`` output is the refusal's error count, the same as its JSON summary's."""
    bad = project / "statusfiles" / "2026-11-26-api"
    write_statusfile(bad / "03-bad.yaml", {"message": "no incident"})
    write_statusfile(bad / "04-bad.yaml", {"message": "no incident", "status": "fixed-ish"})
    out = project / "outputs.txt"
    code, doc = run_json("plan", cwd=project)
    proc = run_cli("plan", "--format", "github", cwd=project, env={"GITHUB_OUTPUT": str(out)})
    outputs = parse_outputs(out.read_text(encoding="utf-8"))
    assert (code, proc.returncode) == (1, 1), proc.stdout
    assert doc["summary"]["errors"] >= 3
    assert outputs["errors"] == str(doc["summary"]["errors"])
    assert (outputs["has-changes"], outputs["publish"]) == ("false", "0")


# A message is any text YAML can hold, control characters included ("\e]0;title\a" is a valid double-quoted
# scalar): the plan shows them escaped, so that a reviewer's terminal is not driven by a pull request.
HOSTILE = 'message: "Fixed \\e]0;title\\a for ünï users"\n'


def test_the_plan_shows_a_messages_control_characters_escaped(project: Path) -> None:
    write_statusfile(
        project / "statusfiles" / "2026-11-26-api" / "03-x.yaml",
        f"status_page_incident_id: {INCIDENT}\nnotify_subscribers: false\n{HOSTILE}",
    )
    proc = run_cli("plan", cwd=project)
    assert "      message:    Fixed \\x1b]0;title\\x07 for ünï users\n" in proc.stdout, proc.stdout
    assert "\x1b" not in proc.stdout and "\x07" not in proc.stdout


def test_the_markdown_plan_quotes_a_message_with_its_control_characters_escaped(project: Path) -> None:
    write_statusfile(
        project / "statusfiles" / "2026-11-26-api" / "03-x.yaml",
        f"status_page_incident_id: {INCIDENT}\nnotify_subscribers: false\n"
        'message: "Line one\\e[2J\\nLine \\a two"\n',
    )
    proc = run_cli("plan", "--format", "markdown", cwd=project)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "   > Line one\\x1b[2J\n   > Line \\x07 two\n" in proc.stdout, proc.stdout
    assert "\x1b" not in proc.stdout and "\x07" not in proc.stdout


def test_the_markdown_plan_shows_component_names_escaped(project: Path) -> None:
    evil = Component(COMPONENT, "API\n::warning::forged \x1b[2J", None, PAGE)
    snap = Snapshot(pages=(Page(PAGE, "Acme"),), components=(evil,))
    (project / "statusfiles" / "snapshot.json").write_text(snap.to_json())
    write_statusfile(
        project / "statusfiles" / "2026-11-26-api" / "03-x.yaml",
        update("Better.", status="monitoring", components={COMPONENT: "operational"}),
    )
    proc = run_cli("plan", "--format", "markdown", cwd=project)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"   - component API\\n::warning::forged \\x1b[2J (`{COMPONENT}`): " in proc.stdout
    assert "\x1b" not in proc.stdout
    assert not [line for line in proc.stdout.splitlines() if line.lstrip().startswith("::")]
