"""The edge that compares the local ledger with the ledger on the branch's upstream (git).

A sync run by hand from a checkout that lacks records the publish workflow pushed would post those updates
again (or adopt them at best). So before publishing, sync fetches the upstream branch and refuses when the
ledger there holds records the local one does not have.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from sync.fsutil import read_regular

GIT_TIMEOUT = 60.0  # seconds for one git command; a fetch that hangs on a network must not hang sync


@dataclass(frozen=True)
class Behind:
    """Why the local ledger cannot be trusted to be current: a sentence for the user."""

    reason: str


def _git(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    # Never prompt for credentials: sync may run where nobody can answer.
    env = os.environ | {"GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}
    return subprocess.run(
        ["git", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        timeout=GIT_TIMEOUT,
        check=False,
    )


def missing_records(local: str, upstream: str) -> int:
    """How many of the upstream ledger's records the local ledger lacks (pure; lines compared whole)."""
    if upstream.endswith("\n") and local.startswith(upstream):  # the usual case: the same, or ahead
        return 0
    have = {line.strip() for line in local.splitlines()}
    return sum(1 for line in upstream.splitlines() if line.strip() and line.strip() not in have)


def in_checkout(folder: Path, env: Mapping[str, str] = os.environ) -> bool:
    """Whether git could find a repository for ``folder``: a ``.git`` there or above it, or GIT_DIR set.

    Looked for without starting git: a sync outside any checkout pays for no process.
    """
    return "GIT_DIR" in env or any((d / ".git").exists() for d in (folder, *folder.parents))


def _branch_config(folder: Path, branch: str) -> tuple[str, str]:
    """The branch's ``remote`` ("." when it tracks a local branch) and ``merge`` (its ref there)."""
    listed = _git(folder, "config", "-z", "--get-regexp", r"^branch\.").stdout
    values = dict(item.partition("\n")[::2] for item in listed.split("\0") if item)
    return values.get(f"branch.{branch}.remote") or ".", values.get(f"branch.{branch}.merge", "")


def check(ledger_path: Path) -> Behind | None:
    """None when the ledger is in no git checkout with an upstream, or the upstream has nothing it lacks."""
    folder = ledger_path.resolve().parent
    if not folder.is_dir() or not in_checkout(folder):
        return None
    try:
        # One process for the checkout's top, the branch and its upstream: it fails when any is missing
        # (not a checkout, a detached HEAD, a branch that tracks nothing), and then there is no shared
        # ledger to compare with.
        names = _git(
            folder,
            "rev-parse",
            "--show-toplevel",
            "--abbrev-ref",
            "HEAD",
            "--symbolic-full-name",
            "@{upstream}",
        )
        lines = names.stdout.splitlines()
        if names.returncode != 0 or len(lines) < 3:
            return None
        top, branch, name = lines[:3]
        remote, merge = _branch_config(folder, branch)
        # Only the upstream branch: a shallow CI checkout must not fetch every branch of the remote.
        fetched = _git(folder, "fetch", "--quiet", "--no-tags", remote, *([merge] if merge else []))
        if fetched.returncode != 0:
            detail = fetched.stderr.strip().splitlines()[-1:] or ["git fetch failed"]
            return Behind(
                f"cannot tell whether the ledger is current: fetching {name} failed ({detail[0]}). "
                "Fix the fetch and pull first, or pass --no-upstream-check."
            )
        rel = os.path.relpath(ledger_path.resolve(), Path(top).resolve())
    except (OSError, subprocess.TimeoutExpired):
        return Behind("cannot tell whether the ledger is current (git did not answer). Pull first.")
    theirs = _git(folder, "show", f"@{{upstream}}:{Path(rel).as_posix()}")
    if theirs.returncode != 0:
        return None  # the upstream has no ledger yet
    try:
        ours = read_regular(ledger_path).decode("utf-8", errors="replace")  # a FIFO is refused, not waited on
    except FileNotFoundError:
        ours = ""
    except OSError:
        return None  # sync's own read of the ledger reports it
    missing = missing_records(ours, theirs.stdout)
    if not missing:
        return None
    return Behind(
        f"the ledger is behind {name}: it lacks {missing} record(s) that {name} has, so this sync could "
        "post updates again that were already published. Pull first (git pull), then sync; "
        "--no-upstream-check overrides this."
    )
