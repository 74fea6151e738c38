"""What a user sees when something around the statusfiles is wrong: one line and a meaningful exit status.

A traceback is for statusfiles' own bugs only, and even then it goes to a log file (exit status 3).
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from sync.sandbox import Sandbox
from tests.support.cli import run_cli, sync_env
from tests.support.payloads import INCIDENT, update, write_statusfile
from tests.support.repo import copy_examples

CLOSED_PORT = "http://127.0.0.1:9"  # nothing listens on the discard port in a test machine


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return copy_examples(tmp_path)


def one_line(text: str) -> str:
    assert "Traceback" not in text, text
    assert text.count("\n") == 1, text
    return text


# --- the ledger's path ---------------------------------------------------------------------------


@pytest.fixture
def read_only() -> Iterator[object]:
    """Makes a file or folder read-only, for root too (the immutable attribute), and undoes it after."""
    made: list[Path] = []

    def make(path: Path) -> None:
        path.chmod(0o555 if path.is_dir() else 0o444)
        made.append(path)
        if os.access(path, os.W_OK):  # root: permissions do not stop it
            proc = subprocess.run(["chattr", "+i", path], capture_output=True, check=False)
            if proc.returncode != 0 or os.access(path, os.W_OK):
                pytest.skip("this user can write any file here (no chattr +i)")

    yield make
    for path in made:
        subprocess.run(["chattr", "-i", path], capture_output=True, check=False)
        path.chmod(0o755)


def test_plan_says_why_a_ledger_that_is_a_folder_cannot_be_read(project: Path) -> None:
    (project / "statusfiles" / "ledger.jsonl").mkdir()
    proc = run_cli("plan", cwd=project)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert proc.stderr == ""
    problem = "is not a regular file; the ledger must be a plain file"
    assert f"statusfiles/ledger.jsonl: error: {problem} [ledger-invalid]" in proc.stdout


def test_plan_says_why_a_ledger_under_a_file_cannot_be_read(project: Path) -> None:
    (project / "a-file").write_text("")
    proc = run_cli("plan", "--ledger", "a-file/ledger.jsonl", cwd=project)
    assert proc.returncode == 1 and proc.stderr == ""
    assert "a-file/ledger.jsonl: error: cannot be read: Not a directory [ledger-invalid]" in proc.stdout


def test_sync_refuses_a_ledger_folder_before_reading_the_page(project: Path, sandbox: Sandbox) -> None:
    (project / "statusfiles" / "ledger.jsonl").mkdir()
    proc = run_cli("sync", cwd=project, env=sync_env(sandbox.base_url))
    assert (proc.returncode, proc.stderr) == (1, "")
    assert one_line(proc.stdout).startswith(
        "Nothing was published: the ledger statusfiles/ledger.jsonl cannot be written"
    )
    assert sandbox.requests() == []


def test_a_fifo_named_like_the_ledger_is_refused_not_read(project: Path, sandbox: Sandbox) -> None:
    os.mkfifo(project / "statusfiles" / "ledger.jsonl")  # opening it blocking would hang every command
    proc = run_cli("plan", cwd=project, timeout=60)
    assert proc.returncode == 1 and proc.stderr == ""
    assert (
        "statusfiles/ledger.jsonl: error: is not a regular file; the ledger must be a plain file"
        in proc.stdout
    )
    proc = run_cli("sync", cwd=project, env=sync_env(sandbox.base_url), timeout=60)
    assert (proc.returncode, proc.stderr) == (1, "")
    assert one_line(proc.stdout) == (
        "Nothing was published: the ledger statusfiles/ledger.jsonl is not a regular file; "
        "the ledger must be a plain file.\n"
    )
    assert sandbox.requests() == []


def test_a_socket_named_like_the_ledger_is_called_not_a_regular_file(project: Path) -> None:
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(project / "statusfiles" / "ledger.jsonl"))  # opening it fails: ENXIO
    proc = run_cli("plan", cwd=project, timeout=60)
    assert proc.returncode == 1 and proc.stderr == ""
    assert (
        "statusfiles/ledger.jsonl: error: is not a regular file; the ledger must be a plain file"
        in proc.stdout
    )


def test_a_fifo_named_like_the_snapshot_is_refused_not_read(project: Path, sandbox: Sandbox) -> None:
    snap = project / "statusfiles" / "snapshot.json"
    snap.unlink(missing_ok=True)
    os.mkfifo(snap)  # opening it blocking would hang validate, plan and pull
    refused = (
        "statusfiles/snapshot.json: error: the snapshot cannot be read: not a regular file; "
        "run `statusfiles pull` to write the snapshot again [snapshot-invalid]"
    )
    for command in ("validate", "plan"):
        proc = run_cli(command, cwd=project, timeout=30)
        assert proc.returncode == 1 and refused in proc.stdout, proc.stdout + proc.stderr
    proc = run_cli("pull", cwd=project, env=sync_env(sandbox.base_url), timeout=30)
    assert proc.returncode == 1
    assert (
        "statusfiles/snapshot.json cannot be read (statusfiles/snapshot.json: not a regular file)"
        in proc.stderr
    )
    assert snap.is_fifo()


def test_a_snapshot_nested_too_deeply_for_the_json_parser_is_an_error(project: Path) -> None:
    (project / "statusfiles" / "snapshot.json").write_text("[" * 100_000 + "]" * 100_000)
    for command in ("validate", "plan"):
        proc = run_cli(command, cwd=project)
        assert proc.returncode == 1, proc.stdout + proc.stderr
        assert (
            "statusfiles/snapshot.json:1:1: error: the snapshot is nested too deeply to be one; "
            "run `statusfiles pull` to write the snapshot again [snapshot-invalid]"
        ) in proc.stdout


@pytest.mark.parametrize(
    ("command", "variable"),
    [
        (["validate", "--format", "github"], "GITHUB_OUTPUT"),
        (["plan", "--format", "github"], "GITHUB_STEP_SUMMARY"),
        (["plan", "--format", "github"], "GITHUB_OUTPUT"),
        (["sync", "--no-upstream-check"], "GITHUB_STEP_SUMMARY"),
    ],
)
@pytest.mark.parametrize("special", ["folder", "fifo"])
def test_a_runner_file_that_cannot_be_written_is_a_one_line_error(
    project: Path, sandbox: Sandbox, command: list[str], variable: str, special: str
) -> None:
    target = project / "runner-file"
    if special == "folder":
        target.mkdir()
    else:
        os.mkfifo(target)  # opened blocking, it would wait for a reader for ever
    env = sync_env(sandbox.base_url) | {variable: str(target)}
    proc = run_cli(*command, cwd=project, env=env, timeout=60)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    why = "Is a directory" if special == "folder" else "not a regular file"
    assert one_line(proc.stderr) == f"Error: cannot write to {variable} ({target}): {why}\n"


def test_sync_refuses_a_ledger_under_a_file(project: Path, sandbox: Sandbox) -> None:
    (project / "a-file").write_text("")
    proc = run_cli("sync", "--ledger", "a-file/ledger.jsonl", cwd=project, env=sync_env(sandbox.base_url))
    assert (proc.returncode, proc.stderr) == (1, "")
    assert one_line(proc.stdout) == (
        "Nothing was published: the ledger a-file/ledger.jsonl cannot be written (a-file: File exists).\n"
    )
    assert sandbox.requests() == []


def test_sync_refuses_a_read_only_ledger(project: Path, sandbox: Sandbox, read_only: object) -> None:
    ledger = project / "statusfiles" / "ledger.jsonl"
    ledger.write_text("")
    read_only(ledger)  # type: ignore[operator]
    proc = run_cli("sync", cwd=project, env=sync_env(sandbox.base_url))
    assert (proc.returncode, proc.stderr) == (1, "")
    assert re.fullmatch(
        r"Nothing was published: the ledger statusfiles/ledger\.jsonl cannot be written "
        r"\(statusfiles/ledger\.jsonl: (Permission denied|Operation not permitted)\)\.\n",
        one_line(proc.stdout),
    )
    assert sandbox.requests() == []


def test_sync_stops_before_the_first_post_when_the_ledger_cannot_be_created(
    project: Path, sandbox: Sandbox, read_only: object
) -> None:
    ledger_dir = project / "records"
    ledger_dir.mkdir()
    read_only(ledger_dir)  # type: ignore[operator]
    proc = run_cli(
        "sync", "--ledger", ledger_dir / "ledger.jsonl", cwd=project, env=sync_env(sandbox.base_url)
    )
    assert proc.returncode == 1 and proc.stderr == "", proc.stderr
    assert "could not be written" in one_line(proc.stdout.splitlines(keepends=True)[-1])
    assert "the next sync reads back any update whose outcome was not recorded" in proc.stdout
    # Read the incidents and the page's structure; posted nothing.
    assert sorted(r["path"].split("/")[2] for r in sandbox.requests() if r["method"] == "GET") == [
        "status_page_incidents",
        "status_page_incidents",
        "status_page_structures",
    ]
    assert {r["method"] for r in sandbox.requests()} == {"GET"}


# --- settings ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "env, expected",
    [
        ({"STATUSFILES_RETRY_ATTEMPTS": "abc"}, "STATUSFILES_RETRY_ATTEMPTS='abc': expected a whole number"),
        ({"STATUSFILES_RETRY_ATTEMPTS": "0"}, "STATUSFILES_RETRY_ATTEMPTS='0': expected a whole number"),
        ({"STATUSFILES_RETRY_BASE": "nan"}, "STATUSFILES_RETRY_BASE='nan': expected a number of seconds"),
        ({"STATUSFILES_RETRY_CAP": "-1"}, "STATUSFILES_RETRY_CAP='-1': expected a number of seconds"),
        ({"STATUSFILES_RETRY_CAP": "inf"}, "STATUSFILES_RETRY_CAP='inf': expected a number of seconds"),
        # A backoff longer than the clock can hold, or than any wait the API may ask for, is a hang.
        (
            {"STATUSFILES_RETRY_BASE": "1e308", "STATUSFILES_RETRY_CAP": "1e308"},
            "STATUSFILES_RETRY_BASE='1e308': expected a number of seconds, 0 to 120",
        ),
        ({"STATUSFILES_RETRY_CAP": "121"}, "STATUSFILES_RETRY_CAP='121': expected a number of seconds, 0 to"),
    ],
)
def test_a_bad_retry_setting_is_a_usage_error(project: Path, env: dict[str, str], expected: str) -> None:
    # Nothing listens at the base URL: a retry policy that is accepted is used at once (and a NaN one hangs).
    env = {**sync_env(CLOSED_PORT), **env}
    proc = run_cli("sync", cwd=project, env=env, timeout=60)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert expected in proc.stderr and "Traceback" not in proc.stderr
    assert not (project / "statusfiles" / "ledger.jsonl").exists()


@pytest.mark.parametrize("option", ["--timeout", "--lock-timeout"])
@pytest.mark.parametrize("value", ["nan", "inf"])
def test_a_timeout_that_is_not_a_number_is_a_usage_error(project: Path, option: str, value: str) -> None:
    proc = run_cli("sync", option, value, cwd=project, env=sync_env(CLOSED_PORT), timeout=60)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert f"Invalid value for '{option}': {value} is not a number of seconds" in proc.stderr


# --- new -----------------------------------------------------------------------------------------


def test_new_with_a_message_file_that_is_not_utf8(project: Path) -> None:
    (project / "message.txt").write_bytes("Réparé".encode("latin-1"))
    before = sorted(project.rglob("*"))
    proc = run_cli("new", "--incident", INCIDENT, "--message-file", "message.txt", cwd=project)
    assert proc.returncode == 2, proc.stderr
    assert "Invalid value for --message-file: message.txt is not UTF-8 text (byte 1)" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert sorted(project.rglob("*")) == before


def test_new_when_the_next_name_is_too_long_for_the_file_system(tmp_path: Path) -> None:
    folder = tmp_path / "statusfiles" / "2026-11-26-long"
    write_statusfile(folder / ("9" * 240 + ".yaml"), update())  # the next is 241 digits and "-update.yaml"
    proc = run_cli("new", "--incident", INCIDENT, "-m", "More.", cwd=tmp_path)
    assert proc.returncode == 1
    assert one_line(proc.stderr).startswith("Error: cannot write statusfiles/2026-11-26-long/1000")
    assert proc.stderr.endswith("-update.yaml: File name too long\n")
    assert len(list(folder.iterdir())) == 1


# --- the API -------------------------------------------------------------------------------------


def test_a_refused_key_is_reported_once(project: Path, sandbox: Sandbox) -> None:
    proc = run_cli("sync", cwd=project, env=sync_env(sandbox.base_url, key="not-the-key"))
    assert (proc.returncode, proc.stderr) == (1, "")
    assert proc.stdout.count("HTTP 401") == 1, proc.stdout
    assert "[api-auth]" in proc.stdout
    assert proc.stdout.endswith("Nothing was published: the status page could not be read.\n")


# --- statusfiles' own bugs -----------------------------------------------------------------------

KEY = "sk_live_0123456789abcdef"
# A real process running the real entry point, with one fault put in: the command hits an exception
# that no user input can cause, whose message quotes the API key (as an HTTP library's might).
CRASHING = (
    "import os, sys\n"
    "import sync.commands.validate as v\n"
    "def boom(*args, **kwargs):\n"
    "    key = os.environ['INCIDENT_IO_API_KEY']\n"
    "    raise RuntimeError(f'sent Authorization: Bearer {key}\\nthen failed')\n"
    "v.load_all = boom\n"
    "from sync.cli import main\n"
    "sys.argv = ['statusfiles', 'validate']\n"
    "main()\n"
)


def crash(project: Path, **env: str) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if not k.startswith(("STATUSFILES_", "INCIDENT_IO_"))}
    full |= {"INCIDENT_IO_API_KEY": KEY, "XDG_CACHE_HOME": str(project / "cache"), **env}
    return subprocess.run(
        [sys.executable, "-c", CRASHING], cwd=project, env=full, capture_output=True, text=True, timeout=60
    )


def test_a_bug_prints_one_line_naming_the_log_and_exits_3(project: Path) -> None:
    proc = crash(project)
    assert proc.returncode == 3, proc.stderr
    line = one_line(proc.stderr)
    assert line.startswith(
        "statusfiles: internal error (a bug): "
        "RuntimeError: sent Authorization: Bearer [redacted] then failed "
    )
    [log] = (project / "cache" / "statusfiles").iterdir()
    assert f"[traceback in {log}; STATUSFILES_DEBUG=1 prints it]" in line
    text = log.read_text()
    assert "Traceback (most recent call last):" in text and "in boom" in text
    assert KEY not in text and KEY not in proc.stderr
    assert "Bearer [redacted]" in text


def test_a_bug_falls_back_to_the_temp_dir_when_the_cache_cannot_be_written(project: Path) -> None:
    (project / "cache").write_text("a file, not a folder")
    (project / "tmp").mkdir()
    proc = crash(project, TMPDIR=str(project / "tmp"))
    assert proc.returncode == 3
    [log] = (project / "tmp").iterdir()
    assert f"[traceback in {log};" in one_line(proc.stderr)
    assert "in boom" in log.read_text()


def test_debug_prints_the_traceback_without_the_key(project: Path) -> None:
    proc = crash(project, STATUSFILES_DEBUG="1")
    assert proc.returncode == 3
    assert "Traceback (most recent call last):" in proc.stderr and "in boom" in proc.stderr
    assert KEY not in proc.stderr
    assert proc.stderr.splitlines()[-1].startswith("statusfiles: internal error (a bug): RuntimeError:")
