"""A disk that fills up is the user's trouble, not a bug: every write that fails says which file and why,
in one line, with exit status 1 (never 3, "internal error")."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from sync.commands.sync import PROGRESS_EVERY
from sync.sandbox import Sandbox
from tests.support.cli import run_cli, sync_env
from tests.support.objects import INCIDENT_FOLDER, INCIDENT_NAME, incident_yaml, messages, write
from tests.support.payloads import INCIDENT, update
from tests.support.repo import REPO, copy_examples

DEV_FULL = Path("/dev/full")  # every write to it fails with ENOSPC


def published(root: Path, sb: Sandbox) -> Path:
    """A tree whose declared incident sync has published: the ledger exists. Its path."""
    write(root / "statusfiles" / INCIDENT_FOLDER / "incident.yaml", incident_yaml())
    done = run_cli("sync", cwd=root, env=sync_env(sb.base_url))
    assert done.returncode == 0, done.stdout + done.stderr
    return root / "statusfiles" / "ledger.jsonl"


def test_output_to_a_full_disk_is_an_error_not_a_crash(tmp_path: Path) -> None:
    copy_examples(tmp_path)
    for args in (("validate",), ("plan", "--format", "json")):
        proc = run_cli(*args, cwd=tmp_path, stdout=DEV_FULL)
        assert proc.returncode == 1, proc.stderr
        assert proc.stderr == "Error: cannot write to standard output: No space left on device\n"


def test_any_command_whose_output_fills_the_disk_exits_1_not_3(tmp_path: Path) -> None:
    """Help, the sandbox's and every command's own echo: caught once, at the top, not command by command."""
    for args in (("--help",), ("sandbox", "--help"), ("github", "publish", "--help")):
        proc = run_cli(*args, cwd=tmp_path, stdout=DEV_FULL)
        assert proc.returncode == 1, proc.stderr
        assert proc.stderr == "Error: cannot write: No space left on device\n"


def test_new_and_schema_write_their_files_then_say_the_output_failed(tmp_path: Path) -> None:
    copy_examples(tmp_path)
    before = set((tmp_path / "statusfiles").rglob("*.yaml"))
    proc = run_cli(
        "new", "--incident", "01FCNDV6P870EA6S7TK1DSYDG1", "-m", "x", cwd=tmp_path, stdout=DEV_FULL
    )
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr == "Error: cannot write to standard output: No space left on device\n"
    assert len(set((tmp_path / "statusfiles").rglob("*.yaml")) - before) == 1

    schema = (
        "schema",
        "--spec",
        REPO / "schemas" / "openapi" / "openapi-status-pages-v2.json",
        "--out-dir",
        "out",
    )
    proc = run_cli(*schema, cwd=tmp_path, stdout=DEV_FULL)
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr == "Error: cannot write to standard output: No space left on device\n"
    checked = run_cli(*schema, "--check", cwd=tmp_path)  # every schema was written all the same
    assert checked.returncode == 0 and "5 schemas in out are up to date" in checked.stdout, checked.stderr


def test_sync_to_a_full_disk_publishes_everything_and_exits_1(tmp_path: Path, sandbox: Sandbox) -> None:
    """A line of output that cannot be written never stops the publishing, nor the job summary."""
    folder = tmp_path / "statusfiles" / INCIDENT_FOLDER
    write(folder / "incident.yaml", incident_yaml())
    write(folder / "01-identified.yaml", update("Found it.", incident=None, status="identified"))
    write(folder / "02-resolved.yaml", update("Fixed.", incident=None, status="resolved"))
    summary = tmp_path / "summary.md"
    env = {**sync_env(sandbox.base_url), "GITHUB_STEP_SUMMARY": str(summary)}
    proc = run_cli("sync", cwd=tmp_path, env=env, stdout=DEV_FULL)
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr == "Error: cannot write to standard output: No space left on device\n"
    assert messages(sandbox, "incident", INCIDENT_NAME) == [
        "Checkout fails for some customers.",
        "Found it.",
        "Fixed.",
    ]
    assert "Published 2 updates" in summary.read_text(encoding="utf-8")
    again = run_cli("sync", cwd=tmp_path, env=sync_env(sandbox.base_url))
    assert again.returncode == 0 and "Nothing new to publish." in again.stdout, again.stdout + again.stderr


def test_sync_names_the_ledger_and_the_reason(tmp_path: Path, sandbox: Sandbox) -> None:
    ledger = published(tmp_path, sandbox)
    write(
        tmp_path / "statusfiles" / INCIDENT_FOLDER / "01-identified.yaml", update("Found it.", incident=None)
    )
    size = ledger.stat().st_size
    proc = run_cli("sync", cwd=tmp_path, env=sync_env(sandbox.base_url), max_file_size=size)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "the ledger statusfiles/ledger.jsonl could not be written (File too large)" in proc.stdout


def test_import_names_the_ledger_and_the_file_it_wrote(tmp_path: Path, sandbox: Sandbox) -> None:
    ledger = published(tmp_path, sandbox)
    shutil.copytree(REPO / "schemas", tmp_path / "schemas")  # else import writes a copy first
    # The sandbox's seed has incidents posted elsewhere: import --open writes them.
    before = ledger.read_bytes()

    proc = run_cli(
        "import", "--open", cwd=tmp_path, env=sync_env(sandbox.base_url), max_file_size=len(before)
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    (line,) = proc.stderr.splitlines()
    written = re.fullmatch(
        r"Error: the ledger statusfiles/ledger.jsonl could not be written \(File too large\): "
        r"(statusfiles/\S+/incident.yaml) was written but not recorded, and nothing after it was imported; "
        r"import again to record it",
        line,
    )
    assert written is not None, line
    assert (tmp_path / written[1]).is_file()
    assert ledger.read_bytes() == before


def test_publish_job_goes_on_when_its_report_cannot_be_written(tmp_path: Path) -> None:
    copy_examples(tmp_path)
    work = tmp_path / "work"
    work.mkdir()
    proc = run_cli("github", "publish", "--work", work, cwd=tmp_path, max_file_size=1)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert proc.stderr == f"Error: cannot write to the job's report ({work / 'report.md'}): File too large\n"
    assert "INCIDENT_IO_API_KEY is not configured" in proc.stdout


def test_sync_with_standard_error_on_a_full_disk_publishes_everything(
    tmp_path: Path, sandbox: Sandbox
) -> None:
    """The progress line every PROGRESS_EVERY updates goes to standard error: one that cannot be written
    is no ledger's failure, and never stops the publishing."""
    total = PROGRESS_EVERY + 1
    for n in range(1, total + 1):
        write(tmp_path / "statusfiles" / "2026-11-27-long" / f"{n:03}.yaml", update(f"T: {n}"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STATUSFILES_", "INCIDENT_IO_"))}
    env |= sync_env(sandbox.base_url) | {"NO_COLOR": "1"}
    env.pop("GITHUB_STEP_SUMMARY", None)
    with DEV_FULL.open("w") as full:
        proc = subprocess.run(
            [sys.executable, "-m", "sync", "sync"],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=full,
            text=True,
            timeout=120,
        )
    assert proc.returncode == 0, proc.stdout
    assert proc.stdout.endswith(f"Published {total} updates to 1 incident.\n"), proc.stdout
    assert [u["message"] for u in sandbox.updates(INCIDENT)][-total:] == [
        f"T: {n}" for n in range(1, total + 1)
    ]


def test_a_ledger_that_fills_up_mid_sync_reports_what_was_published_before(
    tmp_path: Path, sandbox: Sandbox
) -> None:
    """Not "nothing was published": the update posted before the ledger filled up is in the report."""
    ledger = published(tmp_path, sandbox)
    folder = tmp_path / "statusfiles" / INCIDENT_FOLDER
    write(folder / "01-identified.yaml", update("Found it B.", incident=None))
    before = ledger.stat().st_size
    assert run_cli("sync", cwd=tmp_path, env=sync_env(sandbox.base_url)).returncode == 0
    one_update = ledger.stat().st_size - before  # its intent and its outcome: the next is as long
    write(folder / "02-identified.yaml", update("Found it C.", incident=None))
    write(folder / "03-identified.yaml", update("Found it D.", incident=None))
    limit = ledger.stat().st_size + one_update + one_update // 3  # room for 02, not for 03's intent
    proc = run_cli(
        "sync", "--format", "json", cwd=tmp_path, env=sync_env(sandbox.base_url), max_file_size=limit
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    summary = json.loads(proc.stdout)["summary"]
    assert summary["posted"] == 1 and summary["ok"] is False
    assert summary["stopped"] == "the ledger statusfiles/ledger.jsonl could not be written (File too large)"
    text = run_cli("sync", "--dry-run", cwd=tmp_path, env=sync_env(sandbox.base_url))
    assert "03-identified.yaml" in text.stdout and "02-identified.yaml" not in text.stdout
    assert messages(sandbox, "incident", INCIDENT_NAME)[-2:] == ["Found it B.", "Found it C."]
