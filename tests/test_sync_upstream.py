"""A sync run by hand from a checkout whose ledger is behind its git upstream refuses to publish.

Real git: a bare repository plays GitHub, one clone publishes and pushes its ledger (as the publish
workflow does), another is a person's stale checkout. The sandbox is the status page.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from sync.sandbox import Sandbox
from sync.upstream import in_checkout, missing_records
from tests.support.cli import run_cli, sync_env
from tests.support.payloads import update, write_statusfile
from tests.support.repo import copy_examples

LEDGER = "statusfiles/ledger.jsonl"
FOLDER = "statusfiles/2026-11-26-api-errors"
GIT_ENV = {"GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1", "GIT_TERMINAL_PROMPT": "0"}


def git(cwd: Path, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")} | GIT_ENV
    env |= {"GIT_AUTHOR_NAME": "T", "GIT_AUTHOR_EMAIL": "t@example.com"}
    env |= {"GIT_COMMITTER_NAME": "T", "GIT_COMMITTER_EMAIL": "t@example.com"}
    proc = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, f"git {' '.join(args)}:\n{proc.stderr}"
    return proc.stdout


def sync(checkout: Path, sandbox: Sandbox, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli("sync", *args, cwd=checkout, env=sync_env(sandbox.base_url) | GIT_ENV)


def posts(sandbox: Sandbox) -> int:
    return sum(1 for r in sandbox.requests() if r["method"] == "POST")


@pytest.fixture
def origin(tmp_path: Path) -> Path:
    """A remote whose main holds the example statusfiles, not yet published."""
    seed = copy_examples(tmp_path / "seed")
    git(seed, "init", "--quiet", "--initial-branch=main")
    git(seed, "add", "--all")
    git(seed, "commit", "--quiet", "-m", "statusfiles")
    bare = tmp_path / "origin.git"
    git(tmp_path, "clone", "--quiet", "--bare", str(seed), str(bare))
    return bare


def clone(origin: Path, name: str) -> Path:
    path = origin.parent / name
    git(origin.parent, "clone", "--quiet", str(origin), str(path))
    return path


def publish_and_push(origin: Path, sandbox: Sandbox) -> None:
    """What the publish workflow does: sync from the newest main and push the ledger."""
    runner = clone(origin, "runner")
    proc = sync(runner, sandbox)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    git(runner, "add", LEDGER)
    git(runner, "commit", "--quiet", "-m", "statusfiles: record ledger lines [skip ci]")
    git(runner, "push", "--quiet", "origin", "HEAD:main")


def test_a_checkout_behind_the_published_ledger_refuses_until_pulled(origin: Path, sandbox: Sandbox) -> None:
    stale = clone(origin, "stale")  # taken before the publish
    publish_and_push(origin, sandbox)
    published = posts(sandbox)
    assert published > 0

    proc = sync(stale, sandbox)
    assert proc.returncode == 1
    assert "the ledger is behind origin/main" in proc.stdout
    assert "Pull first (git pull)" in proc.stdout and "--no-upstream-check" in proc.stdout
    assert posts(sandbox) == published  # nothing posted
    assert not (stale / LEDGER).exists()  # nothing recorded

    git(stale, "pull", "--quiet", "--ff-only")
    proc = sync(stale, sandbox)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert posts(sandbox) == published
    assert git(stale, "status", "--porcelain") == ""  # the pulled ledger already had everything


def test_the_override_publishes_from_a_stale_checkout(origin: Path, sandbox: Sandbox) -> None:
    stale = clone(origin, "stale")
    publish_and_push(origin, sandbox)
    published = posts(sandbox)

    proc = sync(stale, sandbox, "--no-upstream-check")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "behind" not in proc.stdout
    # It went ahead, and found every update on the page already: adopted, not posted again.
    assert posts(sandbox) == published
    assert '"event":"adopted"' in (stale / LEDGER).read_text().replace(": ", ":")


def test_a_ledger_ahead_of_its_upstream_may_sync(origin: Path, sandbox: Sandbox) -> None:
    checkout = clone(origin, "checkout")
    publish_and_push(origin, sandbox)
    git(checkout, "pull", "--quiet", "--ff-only")
    for n in (1, 2):  # the second sync's ledger has records its upstream lacks: that is not behind
        before = posts(sandbox)
        write_statusfile(checkout / FOLDER / f"1{n}-more.yaml", update(f"More news {n}.", status=None))
        proc = sync(checkout, sandbox)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert posts(sandbox) == before + 1


def test_a_dry_run_of_a_stale_checkout_still_shows_the_plan(origin: Path, sandbox: Sandbox) -> None:
    stale = clone(origin, "stale")
    publish_and_push(origin, sandbox)
    proc = sync(stale, sandbox, "--dry-run")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Dry run" in proc.stdout


def test_an_unreachable_upstream_refuses_and_names_the_override(origin: Path, sandbox: Sandbox) -> None:
    checkout = clone(origin, "checkout")
    origin.rename(origin.with_name("gone.git"))
    proc = sync(checkout, sandbox)
    assert proc.returncode == 1
    assert "cannot tell whether the ledger is current: fetching origin/main failed" in proc.stdout
    assert posts(sandbox) == 0
    assert sync(checkout, sandbox, "--no-upstream-check").returncode == 0


def test_a_ledger_that_is_a_fifo_is_refused_not_waited_on(origin: Path, sandbox: Sandbox) -> None:
    publish_and_push(origin, sandbox)  # the upstream has a ledger to compare with
    checkout = clone(origin, "fifo")
    (checkout / LEDGER).unlink()
    os.mkfifo(checkout / LEDGER)  # read blocking, it would wait for a writer for ever
    before = posts(sandbox)
    proc = run_cli("sync", cwd=checkout, env=sync_env(sandbox.base_url) | GIT_ENV, timeout=60)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "the ledger statusfiles/ledger.jsonl is not a regular file" in proc.stdout
    assert posts(sandbox) == before


def test_a_branch_without_upstream_or_a_folder_outside_git_is_not_checked(
    origin: Path, sandbox: Sandbox, tmp_path: Path
) -> None:
    checkout = clone(origin, "checkout")
    git(checkout, "checkout", "--quiet", "-b", "local-only")
    proc = sync(checkout, sandbox)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    plain = copy_examples(tmp_path / "plain")
    proc = sync(plain, sandbox)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize(
    ("local", "upstream", "missing"),
    [
        ("", "", 0),
        ("", '{"a": 1}\n', 1),
        ('{"a": 1}\n', '{"a": 1}\n{"b": 2}', 1),  # a last line without its newline counts
        ('{"a": 1}\n{"c": 3}\n', '{"a": 1}\n', 0),
        ('{"a": 1}\n', '\n{"a": 1}  \n\n', 0),
        ('{"a": 1}\n{"b": 2}\n', '{"a": 1}\n{"b": 2}\n', 0),  # the same ledger
        ('{"a": 1}\n{"b": 2, "c": 3}\n', '{"a": 1}\n{"b": 2', 1),  # a prefix, but not of whole lines
    ],
)
def test_missing_records(local: str, upstream: str, missing: int) -> None:
    assert missing_records(local, upstream) == missing


def test_a_checkout_is_recognised_without_git(tmp_path: Path) -> None:
    inner = tmp_path / "repo" / "statusfiles" / "deep"
    inner.mkdir(parents=True)
    assert not in_checkout(inner, env={})
    assert in_checkout(inner, env={"GIT_DIR": str(tmp_path / "elsewhere.git")})
    (tmp_path / "repo" / ".git").write_text("gitdir: /somewhere/worktrees/repo\n")  # a linked worktree
    assert in_checkout(inner, env={})
    (tmp_path / "repo" / ".git").unlink()
    (tmp_path / "repo" / ".git").mkdir()
    assert in_checkout(inner, env={}) and not in_checkout(tmp_path, env={})
