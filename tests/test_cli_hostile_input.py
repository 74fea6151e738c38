"""Files no statusfile should be: special files, symlinks, odd names and hostile text, through the CLI.

Each of validate, plan and sync must answer with diagnostics (never hang, never a traceback), and what
they print must be safe in a terminal and in a GitHub Actions log.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support.cli import run_cli, run_json
from tests.support.payloads import HEAD, INCIDENT, update, write_statusfile

# Far beyond what any of these runs needs, and short enough that a hang fails the test instead of the suite.
TIMEOUT = 60


@pytest.fixture
def project(tmp_path: Path) -> Path:
    write_statusfile(tmp_path / "statusfiles" / "2026-11-26-api" / "01-investigating.yaml", update("One"))
    return tmp_path


def _by_file(report: dict) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for d in report["diagnostics"]:
        out.setdefault(d["file"], []).append(d["rule"])
    return out


def _assert_no_hang_or_traceback(project: Path, *args: str) -> None:
    """validate, plan and sync all refuse the same files, promptly and with one-line diagnostics."""
    sync_env = {"INCIDENT_IO_API_KEY": "unused-key", "INCIDENT_IO_BASE_URL": "http://127.0.0.1:9"}
    for command, env in (("validate", {}), ("plan", {}), ("sync", sync_env)):
        proc = run_cli(command, *args, cwd=project, env=env, timeout=TIMEOUT)
        assert proc.returncode == 1, (command, proc.stdout, proc.stderr)
        assert "Traceback" not in proc.stderr, (command, proc.stderr)


def test_special_files_are_refused_without_being_opened(project: Path) -> None:
    root = project / "statusfiles"
    os.mkfifo(root / "fifo.yaml")
    (root / "ptmx.yaml").symlink_to("/dev/ptmx")
    os.mkfifo(root / "notes")  # not a YAML name: not a candidate, so not reported either
    _assert_no_hang_or_traceback(project)
    code, report = run_json("validate", cwd=project, timeout=TIMEOUT)
    assert code == 1
    assert _by_file(report) == {
        "statusfiles/fifo.yaml": ["not-a-regular-file"],
        "statusfiles/ptmx.yaml": ["not-a-regular-file"],
    }
    messages = {d["file"]: d["message"] for d in report["diagnostics"]}
    assert messages["statusfiles/fifo.yaml"].startswith("is a named pipe (FIFO), not a regular file")
    assert messages["statusfiles/ptmx.yaml"].startswith("is a symlink to /dev/ptmx;")


def test_a_fifo_named_on_the_command_line_is_refused(project: Path) -> None:
    os.mkfifo(project / "x.yaml")
    code, report = run_json("validate", "x.yaml", cwd=project, timeout=TIMEOUT)
    assert code == 1 and _by_file(report) == {"x.yaml": ["not-a-regular-file"]}


def test_symlinks_are_refused_wherever_they_point(
    project: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """A symlink out of the repository would publish a file nobody reviewed; one inside it, a file twice."""
    outside = tmp_path_factory.mktemp("outside")
    secret = write_statusfile(outside / "secret.yaml", update("Not reviewed by anyone"))
    write_statusfile(outside / "more" / "02.yaml", update("Nor this"))
    root = project / "statusfiles"
    (root / "outside.yaml").symlink_to(secret)
    (root / "inside.yml").symlink_to(root / "2026-11-26-api" / "01-investigating.yaml")
    (root / "folder").symlink_to(outside / "more")  # not followed: its files would never be published
    (root / "dangling.yaml").symlink_to(root / "nowhere.yaml")
    _assert_no_hang_or_traceback(project)
    code, report = run_json("validate", cwd=project, timeout=TIMEOUT)
    assert code == 1
    assert report["summary"]["files_failed"] == 4
    assert _by_file(report) == {
        f"statusfiles/{name}": ["not-a-regular-file"]
        for name in ("dangling.yaml", "folder", "inside.yml", "outside.yaml")
    }
    folder = next(d for d in report["diagnostics"] if d["file"] == "statusfiles/folder")
    assert "not followed" in folder["message"]


def test_an_unreadable_folder_is_an_error(project: Path) -> None:
    """A folder the walk cannot enter (here: its path is longer than the system allows) is not skipped."""
    name = "d" * 250
    fd = os.open(project / "statusfiles", os.O_RDONLY)
    try:
        for _ in range(18):  # 18 x 251 characters: past PATH_MAX (4096), reachable only step by step
            os.mkdir(name, dir_fd=fd)
            deeper = os.open(name, os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = deeper
    finally:
        os.close(fd)
    code, report = run_json("validate", cwd=project, timeout=TIMEOUT)
    assert code == 1
    [diagnostic] = report["diagnostics"]
    assert diagnostic["rule"] == "unreadable"
    assert diagnostic["message"].startswith("cannot read the folder:")
    assert report["summary"] == {"files_checked": 2, "files_failed": 1, "errors": 1, "warnings": 0}


def test_upper_case_suffixes_are_checked(project: Path) -> None:
    root = project / "statusfiles" / "2026-11-26-api"
    write_statusfile(root / "02-identified.YAML", update("Two", status="fixed"))
    write_statusfile(root / "03-monitoring.Yml", update("Three", status="monitoring"))
    code, report = run_json("validate", cwd=project)
    assert code == 1
    assert report["summary"]["files_checked"] == 3
    assert _by_file(report) == {"statusfiles/2026-11-26-api/02-identified.YAML": ["enum"]}


def test_a_huge_file_is_not_read(project: Path) -> None:
    """A sparse 8 GiB file: refused from its size alone (reading it would take minutes and the memory)."""
    with open(project / "statusfiles" / "huge.yaml", "wb") as f:
        f.truncate(8 << 30)
    code, report = run_json("validate", cwd=project, timeout=TIMEOUT)
    assert code == 1 and _by_file(report) == {"statusfiles/huge.yaml": ["file-too-large"]}


@pytest.mark.parametrize("fmt", ["text", "github"])
def test_control_characters_in_file_names_are_escaped_and_refused(project: Path, fmt: str) -> None:
    """A newline in a file name must not start a line of its own: `::` there is a workflow command."""
    root = project / "statusfiles"
    write_statusfile(root / "a\n::error file=x::injected\x1b[2J.yaml", update("Looks fine"))
    (root / os.fsdecode(b"caf\xe9.yaml")).write_bytes(b"not: [valid\n")  # a Latin-1 name: not UTF-8
    proc = run_cli("validate", "--format", fmt, cwd=project, timeout=TIMEOUT)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    lines = proc.stdout.splitlines()
    assert len(lines) == 3, proc.stdout  # two diagnostics and the summary: nothing split a line
    assert "\x1b" not in proc.stdout
    if fmt == "text":
        assert not any(line.lstrip().startswith("::") for line in lines)
        assert lines[0] == (
            "statusfiles/a\\n::error file=x::injected\\x1b[2J.yaml: error: the name holds a control "
            "character or bytes that are not UTF-8 (shown escaped); rename it [bad-file-name]"
        )
        assert lines[1].startswith("statusfiles/caf\\xe9.yaml: error: the name holds")
    else:
        assert all(line.startswith("::error file=statusfiles/") for line in lines[:2])
        assert "title=statusfiles bad-file-name" in lines[0]


def test_hostile_text_is_a_diagnostic_for_every_command(project: Path) -> None:
    root = project / "statusfiles" / "2026-11-26-api"
    write_statusfile(root / "02-surrogate.yaml", HEAD + 'message: "\\ud800"\n')
    write_statusfile(
        root / "03-hidden-line.yaml", f"status_page_incident_id: {INCIDENT}\nmessage: Ok\u2028x: y\n"
    )
    write_statusfile(root / "04-binary.yaml", bytes(range(256)))
    _assert_no_hang_or_traceback(project)
    code, report = run_json("validate", cwd=project)
    assert code == 1
    assert _by_file(report) == {
        "statusfiles/2026-11-26-api/02-surrogate.yaml": ["yaml-surrogate"],
        "statusfiles/2026-11-26-api/03-hidden-line.yaml": [
            "required",  # notify_subscribers: the hidden line did not supply it
            "yaml-hidden-line-break",
            "unknown-field",  # x
        ],
        "statusfiles/2026-11-26-api/04-binary.yaml": ["not-utf8"],
    }


@pytest.mark.parametrize(
    ("message", "fix"),
    [
        ("Update: still working", "': ' inside an unquoted value starts a new field; quote the value"),
        ("**Resolved**: ok", "a value starting with * or & is read as an alias or anchor; quote the value"),
        ("@here it is fixed", "@ cannot start an unquoted value; quote the value"),
        ("`api` is back", "` cannot start an unquoted value; quote the value"),
        ("- fixed", "a value starting with '- ' is read as a list; quote the value"),
        ("\tFixed", "use spaces, not tabs"),
        ("'it's fixed'", "inside '…' write '' for a quote"),
    ],
)
def test_syntax_errors_say_what_to_do(project: Path, message: str, fix: str) -> None:
    path = write_statusfile(project / "statusfiles" / "bad.yaml", HEAD + f"message: {message}\n")
    proc = run_cli("validate", path.relative_to(project), cwd=project)
    first = proc.stdout.splitlines()[0]
    assert first.startswith("statusfiles/bad.yaml:3:") and first.endswith("[yaml-syntax]")
    assert fix in first, first
    if not message.startswith(("\t", "'")):
        assert "or use `message: |` with the text on the lines below" in first
