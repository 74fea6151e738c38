"""Helpers shared by the tests: running the real CLI and writing statusfiles."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from sync.kinds import DECLARATION_FILES
from sync.rulenames import is_registered

REPO = Path(__file__).resolve().parent.parent
INCIDENT = "01FCNDV6P870EA6S7TK1DSYDG1"
COMPONENT = "01FCNDV6P870EA6S7TK1DSYDG2"
MODELINE = "# yaml-language-server: $schema=../../schemas/status-page-incident-update.schema.json\n"


def run_cli(
    *args: str | os.PathLike[str],
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    input: str | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m sync ARGS`` as a real process, as a user or CI would."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("STATUSFILES_", "INCIDENT_IO_"))}
    full_env.update({"NO_COLOR": "1", "PYTHONUTF8": "1"})
    full_env.pop("GITHUB_STEP_SUMMARY", None)
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "sync", *map(str, args)],
        cwd=cwd,
        env=full_env,
        input=input,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def run_json(*args: str | os.PathLike[str], **kw: Any) -> tuple[int, Any]:
    """Run the CLI with ``--format json``; every diagnostic in its report must carry a registered rule."""
    proc = run_cli(*args, "--format", "json", **kw)
    try:
        report = json.loads(proc.stdout)
    except json.JSONDecodeError as exc:
        raise AssertionError(f"not JSON (exit {proc.returncode}):\n{proc.stdout}\n{proc.stderr}") from exc
    diagnostics = report.get("diagnostics", []) if isinstance(report, dict) else []
    unregistered = {d["rule"] for d in diagnostics if isinstance(d, dict) and not is_registered(d["rule"])}
    assert not unregistered, f"rules missing from sync/rulenames.py: {sorted(unregistered)}"
    return proc.returncode, report


def update(
    message: str = "We are investigating.",
    *,
    incident: str = INCIDENT,
    status: str | None = "investigating",
    notify: bool = False,
    components: dict[str, str] | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "status_page_incident_id": incident,
        "message": message,
        "notify_subscribers": notify,
    }
    if status is not None:
        body["incident_status"] = status
    if components:
        body["component_statuses"] = [
            {"component_id": c, "component_status": s} for c, s in components.items()
        ]
    return body


def write_statusfile(path: Path, payload: dict[str, Any] | str | bytes) -> Path:
    """Write a statusfile as a person would: the modeline, then block YAML."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(payload, bytes):
        path.write_bytes(payload)
    elif isinstance(payload, str):
        path.write_text(payload, encoding="utf-8")
    else:
        text = yaml.safe_dump(payload, sort_keys=False, allow_unicode=True, default_style=None)
        path.write_text(MODELINE + text, encoding="utf-8")
    return path


SANDBOX_KEY = "sandbox-test-key"  # what the `sandbox` fixture accepts
EXAMPLES = REPO / "statusfiles"


def sync_env(base_url: str, key: str = SANDBOX_KEY) -> dict[str, str]:
    """Environment for `statusfiles sync` against a sandbox, with retries fast enough for tests."""
    return {
        "INCIDENT_IO_API_KEY": key,
        "INCIDENT_IO_BASE_URL": base_url,
        "STATUSFILES_RETRY_BASE": "0.01",
        "STATUSFILES_RETRY_CAP": "0.05",
    }


def copy_examples(dest: Path, *, declared: bool = False) -> Path:
    """The repository's example folders of updates to incidents created elsewhere (they match the sandbox's
    seed), without its ledger; with ``declared``, its declared incident and maintenance window too.

    Most tests count on exactly those updates; tests of declared objects build their own folders.
    """
    root = dest / "statusfiles"
    root.mkdir(parents=True)
    for folder in sorted(p for p in EXAMPLES.iterdir() if p.is_dir()):
        if declared or not any((folder / name).exists() for name in DECLARATION_FILES):
            shutil.copytree(folder, root / folder.name)
    return dest
