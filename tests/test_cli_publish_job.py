"""`statusfiles github publish` against the sandbox: sync, pull and import --open in one process.

scripts/publish.sh runs it between its git steps (tests/test_publish_script.py runs the whole job); here it
runs without them, in a plain folder, so what it does between them can be checked on its own: that each
step sees what the step before it changed (the ledger after sync, the snapshot after the pull), and the
outputs and report it writes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from sync.sandbox import Fault, Sandbox
from tests.support.cli import SANDBOX_KEY, run_cli, sync_env
from tests.support.outputs import parse_outputs
from tests.support.payloads import COMPONENT, INCIDENT, update, write_statusfile


def publish(sandbox: Sandbox, root: Path, **env: str) -> tuple[int, str, dict[str, str], str]:
    """Run the command in ``root`` as the action does: exit status, stdout, step outputs, job summary."""
    outputs, summary = root / "outputs", root / "summary.md"
    outputs.write_text("")
    summary.write_text("")
    full = sync_env(sandbox.base_url) | {
        "GITHUB_OUTPUT": str(outputs),
        "GITHUB_STEP_SUMMARY": str(summary),
        "STATUSFILES_ACTION_OUTPUTS": "true",
    }
    proc = run_cli("github", "publish", cwd=root, env=full | env)
    return proc.returncode, proc.stdout + proc.stderr, parse_outputs(outputs.read_text()), summary.read_text()


def from_slack(sandbox: Sandbox, message: str) -> None:
    """An update posted outside statusfiles, as the Slack app would."""
    body = {"status_page_incident_id": INCIDENT, "message": message, "notify_subscribers": False}
    r = httpx.post(
        f"{sandbox.base_url}/v2/status_page_incident_updates",
        json=body,
        headers={"Authorization": f"Bearer {SANDBOX_KEY}"},
    )
    assert r.status_code in (200, 201), r.text


def messages(sandbox: Sandbox) -> list[str]:
    return [u["message"].strip() for u in sandbox.updates(INCIDENT) if u["message"].startswith("T:")]


def ledger(root: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in (root / "statusfiles" / "ledger.jsonl").read_text().splitlines()]


def baseline(sandbox: Sandbox, root: Path) -> int:
    """What the page showed before the test, imported; the ledger's length then."""
    (root / "statusfiles").mkdir(parents=True)
    proc = run_cli("import", "--open", cwd=root, env=sync_env(sandbox.base_url))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return len(ledger(root))


