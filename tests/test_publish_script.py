"""scripts/publish.sh against real git and the sandbox: what the publish workflow does after a merge.

A bare repository plays GitHub; a developer clone merges statusfiles into it, and fresh clones play the
runners' checkouts, each taken when its workflow run would have started. The real script runs as a
subprocess with the real ``statusfiles sync`` posting to an in-process sandbox. What the tests assert is
what the status page shows (the sandbox's stored updates) and what main holds afterwards.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from sync.sandbox import Fault, Sandbox, SandboxConfig
from sync.sandbox.seed import STATUS_PAGE_ID
from tests.support.payloads import INCIDENT, incident, update, write_statusfile
from tests.support.repo import REPO

SCRIPT = REPO / "scripts" / "publish.sh"
API_KEY = "publish-test-key"
LEDGER = "statusfiles/ledger.jsonl"
SNAPSHOT = "statusfiles/snapshot.json"
BOT_NAME = "statusfiles-test-bot"
FOLDER = "statusfiles/2026-11-26-api-errors"

# Git must see nothing of the machine's or the user's configuration; identities are set per repository.
GIT_ENV = {"GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1", "GIT_TERMINAL_PROMPT": "0"}


def git(cwd: Path, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")} | GIT_ENV
    proc = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, f"git {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


def clone(origin: Path, path: Path, identity: str | None = None) -> Path:
    git(origin.parent, "clone", "--quiet", str(origin), str(path))
    if identity:
        git(path, "config", "user.name", identity)
        git(path, "config", "user.email", f"{identity}@example.com")
    return path


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str
    outputs: dict[str, str]
    summary: str


@dataclass
class World:
    """The remote, a developer's clone of it, the sandbox, and the runners' checkouts as they are taken."""

    tmp: Path
    origin: Path
    dev: Path
    sandbox: Sandbox
    baseline: int = 0  # ledger lines on main before the test: the import of what the seed page shows
    runners: int = 0
    merged: int = 0
    bin: Path = field(default_factory=lambda: Path(sys.executable).parent)

    def merge(self, *messages: str) -> list[str]:
        """Land a pull request adding one statusfile per message to main; returns their paths."""
        paths = []
        for message in messages:
            self.merged += 1
            path = f"{FOLDER}/{self.merged:02d}-update.yaml"
            write_statusfile(self.dev / path, update(message, status=None))
            paths.append(path)
        git(self.dev, "add", "--all")
        git(self.dev, "commit", "--quiet", "-m", f"Add {len(messages)} statusfile(s)")
        git(self.dev, "pull", "--quiet", "--rebase")
        git(self.dev, "push", "--quiet", "origin", "HEAD:main")
        return paths

    def checkout(self) -> Path:
        """A runner's checkout of main as it is now, without a git identity, as actions/checkout leaves it."""
        self.runners += 1
        return clone(self.origin, self.tmp / f"runner{self.runners}")

    def publish(self, checkout: Path, argv: list[str] | None = None, **env: str) -> Run:
        """Run the script (``argv``: a step of it) to its end in ``checkout``."""
        out, summary = checkout.parent / f"{checkout.name}.output", checkout.parent / f"{checkout.name}.md"
        out.write_text("")
        summary.write_text("")
        proc = subprocess.run(
            argv or [str(SCRIPT)],
            cwd=checkout,
            env=self.env(out, summary, env),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        outputs = dict(line.split("=", 1) for line in out.read_text().splitlines())
        return Run(proc.returncode, proc.stdout, proc.stderr, outputs, summary.read_text())

    def start(self, checkout: Path) -> subprocess.Popen[bytes]:
        """The script started in ``checkout`` in a process group of its own, to be killed as a runner does."""
        out, summary = checkout.parent / f"{checkout.name}.output", checkout.parent / f"{checkout.name}.md"
        return subprocess.Popen(
            [str(SCRIPT)],
            cwd=checkout,
            env=self.env(out, summary, {}),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )

    def env(self, out: Path, summary: Path, env: dict[str, str]) -> dict[str, str]:
        """The environment of a run: GitHub's files, the sandbox and its key, then ``env``."""
        full = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "GITHUB_", "INCIDENT_IO_"))}
        full |= GIT_ENV | {
            "PATH": self.path(),
            "INCIDENT_IO_API_KEY": API_KEY,
            "INCIDENT_IO_BASE_URL": self.sandbox.base_url,
            "STATUSFILES_GIT_NAME": BOT_NAME,
            "GITHUB_OUTPUT": str(out),
            "GITHUB_STEP_SUMMARY": str(summary),
            "NO_COLOR": "1",
        }
        full.update(env)
        return full

    def path(self) -> str:
        return f"{self.bin}{os.pathsep}{os.environ['PATH']}"

    def posted(self) -> list[str]:
        """The messages of the updates on the status page that came from statusfiles (not the seed)."""
        return [u["message"].strip() for u in self.sandbox.updates(INCIDENT) if u["message"].startswith("T:")]

    def main_ledger(self) -> list[dict[str, object]]:
        text = git(self.origin, "show", f"main:{LEDGER}")
        return [json.loads(line) for line in text.splitlines()]

    def main_log(self) -> list[str]:
        return git(self.origin, "log", "--format=%an|%s", "main").splitlines()


