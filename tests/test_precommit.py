"""The pre-commit hook, installed and run by pre-commit itself from this repository."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.support.payloads import update, write_statusfile
from tests.support.repo import REPO


def test_hook_runs_validate_on_statusfiles(tmp_path: Path) -> None:
    repo = tmp_path / "team-repo"
    write_statusfile(repo / "statusfiles" / "a" / "01-good.yaml", update("Fine."))
    write_statusfile(repo / "statusfiles" / "a" / "02-bad.yaml", "status_page_incident_id: 7\n")
    # the linter runs too, with the repository's configuration (which the hook names; it is no statusfile)
    write_statusfile(repo / "statusfiles" / "a" / "03-leak.yaml", update("Mail alice@acme.com about it."))
    write_statusfile(repo / "statusfiles" / ".lint.yaml", "rules:\n  email: error\n")
    write_statusfile(repo / "docs" / "not-a-statusfile.yaml", "anything: [goes\n")  # outside the hook's files
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache"), "GIT_CONFIG_GLOBAL": os.devnull}
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "init", "-q"], cwd=repo, check=True, env=env)
    subprocess.run([*git, "add", "-A"], cwd=repo, check=True, env=env)
    pre_commit = shutil.which("pre-commit", path=str(Path(sys.executable).parent))
    assert pre_commit
    proc = subprocess.run(
        [pre_commit, "try-repo", str(REPO), "statusfiles-validate", "--all-files"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    out = proc.stdout
    assert proc.returncode == 1, out + proc.stderr
    assert "statusfiles/a/02-bad.yaml:1:26: error: status_page_incident_id: unquoted 7" in out
    assert "statusfiles/a/02-bad.yaml:1:1: error: message: required field is missing" in out
    assert "statusfiles/a/03-leak.yaml:3:15: error: message: alice@acme.com" in out
    assert "3 files checked, 2 failed (4 errors)." in out  # the YAML problem hides none of the schema's
    assert "not-a-statusfile" not in out