def test_one_run_publishes_pulls_and_imports_each_seeing_the_step_before(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    before = baseline(sandbox, tmp_path)
    rel = "2026-11-26-api-errors/01-update.yaml"
    write_statusfile(tmp_path / "statusfiles" / rel, update("T: from git", status=None))
    from_slack(sandbox, "T: from Slack")
    plan_json = tmp_path / "plan.json"

    code, out, outputs, summary = publish(sandbox, tmp_path, STATUSFILES_PLAN_JSON=str(plan_json))

    assert code == 0, out
    assert messages(sandbox) == ["T: from Slack", "T: from git"]  # posted once, by sync
    records = ledger(tmp_path)[before:]
    assert {r["path"]: r["event"] for r in records if r["event"] in ("posted", "adopted")} == {
        rel: "posted",
        # Only the Slack update is imported: the import read the ledger sync had just appended to.
        next(r["path"] for r in records if r.get("origin") == "import"): "adopted",
    }
    assert sum(1 for r in records if r.get("origin") == "import") == 1
    assert {k: outputs[k] for k in ("sync-exit-code", "snapshot", "import", "status")} == {
        "sync-exit-code": "0",
        "snapshot": "refreshed",
        "import": "imported",
        "status": "published",
    }
    # The plan taken before publishing: its counts as the action's outputs, its JSON where asked.
    assert (outputs["has-changes"], outputs["publish"], outputs["errors"]) == ("true", "1", "0")
    assert json.loads(plan_json.read_text())["summary"]["publish"] == 1
    assert "### statusfiles sync" in summary and "### Recorded from the status page" in summary
    assert outputs["markdown"].strip() == summary.strip()
    assert (tmp_path / "statusfiles" / "snapshot.json").is_file()

    writes = len(sandbox.requests())
    again = publish(sandbox, tmp_path)
    assert again[0] == 0, again[1]
    assert {k: again[2][k] for k in ("snapshot", "import", "status", "has-changes")} == {
        "snapshot": "unchanged",
        "import": "unchanged",
        "status": "published",
        "has-changes": "false",
    }
    assert [r for r in sandbox.requests()[writes:] if r["method"] != "GET"] == []


def test_a_pull_that_changes_the_snapshot_has_the_import_load_the_statusfiles_again(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    baseline(sandbox, tmp_path)
    assert run_cli("pull", cwd=tmp_path, env=sync_env(sandbox.base_url)).returncode == 0
    # A snapshot pulled before "Public API" existed: a statusfile naming it fails validation until the
    # pull brings the component in.
    snapshot = tmp_path / "statusfiles" / "snapshot.json"
    lines = snapshot.read_text().splitlines(keepends=True)
    snapshot.write_text("".join(line for line in lines if COMPONENT not in line))
    payload = update("T: degraded", status=None, components={COMPONENT: "degraded_performance"})
    write_statusfile(tmp_path / "statusfiles" / "2026-11-26-api-errors" / "01-update.yaml", payload)
    from_slack(sandbox, "T: from Slack")

    code, out, outputs, _ = publish(sandbox, tmp_path)

    assert code == 1, out  # sync refused: the file failed validation against the old snapshot
    assert "Public API" in snapshot.read_text()
    assert {k: outputs[k] for k in ("sync-exit-code", "snapshot", "import", "status")} == {
        "sync-exit-code": "1",
        "snapshot": "refreshed",
        "import": "imported",  # against the new snapshot, the files are valid
        "status": "failed",
    }
    assert messages(sandbox) == ["T: from Slack"]


def test_a_failed_step_warns_and_the_next_still_runs(sandbox: Sandbox, tmp_path: Path) -> None:
    baseline(sandbox, tmp_path)
    write_statusfile(tmp_path / "statusfiles" / "x" / "01-update.yaml", update("T: published anyway"))
    # Every read of the page list fails: the pull, and the import, which lists the pages too.
    sandbox.add_fault(Fault(kind="error", path="/v2/status_pages", method="GET", status=500, count=None))
    code, out, outputs, summary = publish(
        sandbox, tmp_path, STATUSFILES_RETRY_BASE="0.01", STATUSFILES_RETRY_CAP="0.02"
    )

    assert code == 0, out
    assert messages(sandbox) == ["T: published anyway"]
    assert {k: outputs[k] for k in ("sync-exit-code", "snapshot", "import", "status")} == {
        "sync-exit-code": "0",
        "snapshot": "pull-failed",
        "import": "import-failed",
        "status": "published",
    }
    assert (
        "::warning title=statusfiles snapshot not refreshed::statusfiles pull failed (the log above says "
        "why); statusfiles/snapshot.json keeps its old content\n"
    ) in out
    assert (
        "::warning title=statusfiles import failed::statusfiles import --open failed (the log above says "
        "why); what was posted elsewhere is recorded by the next run\n"
    ) in out
    assert (
        "The snapshot `statusfiles/snapshot.json` could not be refreshed (`statusfiles pull` failed; "
        "the job log says why).\n"
    ) in summary
    assert (
        "What was posted elsewhere could not be imported (`statusfiles import --open` failed; "
        "the job log says why).\n"
    ) in summary


def test_without_a_key_nothing_is_read_or_published(sandbox: Sandbox, tmp_path: Path) -> None:
    (tmp_path / "statusfiles").mkdir()
    code, out, outputs, summary = publish(sandbox, tmp_path, INCIDENT_IO_API_KEY="")
    assert code == 0, out
    assert "::notice title=statusfiles publish skipped::" in out
    assert (outputs["status"], outputs["has-changes"]) == ("skipped", "false")
    assert summary.startswith("Publishing skipped") and sandbox.requests() == []


@pytest.mark.parametrize(
    ("env", "error"),
    [
        (
            {"STATUSFILES_RETRY_ATTEMPTS": "0"},
            "STATUSFILES_RETRY_ATTEMPTS='0': expected a whole number of attempts",
        ),
        (
            {"INCIDENT_IO_BASE_URL": "https://api.incident.io", "HTTPS_PROXY": "socks5://u:pw@proxy:1080"},
            "HTTPS_PROXY names a socks5 proxy, which statusfiles cannot use",
        ),
    ],
)
def test_unusable_settings_are_said_once_and_fail_every_step(
    sandbox: Sandbox, tmp_path: Path, env: dict[str, str], error: str
) -> None:
    (tmp_path / "statusfiles").mkdir()
    code, out, outputs, summary = publish(sandbox, tmp_path, **env)
    assert code == 2, out
    assert out.count("Error: ") == 1 and f"Error: {error}" in out and "pw" not in out
    assert (outputs["sync-exit-code"], outputs["snapshot"], outputs["import"], outputs["status"]) == (
        "2",
        "pull-failed",
        "import-failed",
        "failed",
    )
    assert "`statusfiles sync` exited with status 2" in summary and sandbox.requests() == []


def test_a_plan_json_that_cannot_be_written_stops_the_run_before_anything_is_published(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    write_statusfile(tmp_path / "statusfiles" / "2026-11-26-api-errors" / "01.yaml", update("T: held"))
    for target, why in ((tmp_path / "no-folder" / "plan.json", "No such file or directory"), ("", "")):
        if not target:
            target = tmp_path / "plan.fifo"
            os.mkfifo(target)  # written blocking, it would wait for a reader for ever
            why = "not a regular file"
        code, out, _, _ = publish(sandbox, tmp_path, STATUSFILES_PLAN_JSON=str(target))
        assert code == 1, out
        assert f"Error: cannot write to --plan-json ({target}): {why}\n" in out
        assert "internal error" not in out
    assert messages(sandbox) == []


def test_a_report_that_cannot_be_copied_is_an_error_after_publishing(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    write_statusfile(tmp_path / "statusfiles" / "2026-11-26-api-errors" / "01.yaml", update("T: posted"))
    target = tmp_path / "no-folder" / "report.md"
    code, out, outputs, summary = publish(sandbox, tmp_path, STATUSFILES_REPORT=str(target))
    assert code == 1, out
    assert out.endswith(f"Error: cannot write to --copy-report ({target}): No such file or directory\n")
    assert messages(sandbox) == ["T: posted"]
    assert "Published 1 update" in summary and outputs["status"] == "published"  # written before the copy


# A bug in the pull step: the job goes on (sync published, the ledger is recorded) and then exits 3.
PULL_CRASHES = (
    "import sys\n"
    "from sync.commands import pull\n"
    "def boom(*args, **kwargs):\n"
    "    raise RuntimeError('a bug in pull')\n"
    "pull.refresh = boom\n"
    "from sync.cli import main\n"
    "sys.argv = ['statusfiles', 'github', 'publish']\n"
    "main()\n"
)


def test_a_bug_in_a_step_that_only_warns_still_fails_the_job_with_exit_3(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    baseline(sandbox, tmp_path)
    write_statusfile(tmp_path / "statusfiles" / "x" / "01-update.yaml", update("T: published before the bug"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STATUSFILES_", "INCIDENT_IO_"))}
    env |= sync_env(sandbox.base_url) | {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    env.pop("GITHUB_STEP_SUMMARY", None)
    proc = subprocess.run(
        [sys.executable, "-c", PULL_CRASHES],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert "statusfiles: internal error (a bug): RuntimeError: a bug in pull" in proc.stderr
    assert messages(sandbox) == ["T: published before the bug"]  # the steps before and after still ran
    assert "statusfiles pull failed" in proc.stdout


def test_step_outputs_that_cannot_be_written_never_keep_the_ledger_from_being_recorded(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    baseline(sandbox, tmp_path)
    write_statusfile(tmp_path / "statusfiles" / "x" / "01-update.yaml", update("T: published"))
    steps = tmp_path / "steps.sh"
    steps.write_text('#!/bin/sh\necho "$1" >> "$2/steps.log"\n')
    steps.chmod(0o755)
    outputs = tmp_path / "outputs.fifo"
    os.mkfifo(outputs)  # GITHUB_OUTPUT no regular file: written blocking, it would wait for ever
    work = tmp_path / "work"
    work.mkdir()
    env = sync_env(sandbox.base_url) | {"GITHUB_OUTPUT": str(outputs), "STATUSFILES_ACTION_OUTPUTS": "true"}
    proc = run_cli("github", "publish", "--git-steps", steps, "--work", work, cwd=tmp_path, env=env)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    assert messages(sandbox) == ["T: published"]
    assert (work / "steps.log").read_text() == "fetch\nrecord\n"  # the ledger's commit still ran
    assert out.count(f"Error: cannot write to GITHUB_OUTPUT ({outputs}): not a regular file\n") == 1, out
    assert "internal error" not in out
