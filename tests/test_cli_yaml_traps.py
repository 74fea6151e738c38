"""Hostile statusfiles through the CLI: what they hold reaches no output raw, and every error is located."""

from __future__ import annotations

from pathlib import Path

import pytest

from sync.snapshot import Page, Snapshot
from tests.support.cli import run_cli
from tests.support.payloads import INCIDENT, PAGE, incident, maintenance, update, write_statusfile

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


@pytest.mark.parametrize("name", ["Incident.yaml", "incident.yml", "INCIDENT.YML"])
def test_a_declaration_named_almost_right_is_told_its_name(tmp_path: Path, name: str) -> None:
    folder = tmp_path / "statusfiles" / "2026-11-27-x"
    write_statusfile(folder / name, incident())
    write_statusfile(folder / "01-monitoring.yaml", update("Better.", incident=None, status="monitoring"))
    proc = run_cli("validate", cwd=tmp_path)
    assert proc.returncode == 1
    assert (
        f"statusfiles/2026-11-27-x/{name}:1:1: error: only a file named exactly incident.yaml declares an "
        f"incident; rename {name} to incident.yaml" in proc.stdout
    )
    # valid as the declaration it means to be: the name is its one problem, not an update's fields
    assert [
        line for line in proc.stdout.splitlines() if line.startswith(f"statusfiles/2026-11-27-x/{name}")
    ] == [next(line for line in proc.stdout.splitlines() if "[misnamed-declaration]" in line)]
    assert "unknown field 'status_page_id'" not in proc.stdout


def test_a_misnamed_declaration_is_checked_as_what_it_means_to_be(tmp_path: Path) -> None:
    path = tmp_path / "statusfiles" / "2026-11-27-x" / "Maintenance.yml"
    write_statusfile(path, maintenance(end="2030-01-01T09:00:00Z"))
    proc = run_cli("validate", cwd=tmp_path)
    assert proc.returncode == 1
    assert "rename Maintenance.yml to maintenance.yaml" in proc.stdout
    assert "[end-before-start]" in proc.stdout and "[unknown-field]" not in proc.stdout


