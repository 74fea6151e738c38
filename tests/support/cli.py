"""Running the real CLI as a user or CI would: a subprocess with a clean environment."""

from __future__ import annotations

import contextlib
import json
import os
import resource
import subprocess
import sys
from pathlib import Path
from typing import Any

from sync.rulenames import is_registered

SANDBOX_KEY = "sandbox-test-key"  # what the `sandbox` fixture accepts


def run_cli(
    *args: str | os.PathLike[str],
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    input: str | None = None,
    timeout: float = 120,
    stdout: Path | None = None,
    max_file_size: int | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m sync ARGS`` as a real process, as a user or CI would.

    ``stdout`` is a file for its standard output (else it is captured); ``max_file_size`` makes every
    write that would grow a file beyond that many bytes fail (EFBIG), as a full disk fails it (ENOSPC).
    """
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("STATUSFILES_", "INCIDENT_IO_"))}
    full_env.update({"NO_COLOR": "1", "PYTHONUTF8": "1"})
    full_env.pop("GITHUB_STEP_SUMMARY", None)
    full_env.update(env or {})

    def limit() -> None:  # in the child, before it runs Python (which ignores SIGXFSZ)
        if max_file_size is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (max_file_size, max_file_size))

    with contextlib.ExitStack() as stack:
        out = stack.enter_context(stdout.open("w")) if stdout is not None else subprocess.PIPE
        return subprocess.run(
            [sys.executable, "-m", "sync", *map(str, args)],
            cwd=cwd,
            env=full_env,
            input=input,
            stdout=out,
            stderr=subprocess.PIPE,
            text=True,
            timeout=timeout,
            check=False,
            preexec_fn=limit if max_file_size is not None else None,
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


def sync_env(base_url: str, key: str = SANDBOX_KEY) -> dict[str, str]:
    """Environment for `statusfiles sync` against a sandbox, with retries fast enough for tests."""
    return {
        "INCIDENT_IO_API_KEY": key,
        "INCIDENT_IO_BASE_URL": base_url,
        "STATUSFILES_RETRY_BASE": "0.01",
        "STATUSFILES_RETRY_CAP": "0.05",
    }