def recorded(world: World) -> dict[str, str]:
    """Each path the ledger on main says was published, with how (posted or adopted)."""
    return {r["path"]: r["event"] for r in world.main_ledger() if r["event"] in ("posted", "adopted")}


def statusfiles(cwd: Path, sandbox: Sandbox, *args: str) -> str:
    """Run a statusfiles command against the sandbox, as a person would."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "STATUSFILES_", "INCIDENT_IO_"))}
    env |= GIT_ENV | {"INCIDENT_IO_API_KEY": API_KEY, "INCIDENT_IO_BASE_URL": sandbox.base_url}
    proc = subprocess.run(
        [sys.executable, "-m", "sync", *args], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, f"statusfiles {' '.join(args)}:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    origin = tmp_path / "origin.git"
    git(tmp_path, "init", "--quiet", "--bare", "--initial-branch=main", str(origin))
    dev = tmp_path / "dev"
    git(tmp_path, "init", "--quiet", "--initial-branch=main", str(dev))
    git(dev, "config", "user.name", "Developer")
    git(dev, "config", "user.email", "dev@example.com")
    (dev / "README.md").write_text("A repository of statusfiles.\n")
    git(dev, "remote", "add", "origin", str(origin))
    with Sandbox(SandboxConfig(api_key=API_KEY)) as sandbox:
        # The repository holds what the page showed before the tests (the seed's open incidents and
        # window), as after its first publish: whatever a run then imports is the test's own doing.
        (dev / "statusfiles").mkdir()
        statusfiles(dev, sandbox, "import", "--open")
        git(dev, "add", "--all")
        git(dev, "commit", "--quiet", "-m", "Initial commit")
        git(dev, "push", "--quiet", "--set-upstream", "origin", "main")
        baseline = len((dev / LEDGER).read_text().splitlines())
        yield World(tmp_path, origin, dev, sandbox, baseline)


def test_a_merge_is_published_and_its_ledger_lands_on_main(world: World) -> None:
    [path] = world.merge("T: investigating the API errors")
    run = world.publish(world.checkout(), STATUSFILES_PLAN_JSON=str(world.tmp / "plan.json"))

    assert run.returncode == 0, run.stderr
    assert world.posted() == ["T: investigating the API errors"]
    assert recorded(world) == {path.removeprefix("statusfiles/"): "posted"}
    author, subject = world.main_log()[0].split("|", 1)
    assert (author, subject.endswith("[skip ci]")) == (BOT_NAME, True)
    # The ledger and the snapshot of the account's pages, pulled after publishing, in one commit.
    assert git(world.origin, "show", "--format=", "--name-only", "main").split() == [LEDGER, SNAPSHOT]
    assert '"name": "Acme Cloud"' in git(world.origin, "show", f"main:{SNAPSHOT}")
    assert run.outputs == {
        "sync-exit-code": "0",
        "snapshot": "refreshed",
        "ledger": "pushed",
        "import": "unchanged",
        "status": "published",
    }
    # The plan it took after the reset, for action.yml's counts.
    assert json.loads((world.tmp / "plan.json").read_text())["summary"]["publish"] == 1
    assert "### statusfiles sync" in run.summary


def test_runs_from_stale_checkouts_publish_each_update_once(world: World) -> None:
    first = world.merge("T: one")
    early = world.checkout()  # the first run's checkout: main after the first merge
    second = world.merge("T: two")
    late = world.checkout()  # taken before the first run pushes its ledger

    assert world.publish(early).returncode == 0  # it publishes main as it is now: both merges
    assert world.posted() == ["T: one", "T: two"]
    third = world.merge("T: three")
    run = world.publish(late)  # waited for the first run; its checkout lacks that run's ledger

    assert run.returncode == 0, run.stderr
    assert world.posted() == ["T: one", "T: two", "T: three"]
    assert recorded(world) == {p.removeprefix("statusfiles/"): "posted" for p in first + second + third}
    assert [line for line in world.main_log() if line.startswith(BOT_NAME)] == [
        f"{BOT_NAME}|statusfiles: record 2 ledger line(s) from publishing [skip ci]",
        f"{BOT_NAME}|statusfiles: record 4 ledger line(s) from publishing and refresh the snapshot [skip ci]",
    ]

    again = world.publish(world.checkout())  # a run with nothing left to do commits nothing
    assert (again.returncode, again.outputs["ledger"], again.outputs["snapshot"]) == (
        0,
        "unchanged",
        "unchanged",
    )
    assert world.posted() == ["T: one", "T: two", "T: three"]


def intruder(world: World, ledger_line: str | None = None) -> tuple[Path, str]:
    """A clone holding a commit on top of main, ready to be pushed in the middle of a run: an unrelated
    change, or one that appends a line to the ledger."""
    other = clone(world.origin, world.tmp / "intruder", identity="Someone Else")
    if ledger_line is None:
        (other / "README.md").write_text("An unrelated change to main.\n")
    else:
        with (other / LEDGER).open("a") as ledger:
            ledger.write(ledger_line + "\n")
    git(other, "commit", "--quiet", "-am", "Another change")
    return other, git(other, "rev-parse", "HEAD").strip()


def push_intruder_after_publishing(world: World, other: Path, checkout: Path) -> dict[str, str]:
    """A `git` first on PATH that pushes the unrelated commit once the run has published, as it starts
    to commit the ledger."""
    shim = world.tmp / "shim"
    shim.mkdir()
    real = shutil.which("git")
    done = world.tmp / "intruder-pushed"
    (shim / "git").write_text(
        "#!/usr/bin/env bash\n"
        f'if [ "$1" = add ] && [ ! -e "{done}" ]; then\n'
        f'  touch "{done}"\n'
        f'  "{real}" -C "{other}" push --quiet origin HEAD:main\n'
        "fi\n"
        f'exec "{real}" "$@"\n'
    )
    (shim / "git").chmod(0o755)
    return {"PATH": f"{shim}{os.pathsep}{world.bin}{os.pathsep}{os.environ['PATH']}"}


def push_intruder_at_push(world: World, other: Path, checkout: Path) -> dict[str, str]:
    """A pre-push hook in the runner's checkout: main moves after the run's push has read the remote's
    refs and before it updates them, so the remote itself refuses the stale update."""
    hook = checkout / ".git" / "hooks" / "pre-push"
    done = world.tmp / "intruder-pushed"
    hook.write_text(
        "#!/usr/bin/env bash\n"
        f'[ -e "{done}" ] && exit 0\n'
        f'touch "{done}"\n'
        "unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE\n"
        f'git -C "{other}" push --quiet origin HEAD:main\n'
    )
    hook.chmod(0o755)
    return {}


@pytest.mark.parametrize("race", [push_intruder_after_publishing, push_intruder_at_push])
def test_main_moving_before_the_push_is_rebased_onto(world: World, race) -> None:
    [path] = world.merge("T: raced")
    checkout = world.checkout()
    other, unrelated = intruder(world)
    run = world.publish(checkout, **race(world, other, checkout))

    assert run.returncode == 0, run.stderr
    assert "rebasing the ledger commit" in run.stdout
    assert world.posted() == ["T: raced"]
    assert recorded(world) == {path.removeprefix("statusfiles/"): "posted"}
    # Nothing was forced: the unrelated commit is still on main, under the ledger commit.
    assert git(world.origin, "rev-parse", "main^").strip() == unrelated


# The statusfiles directory as a workflow may spell it: the merge rules must name the files all the same.
DIR_SPELLINGS = ["statusfiles", "./statusfiles/"]
# A repository's own .gitattributes may say how its JSON files merge: the rules for the ledger and the
# snapshot must win over it.
OWN_ATTRIBUTES = "*.jsonl binary\n*.json -merge\n"


def own_attributes(world: World) -> None:
    (world.dev / ".gitattributes").write_text(OWN_ATTRIBUTES)
    git(world.dev, "add", ".gitattributes")
    git(world.dev, "commit", "--quiet", "-m", "Merge JSON files as whole files")
    git(world.dev, "push", "--quiet", "origin", "HEAD:main")


@pytest.mark.parametrize(
    ("spelling", "attributes"), [(s, False) for s in DIR_SPELLINGS] + [("statusfiles", True)]
)
def test_a_ledger_changed_on_main_meanwhile_keeps_both_sides_records(
    world: World, spelling: str, attributes: bool
) -> None:
    if attributes:
        own_attributes(world)
    world.merge("T: first")
    assert world.publish(world.checkout()).returncode == 0
    [path] = world.merge("T: second")
    checkout = world.checkout()
    # Say someone ran sync elsewhere and pushed its ledger while this run was publishing: both appended to
    # the same file, which git cannot merge line by line unless told the lines are a union.
    theirs = json.dumps({"v": 1, "event": "posted", "path": "elsewhere.yaml", "note": "pushed meanwhile"})
    other, _ = intruder(world, ledger_line=theirs)
    run = world.publish(checkout, STATUSFILES_DIR=spelling, **push_intruder_at_push(world, other, checkout))

    assert run.returncode == 0, run.stderr
    assert theirs in git(world.origin, "show", f"main:{LEDGER}").splitlines()
    assert recorded(world)[path.removeprefix("statusfiles/")] == "posted"
    assert world.posted() == ["T: first", "T: second"]


def test_without_the_secret_nothing_is_published_and_the_run_passes(world: World) -> None:
    world.merge("T: not yet")
    before = git(world.origin, "rev-parse", "main")
    seen = len(world.sandbox.requests())
    run = world.publish(world.checkout(), INCIDENT_IO_API_KEY="")

    assert run.returncode == 0, run.stderr
    assert "::notice title=statusfiles publish skipped::INCIDENT_IO_API_KEY is not configured" in run.stdout
    assert len(world.sandbox.requests()) == seen
    assert git(world.origin, "rev-parse", "main") == before
    assert run.outputs == {"status": "skipped"}
    assert "not configured" in run.summary


def test_a_sync_that_fails_part_way_still_pushes_its_ledger(world: World) -> None:
    first, second = world.merge("T: goes through", "T: refused")
    # The first POST succeeds, the second is refused for good.
    world.sandbox.add_fault(
        Fault(kind="error", path="/v2/status_page_incident_updates", method="POST", status=422, skip=1)
    )
    run = world.publish(world.checkout())

    assert run.returncode == 1
    assert run.outputs == {
        "sync-exit-code": "1",
        "snapshot": "refreshed",
        "ledger": "pushed",
        "import": "unchanged",
        "status": "failed",
    }
    assert world.posted() == ["T: goes through"]
    assert recorded(world) == {first.removeprefix("statusfiles/"): "posted"}
    assert world.main_log()[0].endswith("[skip ci]")
    assert run.summary.strip()  # sync's account of what failed, for the summary and the issue

    retry = world.publish(world.checkout())  # the fault is spent: the next run finishes the job
    assert retry.returncode == 0, retry.stderr
    assert world.posted() == ["T: goes through", "T: refused"]
    assert recorded(world) == {p.removeprefix("statusfiles/"): "posted" for p in (first, second)}


def test_a_refused_push_is_reported_with_the_ledger_lines_and_not_retried(world: World) -> None:
    [path] = world.merge("T: protected")
    # Branch protection, as far as this run can tell: the remote refuses the ledger commit, and main
    # does not move, so pushing again would not help.
    hook = world.origin / "hooks" / "pre-receive"
    hook.write_text("#!/usr/bin/env bash\necho 'protected branch: pull requests only' >&2\nexit 1\n")
    hook.chmod(0o755)
    run = world.publish(world.checkout())

    assert run.returncode == 1
    assert run.outputs == {
        "sync-exit-code": "0",
        "snapshot": "refreshed",
        "ledger": "push-failed",
        "import": "unchanged",
        "status": "failed",
    }
    assert "rebasing" not in run.stdout
    assert "::error title=statusfiles ledger not pushed::" in run.stdout
    # The posted record is in the report, to be recovered by hand.
    assert '"event": "posted"' in run.summary.replace('":"', '": "')
    assert world.posted() == ["T: protected"]

    # Recovery: once the ledger can be pushed, the next run finds the update on the page and records it
    # instead of posting it again.
    hook.unlink()
    retry = world.publish(world.checkout())
    assert retry.returncode == 0, retry.stderr
    assert world.posted() == ["T: protected"]
    assert recorded(world) == {path.removeprefix("statusfiles/"): "adopted"}


def test_a_remote_lost_after_publishing_is_not_blamed_on_branch_protection(world: World) -> None:
    world.merge("T: posted, then the remote went away")
    checkout = world.checkout()
    # The remote is gone by the time the ledger is pushed: the push fails, and so does the fetch after it.
    hook = checkout / ".git" / "hooks" / "pre-push"
    hook.write_text(f'#!/usr/bin/env bash\nmv "{world.origin}" "{world.origin}.gone"\nexit 1\n')
    hook.chmod(0o755)
    run = world.publish(checkout)

    assert run.returncode == 1
    assert run.outputs["ledger"] == "push-failed"
    assert "may this job push to it?" not in run.stdout + run.summary
    assert "::error title=statusfiles ledger not pushed::origin could not be reached" in run.stdout
    assert '"event": "posted"' in run.summary.replace('":"', '": "')  # the lines to recover by hand
    assert world.posted() == ["T: posted, then the remote went away"]


def test_a_step_output_file_that_is_a_fifo_never_keeps_the_job_waiting(world: World) -> None:
    # Nothing reads this FIFO: a write to it would wait for ever, after the ledger's push (the run's
    # timeout fails the test). The job publishes, pushes its ledger and fails, saying why.
    [path] = world.merge("T: published anyway")
    fifo = world.tmp / "output.fifo"
    os.mkfifo(fifo)
    run = world.publish(world.checkout(), GITHUB_OUTPUT=str(fifo))

    assert run.returncode == 1
    assert f"cannot write to GITHUB_OUTPUT ({fifo}): not a regular file" in run.stderr
    assert world.posted() == ["T: published anyway"]
    assert recorded(world) == {path.removeprefix("statusfiles/"): "posted"}


@pytest.mark.parametrize("leftovers", [False, True], ids=["clean", "leftovers"])
def test_a_run_killed_during_a_post_leaves_its_intent_on_main_and_the_next_run_waits(
    world: World, leftovers: bool
) -> None:
    # A cancelled or timed-out job is killed where it stands: here with its POST sent and unanswered,
    # the update perhaps being applied. Its intent is in the checkout's ledger only; the workflow's
    # `if: cancelled()` step (publish.sh salvage) pushes it, so that the next run, from a fresh checkout,
    # waits for the update to show instead of posting it a second time.
    [path] = world.merge("T: in flight when the job was cancelled")
    world.sandbox.add_fault(Fault(kind="hang", path="/v2/status_page_incident_updates", method="POST"))
    checkout = world.checkout()
    job = world.start(checkout)
    assert world.sandbox.wait_struck(1)
    os.killpg(job.pid, signal.SIGKILL)
    job.wait()
    if leftovers:  # what a git and a file write killed half way leave
        (checkout / ".git" / "index.lock").write_text("")
        (checkout / "statusfiles" / ".snapshot.json.0123456789abcdef.tmp").write_text("{")

    salvage = world.publish(checkout, argv=[str(SCRIPT), "salvage"])
    assert salvage.returncode == 0, salvage.stdout + salvage.stderr
    assert [r["event"] for r in world.main_ledger()[world.baseline :]] == ["intent"]
    assert git(world.origin, "show", "--format=", "--name-only", "main").split() == [LEDGER]
    posts = len([r for r in world.sandbox.requests() if r["method"] == "POST"])

    run = world.publish(world.checkout())
    assert run.returncode == 1  # held, not posted: the run says when it may be
    assert len([r for r in world.sandbox.requests() if r["method"] == "POST"]) == posts
    assert recorded(world) == {}
    assert path.removeprefix("statusfiles/") in run.stdout


def test_salvage_after_a_run_that_recorded_everything_does_nothing(world: World) -> None:
    world.merge("T: published in full")
    checkout = world.checkout()
    assert world.publish(checkout).returncode == 0
    before = git(world.origin, "rev-parse", "main")

    salvage = world.publish(checkout, argv=[str(SCRIPT), "salvage"])
    assert salvage.returncode == 0, salvage.stdout + salvage.stderr
    assert git(world.origin, "rev-parse", "main") == before


def test_salvage_outside_a_checkout_fails_instead_of_saying_there_is_nothing(world: World) -> None:
    elsewhere = world.tmp / "not-a-checkout"
    elsewhere.mkdir()
    salvage = world.publish(elsewhere, argv=[str(SCRIPT), "salvage"])
    assert salvage.returncode == 1, salvage.stdout + salvage.stderr
    assert "::error title=statusfiles salvage::not in a git checkout" in salvage.stdout
    assert "nothing to record" not in salvage.stdout


def test_a_changed_page_alone_is_committed_as_a_refreshed_snapshot(world: World) -> None:
    world.merge("T: first")
    assert world.publish(world.checkout()).returncode == 0
    world.sandbox.state.status_pages[1].name = "Acme Staff"  # renamed in incident.io; nothing to publish
    run = world.publish(world.checkout())

    assert run.returncode == 0, run.stderr
    assert run.outputs == {
        "sync-exit-code": "0",
        "snapshot": "refreshed",
        "ledger": "pushed",
        "import": "unchanged",
        "status": "published",
    }
    assert world.main_log()[0] == f"{BOT_NAME}|statusfiles: refresh the snapshot of status pages [skip ci]"
    assert git(world.origin, "show", "--format=", "--name-only", "main").split() == [SNAPSHOT]
    assert '"name": "Acme Staff"' in git(world.origin, "show", f"main:{SNAPSHOT}")


def test_a_failed_pull_warns_and_still_publishes(world: World) -> None:
    [path] = world.merge("T: published anyway")
    world.sandbox.add_fault(
        Fault(kind="error", path="/v2/status_pages", method="GET", status=500, count=None)
    )
    run = world.publish(world.checkout(), STATUSFILES_RETRY_BASE="0.01", STATUSFILES_RETRY_CAP="0.02")

    assert run.returncode == 0, run.stderr
    assert "::warning title=statusfiles snapshot not refreshed::" in run.stdout
    assert run.outputs == {
        "sync-exit-code": "0",
        "snapshot": "pull-failed",
        "ledger": "pushed",
        "import": "import-failed",  # it lists the pages too
        "status": "published",
    }
    assert recorded(world) == {path.removeprefix("statusfiles/"): "posted"}
    assert git(world.origin, "show", "--format=", "--name-only", "main").split() == [LEDGER]
    assert "could not be refreshed" in run.summary
    assert "::warning title=statusfiles import failed::" in run.stdout


@pytest.mark.parametrize(
    ("spelling", "attributes"), [(s, False) for s in DIR_SPELLINGS] + [("statusfiles", True)]
)
def test_a_snapshot_changed_on_main_meanwhile_gives_way_to_the_newer_pull(
    world: World, spelling: str, attributes: bool
) -> None:
    if attributes:
        own_attributes(world)
    world.merge("T: first")
    assert world.publish(world.checkout()).returncode == 0
    [path] = world.merge("T: second")
    world.sandbox.state.status_pages[0].name = "Acme Cloud Platform"
    checkout = world.checkout()
    other = clone(world.origin, world.tmp / "intruder", identity="Someone Else")
    stale = (other / SNAPSHOT).read_text().replace('"name": "Acme Internal"', '"name": "Acme Intranet"')
    (other / SNAPSHOT).write_text(stale)  # someone pulled by hand, and committed, while this run published
    git(other, "commit", "--quiet", "-am", "Pull the snapshot by hand")
    run = world.publish(checkout, STATUSFILES_DIR=spelling, **push_intruder_at_push(world, other, checkout))

    assert run.returncode == 0, run.stderr
    assert "rebasing the ledger commit" in run.stdout
    assert recorded(world)[path.removeprefix("statusfiles/")] == "posted"
    on_main = git(world.origin, "show", f"main:{SNAPSHOT}")
    assert (other / SNAPSHOT).read_text() != on_main
    assert '"name": "Acme Cloud Platform"' in on_main and '"name": "Acme Internal"' in on_main
    assert json.loads(on_main)["version"] == 1


# --- recording what was posted elsewhere (the scheduled run, and every run after sync) ------------------


def elsewhere(world: World, path: str, body: dict[str, object]) -> dict[str, object]:
    """A POST made outside statusfiles: the dashboard or the Slack app."""
    r = httpx.post(
        f"{world.sandbox.base_url}{path}", json=body, headers={"Authorization": f"Bearer {API_KEY}"}
    )
    assert r.status_code in (200, 201), r.text
    return dict(r.json())


def from_slack(world: World, message: str) -> None:
    elsewhere(world, "/v2/status_page_incident_updates", update(message, status=None))


def from_the_dashboard(world: World, name: str) -> str:
    body = incident(
        name,
        f"T: {name}, declared in the dashboard.",
        page=STATUS_PAGE_ID,
        idempotency_key=f"dashboard-{name}",
    )
    return str(elsewhere(world, "/v2/status_page_incidents", body)["status_page_incident"]["id"])


def imported(world: World) -> dict[str, str]:
    """Each path the ledger on main records as imported by the runs under test, with its event."""
    records = world.main_ledger()[world.baseline :]
    return {r["path"]: r["event"] for r in records if r.get("origin") == "import"}


def writes(world: World) -> int:
    return sum(1 for r in world.sandbox.requests() if r["method"] in ("POST", "PUT"))


def test_a_scheduled_run_records_what_was_posted_elsewhere_between_publishes(world: World) -> None:
    [first] = world.merge("T: from git, before")
    assert world.publish(world.checkout()).returncode == 0  # the publish before
    from_slack(world, "T: from Slack")
    login = from_the_dashboard(world, "Login failures")
    posted_before = writes(world)

    run = world.publish(world.checkout())  # the scheduled run: nothing new on main

    assert run.returncode == 0, run.stderr
    assert writes(world) == posted_before  # recorded, never posted
    assert (run.outputs["import"], run.outputs["ledger"]) == ("imported", "pushed")
    records = imported(world)
    assert set(records.values()) == {"adopted", "created"}
    [slack_file] = [p for p, e in records.items() if e == "adopted"]
    assert "T: from Slack" in git(world.origin, "show", f"main:statusfiles/{slack_file}")
    assert any(login in json.dumps(r) for r in world.main_ledger()[world.baseline :])
    author, subject = world.main_log()[0].split("|", 1)
    assert author == BOT_NAME
    assert subject.startswith("statusfiles: import ") and subject.endswith("[skip ci]")
    assert "### Recorded from the status page" in run.summary and slack_file in run.summary
    # The files and their records are one commit: what a reviewer of main sees together.
    changed = git(world.origin, "show", "--format=", "--name-only", "main").split()
    assert LEDGER in changed and f"statusfiles/{slack_file}" in changed

    # The publish after it: a new statusfile from git goes out after the imported one, in order.
    git(world.dev, "pull", "--quiet", "--rebase")
    [later] = world.merge("T: from git, after")
    after = world.publish(world.checkout())
    assert after.returncode == 0, after.stdout + after.stderr
    assert world.posted() == ["T: from git, before", "T: from Slack", "T: from git, after"]
    assert recorded(world)[later.removeprefix("statusfiles/")] == "posted"
    assert after.outputs["import"] == "unchanged"
    plan = statusfiles(world.dev, world.sandbox, "plan", "--format", "json")
    assert json.loads(plan)["summary"]["publish"] == 1  # the dev clone lacks only the last ledger commit
    assert recorded(world)[first.removeprefix("statusfiles/")] == "posted"


@pytest.mark.parametrize("race", [push_intruder_after_publishing, push_intruder_at_push])
def test_main_moving_during_a_recording_run_keeps_both(world: World, race) -> None:
    world.merge("T: published")
    assert world.publish(world.checkout()).returncode == 0
    from_slack(world, "T: from Slack")
    checkout = world.checkout()
    # A pull request merged while the run records: a new statusfile lands on main meanwhile.
    other = clone(world.origin, world.tmp / "intruder", identity="Someone Else")
    write_statusfile(other / "statusfiles/2026-11-27-other/01-update.yaml", update("T: merged meanwhile"))
    git(other, "add", "--all")
    git(other, "commit", "--quiet", "-m", "Add a statusfile")
    merged = git(other, "rev-parse", "HEAD").strip()
    run = world.publish(checkout, **race(world, other, checkout))

    assert run.returncode == 0, run.stderr
    assert "rebasing the ledger commit" in run.stdout
    assert git(world.origin, "rev-parse", "main^").strip() == merged  # never forced
    assert "adopted" in imported(world).values()
    # The merged file was not on main when this run synced: the next publish posts it, once.
    assert world.posted() == ["T: published", "T: from Slack"]
    again = world.publish(world.checkout())
    assert again.returncode == 0, again.stderr
    assert world.posted() == ["T: published", "T: from Slack", "T: merged meanwhile"]
    assert again.outputs["import"] == "unchanged"


def test_a_recording_commit_passes_the_pull_request_ledger_check(world: World) -> None:
    # A pull request opened before the recording commit, merged after it: its merge commit's ledger
    # differs from its base's only by what the pull request changed, which is nothing.
    git(world.dev, "checkout", "--quiet", "-b", "pr")
    write_statusfile(world.dev / FOLDER / "09-from-a-branch.yaml", update("T: from a branch", status=None))
    git(world.dev, "add", "--all")
    git(world.dev, "commit", "--quiet", "-m", "A pull request")
    from_slack(world, "T: from Slack")
    assert world.publish(world.checkout()).outputs["import"] == "imported"
    pr = world.checkout()
    git(pr, "fetch", "--quiet", str(world.dev), "pr:pr")
    git(pr, "-c", "user.name=GitHub", "-c", "user.email=g@example.com", "merge", "--quiet", "--no-ff", "pr")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "GITHUB_", "STATUSFILES_"))}
    env |= GIT_ENV | {"COMMAND": "plan", "GITHUB_EVENT_NAME": "pull_request", "PATH": world.path()}
    proc = subprocess.run(
        [str(REPO / "scripts" / "action-run.sh")],
        cwd=pr,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "ledger edited by hand" not in proc.stdout
    assert "predates the last publish" in proc.stdout  # the branch is told to catch up, nothing more


def test_import_can_be_left_out(world: World) -> None:
    world.merge("T: published")
    from_slack(world, "T: from Slack")
    run = world.publish(world.checkout(), STATUSFILES_IMPORT="false")
    assert run.returncode == 0, run.stderr
    assert run.outputs["import"] == "off"
    assert imported(world) == {}


def logging_git(world: World) -> tuple[dict[str, str], Path]:
    """A `git` first on PATH that logs each command line it runs, one a line, to the returned file."""
    shim, log = world.tmp / "logging-git", world.tmp / "git.log"
    shim.mkdir()
    (shim / "git").write_text(
        f'#!/usr/bin/env bash\nprintf "%s\\n" "$*" >>"{log}"\nexec "{shutil.which("git")}" "$@"\n'
    )
    (shim / "git").chmod(0o755)
    return {"PATH": f"{shim}{os.pathsep}{world.bin}{os.pathsep}{os.environ['PATH']}"}, log


def test_a_recording_run_lists_the_new_files_once(world: World) -> None:
    from_slack(world, "T: from Slack")
    from_the_dashboard(world, "Login failures")
    env, log = logging_git(world)
    run = world.publish(world.checkout(), **env)

    assert run.returncode == 0, run.stderr
    # One listing of the new files, in the statusfiles directory and the schemas folder beside it.
    [listing] = [line for line in log.read_text().splitlines() if line.startswith("ls-files")]
    assert listing.endswith("-- statusfiles ./schemas")
    changed = git(world.origin, "show", "--format=", "--name-only", "main").split()
    new = [p for p in changed if p.startswith("statusfiles/") and p not in (LEDGER, SNAPSHOT)]
    assert len(new) == 2  # the Slack update and the dashboard's incident.yaml
    subject = world.main_log()[0]
    assert subject.startswith(f"{BOT_NAME}|statusfiles: import {len(new)} statusfile(s) posted elsewhere")


@pytest.mark.parametrize("spelling", ["statusfiles", "./statusfiles/"])
def test_the_first_import_into_a_repository_without_schemas_commits_them(world: World, spelling: str) -> None:
    git(world.dev, "rm", "--quiet", "-r", "schemas")
    git(world.dev, "commit", "--quiet", "-m", "No schemas")
    git(world.dev, "push", "--quiet", "origin", "HEAD:main")
    from_slack(world, "T: from Slack")
    run = world.publish(world.checkout(), STATUSFILES_DIR=spelling)

    assert run.returncode == 0, run.stderr
    assert run.outputs["import"] == "imported"
    changed = git(world.origin, "show", "--format=", "--name-only", "main").split()
    [slack_file] = [p for p in changed if p.startswith("statusfiles/") and p not in (LEDGER, SNAPSHOT)]
    schema_line = git(world.origin, "show", f"main:{slack_file}").splitlines()[0]
    assert schema_line.startswith("# yaml-language-server: $schema=")
    named = os.path.normpath(os.path.join(os.path.dirname(slack_file), schema_line.split("=", 1)[1]))
    assert named in changed and named.startswith("schemas/")


def test_salvage_after_a_run_killed_while_rebasing_pushes_its_ledger_commit(world: World) -> None:
    # The push met a moved main and gave up (one attempt); the kill then came in the rebase onto the new
    # main, which leaves HEAD on that main and the ledger commit aside, in git's rebase state.
    [path] = world.merge("T: posted, then killed while rebasing")
    checkout = world.checkout()
    other, unrelated = intruder(world)
    run = world.publish(
        checkout, STATUSFILES_PUSH_ATTEMPTS="1", **push_intruder_after_publishing(world, other, checkout)
    )
    assert run.returncode == 1 and recorded(world) == {}
    git(checkout, "fetch", "--quiet", "origin", "+refs/heads/main:refs/remotes/origin/main")
    git(checkout, "-c", "sequence.editor=sed -i 1ibreak", "rebase", "--quiet", "-i", "origin/main")

    salvage = world.publish(checkout, argv=[str(SCRIPT), "salvage"])
    assert salvage.returncode == 0, salvage.stdout + salvage.stderr
    assert recorded(world) == {path.removeprefix("statusfiles/"): "posted"}
    assert git(world.origin, "rev-parse", "main^").strip() == unrelated


def test_the_merge_rules_hold_after_an_info_attributes_without_a_final_newline(world: World) -> None:
    world.merge("T: first")
    assert world.publish(world.checkout()).returncode == 0
    [path] = world.merge("T: second")
    checkout = world.checkout()
    info = checkout / ".git" / "info" / "attributes"
    info.parent.mkdir(exist_ok=True)
    info.write_text("*.bin binary")  # the checkout's own rules, with no newline at the end
    theirs = json.dumps({"v": 1, "event": "posted", "path": "elsewhere.yaml", "note": "pushed meanwhile"})
    other, _ = intruder(world, ledger_line=theirs)
    run = world.publish(checkout, **push_intruder_at_push(world, other, checkout))

    assert run.returncode == 0, run.stdout + run.stderr
    assert theirs in git(world.origin, "show", f"main:{LEDGER}").splitlines()
    assert recorded(world)[path.removeprefix("statusfiles/")] == "posted"
    assert info.read_text() == "*.bin binary"


@pytest.mark.parametrize("own", ["*.bin binary\n", None], ids=["own-rules", "none"])
def test_salvage_after_a_run_killed_in_its_rebase_restores_the_checkouts_attributes(
    world: World, own: str | None
) -> None:
    [path] = world.merge("T: posted, then killed as the rebase began")
    checkout = world.checkout()
    info = checkout / ".git" / "info" / "attributes"
    info.parent.mkdir(exist_ok=True)
    info.unlink(missing_ok=True)
    if own is not None:
        info.write_text(own)
    other, _ = intruder(world)
    push_intruder_at_push(world, other, checkout)
    hook = checkout / ".git" / "hooks" / "pre-rebase"
    hook.write_text("#!/usr/bin/env bash\nkill -KILL 0\n")  # the whole job, as a runner's cancel does
    hook.chmod(0o755)
    world.start(checkout).wait()
    assert "merge=union" in info.read_text()  # killed with the merge rules in place
    hook.unlink()

    salvage = world.publish(checkout, argv=[str(SCRIPT), "salvage"])
    assert salvage.returncode == 0, salvage.stdout + salvage.stderr
    assert recorded(world) == {path.removeprefix("statusfiles/"): "posted"}
    assert (info.read_text() if info.exists() else None) == own
    assert [p.name for p in info.parent.iterdir() if p.name.startswith("attributes.")] == []


def test_a_failed_rebase_leaves_the_checkouts_attributes_as_they_were(world: World) -> None:
    world.merge("T: posted, then the rebase fails")
    checkout = world.checkout()
    info = checkout / ".git" / "info" / "attributes"
    info.parent.mkdir(exist_ok=True)
    info.write_text("*.bin binary\n")
    other, _ = intruder(world)
    hook = checkout / ".git" / "hooks" / "pre-rebase"
    hook.write_text(
        f'#!/usr/bin/env bash\ncp "$(git rev-parse --git-path info/attributes)" "{world.tmp}/seen"\nexit 1\n'
    )
    hook.chmod(0o755)
    run = world.publish(checkout, **push_intruder_at_push(world, other, checkout))

    assert run.returncode == 1 and "could not be rebased" in run.stdout + run.stderr
    assert "merge=union" in (world.tmp / "seen").read_text()  # the rules were in place for the rebase
    assert info.read_text() == "*.bin binary\n"
    assert [p.name for p in info.parent.iterdir() if p.name.startswith("attributes.")] == []