def test_an_update_named_incident_yml_stays_an_update(tmp_path: Path) -> None:
    write_statusfile(tmp_path / "statusfiles" / "2026-11-27-x" / "incident.yml", update("Looking."))
    proc = run_cli("validate", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout


@pytest.mark.parametrize(
    ("flag", "args"),
    [
        ("--page", ("--page", "Acme \udc85", "--name", "N")),
        ("--name", ("--page", PAGE, "--name", "Caf\udce9")),
        ("--incident", ("--incident", "01FCN\udc85")),
        ("--component", ("--incident", INCIDENT, "--component", "API=operational", "--component", "B\udcff")),
    ],
)
def test_new_refuses_command_line_text_that_is_not_utf8(
    tmp_path: Path, flag: str, args: tuple[str, ...]
) -> None:
    (tmp_path / "statusfiles").mkdir()
    for message in ("Looking.", "caf\udce9 down"):
        proc = run_cli("new", *args, "-m", message, cwd=tmp_path)  # a lone surrogate goes out as its byte
        assert proc.returncode == 2, proc.stderr
        assert f"Invalid value for {flag}: is not UTF-8 text (byte 0x" in proc.stderr
        assert "internal error" not in proc.stderr
    proc = run_cli("new", "--incident", INCIDENT, "-m", "caf\udce9 down", cwd=tmp_path)
    assert (
        proc.returncode == 2 and "Invalid value for --message: is not UTF-8 text (byte 0xe9)" in proc.stderr
    )
    assert not list((tmp_path / "statusfiles").rglob("*.yaml"))


def test_a_comment_after_an_unquoted_name_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "statusfiles" / "2026-11-27-x" / "incident.yaml"
    write_statusfile(path, incident(name="Checkout failures"))
    text = path.read_text().replace("name: Checkout failures\n", "name: Checkout failures #2\n")
    path.write_text(text)
    proc = run_cli("validate", cwd=tmp_path)
    assert proc.returncode == 1
    line = text.splitlines().index("name: Checkout failures #2") + 1
    assert (
        f"statusfiles/2026-11-27-x/incident.yaml:{line}:25: error: name: a '#' after a space starts a "
        "comment, so only 'Checkout failures' would be published; quote the name [yaml-trailing-comment]\n"
    ) in proc.stdout
    path.write_text(text.replace("name: Checkout failures #2", 'name: "Checkout failures #2"  # ticket 2'))
    assert run_cli("validate", cwd=tmp_path).returncode == 0


@pytest.mark.parametrize("target", [("--page", PAGE, "--name", "Checkout errors"), ("--incident", INCIDENT)])
def test_new_says_a_slug_without_letters_is_the_trouble(tmp_path: Path, target: tuple[str, ...]) -> None:
    (tmp_path / "statusfiles").mkdir()
    proc = run_cli("new", *target, "--slug", "...", "-m", "Looking.", cwd=tmp_path)
    assert proc.returncode == 2
    assert (
        "Invalid value for --slug: '...' has no Latin letters or digits to name a folder with: pass --slug "
        "with some" in proc.stderr
    )
    assert not list((tmp_path / "statusfiles").rglob("*.yaml"))


def test_the_markdown_plan_shows_angle_brackets_from_files_as_text(tmp_path: Path) -> None:
    folder = tmp_path / "statusfiles" / "2026-11-27-x"
    write_statusfile(folder / "incident.yaml", incident(name="Errors <details> in <!-- checkout"))
    proc = run_cli("plan", "--format", "markdown", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "#### Incident — Errors &lt;details> in &lt;!-- checkout\n" in proc.stdout
    assert '**create incident "Errors &lt;details> in &lt;!-- checkout"**' in proc.stdout
    write_statusfile(folder / "01-x.yaml", update("Better.", incident=None, status="<details>"))
    proc = run_cli("plan", "--format", "markdown", cwd=tmp_path)
    assert proc.returncode == 1
    assert 'incident_status: "&lt;details>" is not allowed' in proc.stdout
    assert "<details>" not in proc.stdout and "<!--" not in proc.stdout


def test_new_numbers_after_statusfiles_with_upper_case_suffixes(tmp_path: Path) -> None:
    folder = tmp_path / "statusfiles" / "2026-11-26-api"
    write_statusfile(folder / "05-investigating.YAML", update("Looking."))
    write_statusfile(folder / "07-identified.Yml", update("Found it.", status="identified"))
    proc = run_cli("new", "--incident", INCIDENT, "--status", "monitoring", "-m", "Better.", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "statusfiles/2026-11-26-api/08-monitoring.yaml\n"


def test_new_finds_a_folders_declaration_through_a_symlinked_directory(tmp_path: Path) -> None:
    folder = tmp_path / "real" / "statusfiles" / "2026-11-27-x"
    write_statusfile(folder / "incident.yaml", incident())
    (tmp_path / "sf").symlink_to(tmp_path / "real" / "statusfiles")
    args = ("--status", "monitoring", "-m", "Better.")
    proc = run_cli("new", "--dir", "sf", "--folder", "sf/2026-11-27-x", *args, cwd=tmp_path)
    assert (proc.returncode, proc.stdout) == (0, "sf/2026-11-27-x/01-monitoring.yaml\n"), proc.stderr
    proc = run_cli("new", "--dir", tmp_path / "sf", *args, cwd=tmp_path / "sf" / "2026-11-27-x")
    assert (proc.returncode, proc.stdout) == (0, "02-monitoring.yaml\n"), proc.stderr
    assert run_cli("validate", "--dir", "sf", cwd=tmp_path).stdout == "3 files checked, 0 failed.\n"


@pytest.mark.parametrize(
    ("tail", "where", "fix"),
    [
        (
            "message: [Status](https://status.example.com) is back\n",
            "3:18",
            "a value starting with [ or { is read as a list or mapping; if it is text, quote the value",
        ),
        ("message Fixed\n", "3:1", "this line is not `field: value`: put ': ' after the field's name"),
        ("message: |\nFixed\n", "4:1", "or indent a line that continues the value above it"),
    ],
)
def test_syntax_errors_point_at_the_line_to_mend_with_what_to_do(
    tmp_path: Path, tail: str, where: str, fix: str
) -> None:
    path = tmp_path / "statusfiles" / "inc" / "01-x.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(f"status_page_incident_id: {INCIDENT}\nnotify_subscribers: false\n{tail}")
    proc = run_cli("validate", cwd=tmp_path)
    assert proc.returncode == 1
    [first, _] = proc.stdout.splitlines()
    assert first.startswith(f"statusfiles/inc/01-x.yaml:{where}: error: invalid YAML: ")
    assert fix in first and first.endswith("[yaml-syntax]"), first


def test_a_directory_whose_own_name_is_not_utf8_holds_statusfiles_like_any_other(tmp_path: Path) -> None:
    directory = tmp_path / "sf\udcff"  # the byte 0xff, as os.fsdecode gives it
    write_statusfile(directory / "inc" / "01-x.yaml", update("Looking."))
    proc = run_cli("validate", "--dir", directory.name, cwd=tmp_path)
    assert (proc.returncode, proc.stdout) == (0, "1 file checked, 0 failed.\n")
    bad = write_statusfile(directory / "inc" / "02-\x01.yaml", update("Again."))
    proc = run_cli("validate", "--dir", directory.name, cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stdout.startswith("sf\\xff/inc/02-\\x01.yaml: error: the name holds a control character")
    bad.unlink()
    proc = run_cli("plan", "--dir", directory.name, cwd=tmp_path)
    assert proc.returncode == 0 and "  + inc/01-x.yaml\n" in proc.stdout, proc.stdout + proc.stderr


@pytest.mark.parametrize("fmt", ["github", "text"])
def test_a_file_named_like_a_workflow_command_never_starts_a_line(tmp_path: Path, fmt: str) -> None:
    directory = tmp_path / "statusfiles"
    write_statusfile(directory / "::stop-commands::abc.yaml", update("Looking.", notify=True))
    proc = run_cli("plan", "--format", fmt, "--dir", ".", cwd=directory)  # a notify-subscribers warning
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "\n./::stop-commands::abc.yaml:4:21: warning: notify_subscribers:" in proc.stdout
    assert not [line for line in proc.stdout.splitlines() if line.lstrip().startswith("::")], proc.stdout
    write_statusfile(directory / "::error::x.yaml", update("Again.", status="bogus"))
    proc = run_cli("validate", "--dir", ".", cwd=directory)
    assert proc.returncode == 1
    assert proc.stdout.startswith("./::error::x.yaml:5:18: error: incident_status:"), proc.stdout


def test_a_declaration_named_almost_right_beside_the_real_one_is_checked_as_an_update(tmp_path: Path) -> None:
    folder = tmp_path / "statusfiles" / "2026-11-27-x"
    write_statusfile(folder / "incident.yaml", incident())
    write_statusfile(folder / "Incident.yml", incident())
    proc = run_cli("validate", cwd=tmp_path)
    assert proc.returncode == 1
    assert "[misnamed-declaration]" not in proc.stdout
    assert "statusfiles/2026-11-27-x/Incident.yml:2:1: error: status_page_id: unknown field" in proc.stdout


@pytest.mark.parametrize(
    "name", ["03-monitoring.yam", "03-monitoring.YML ", "03-monitoring.yaml.", "03-x.ymal"]
)
def test_a_statusfile_named_with_a_slipped_suffix_is_an_error_not_left_out(tmp_path: Path, name: str) -> None:
    """Left out, it would never be checked nor published, and nothing would say so."""
    folder = tmp_path / "statusfiles" / "a"
    write_statusfile(folder / "01-investigating.yaml", update("Looking."))
    write_statusfile(folder / name, update("Fixed."))
    for other in ("notes.md", "01-investigating.yaml~", "ledger.jsonl"):  # not meant as statusfiles
        (folder / other).write_text("x\n")
    for command in ("validate", "plan"):
        proc = run_cli(command, cwd=tmp_path)
        assert proc.returncode == 1, proc.stdout
        assert (
            f"statusfiles/a/{name}: error: the name does not end in .yaml or .yml, so this file would never "
            "be checked or published; rename it to end in .yaml [misnamed-statusfile]"
        ) in proc.stdout
        assert "notes.md" not in proc.stdout and "yaml~" not in proc.stdout and "ledger" not in proc.stdout
