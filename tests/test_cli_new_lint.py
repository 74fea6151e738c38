"""`new` runs the linter of public text over the file it wrote and reports as `validate` does: the path on
standard output, the findings on standard error, exit 1 on a lint error (the file is kept, to be edited)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.cli import run_cli
from tests.support.payloads import INCIDENT, update, write_statusfile

LEAK = "Failover from 10.12.0.7 completed."
WRITTEN = "statusfiles/2026-11-26-api/02-identified.yaml"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "status-page-incident-update.schema.json").write_text("{}")
    write_statusfile(tmp_path / "statusfiles" / "2026-11-26-api" / "01-x.yaml", update("Looking into it."))
    return tmp_path


def _new(project: Path, message: str) -> tuple[int, str, str]:
    proc = run_cli("new", "--incident", INCIDENT, "--status", "identified", "-m", message, cwd=project)
    return proc.returncode, proc.stdout, proc.stderr


def _validate_lines(project: Path) -> list[str]:
    """validate's diagnostic lines (its last line is the count)."""
    return run_cli("validate", cwd=project).stdout.splitlines()[:-1]


def test_a_lint_error_is_reported_as_validate_reports_it_and_exits_1(project: Path) -> None:
    code, out, err = _new(project, LEAK + " Mail ops@example.com for details.")
    assert code == 1
    assert out.startswith(WRITTEN)  # the path, as always: the file is there, to be edited
    assert (project / WRITTEN).is_file()
    *found, last = err.splitlines()
    assert found == _validate_lines(project)
    assert [line.rsplit(" ", 1)[-1] for line in found] == ["[private-address]", "[email]"]
    assert found[0].startswith(f"{WRITTEN}:5:24: error: message: 10.12.0.7 is a private (RFC 1918) address")
    assert found[1].startswith(f"{WRITTEN}:5:50: warning: message: ops@example.com")
    assert last == (
        f"Error: {WRITTEN} was written, but the linter found 1 error: edit it before you commit it "
        "(validate, plan and sync refuse it until then)"
    )


def test_a_lint_warning_is_shown_and_exits_0(project: Path) -> None:
    code, out, err = _new(project, "Write to ops@example.com for details.")
    assert (code, out) == (0, WRITTEN + "\n")
    assert err.splitlines() == _validate_lines(project)
    assert err.startswith(f"{WRITTEN}:5:19: warning: message: ops@example.com") and err.endswith("[email]\n")


def test_a_clean_message_prints_only_the_path(project: Path) -> None:
    assert _new(project, "We found the cause and are deploying a fix.") == (0, WRITTEN + "\n", "")


def test_the_lint_configuration_is_followed(project: Path) -> None:
    (project / "statusfiles" / ".lint.yaml").write_text("rules:\n  private-address: warning\n")
    code, out, err = _new(project, LEAK)
    assert (code, out) == (0, WRITTEN + "\n")
    assert err.startswith(f"{WRITTEN}:5:24: warning: message: 10.12.0.7") and err.endswith(
        "[private-address]\n"
    )


def test_an_invalid_lint_configuration_is_named_not_blamed_on_the_file(project: Path) -> None:
    """The error is the configuration's: the last line says so, rather than "the linter found 1 error"."""
    (project / "statusfiles" / ".lint.yaml").write_text("rules: [\n")
    code, out, err = _new(project, "We found the cause and are deploying a fix.")
    assert (code, out) == (1, WRITTEN + "\n")
    *found, last = err.splitlines()
    assert found == _validate_lines(project) and found[0].startswith("statusfiles/.lint.yaml:2:1: error:")
    assert last == (
        f"Error: {WRITTEN} was written, but the lint configuration statusfiles/.lint.yaml has 1 error: "
        "fix it (validate, plan and sync refuse to run until then)"
    )

    code, out, err = _new(project, LEAK)  # and both, when the file has its own
    assert code == 1
    assert err.splitlines()[-1] == (
        "Error: statusfiles/2026-11-26-api/03-identified.yaml was written, but the linter found 1 error in "
        "it and the lint configuration statusfiles/.lint.yaml has 1 error: fix them before you commit it "
        "(validate, plan and sync refuse it until then)"
    )


OPENS_HOOK = """
import os, sys

def _hook(event, args):
    if event == "open" and str(args[0]).endswith(os.environ["WATCHED"]):
        with open(os.environ["OPENS_LOG"], "a", encoding="utf-8") as log:
            log.write(f"{args[0]}\\n")

sys.addaudithook(_hook)
"""


def test_the_text_written_is_linted_without_reading_the_file_back(project: Path, tmp_path: Path) -> None:
    """The findings come from the text ``new`` has in hand: the file it wrote is never opened again."""
    hooks, log = tmp_path / "hooks", tmp_path / "opens.log"
    hooks.mkdir()
    (hooks / "sitecustomize.py").write_text(OPENS_HOOK)
    env = {"PYTHONPATH": str(hooks), "OPENS_LOG": str(log), "WATCHED": WRITTEN.rsplit("/", 1)[-1]}
    proc = run_cli("new", "--incident", INCIDENT, "--status", "identified", "-m", LEAK, cwd=project, env=env)
    assert proc.returncode == 1 and "[private-address]" in proc.stderr, proc.stderr
    assert proc.stderr.splitlines()[:-1] == _validate_lines(project)  # the same findings, the same lines
    assert not log.exists(), log.read_text()
