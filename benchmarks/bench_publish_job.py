"""Time the publish job's own steps: installing statusfiles as action.yml does, then publishing one update.

    python benchmarks/bench_publish_job.py [--incidents 50] [--per-incident 50] [--ref HEAD]

The install is the `Install statusfiles` step of action.yml, run by bash with the environment a runner
gives it, into a fresh virtualenv, from a clean export of this commit (as a checkout of the action is). It
runs twice: the first warms uv's cache (and installs uv from PyPI when it is not on PATH), the second is the
figure that counts (a runner with a warm cache). Then a repository with --incidents x --per-incident
statusfiles already published (ledger committed, sandbox holding the updates) merges one new update, and
the action's `sync` step (scripts/action-run.sh, which runs scripts/publish.sh) runs in a fresh clone with
the new virtualenv: fetch, sync, pull, import, commit, push, the step outputs. Target: install + publish at
most 10 s. CPU times (user + system, with child processes) are printed beside, as they vary less than wall
time on a busy machine.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml
from bench_sync import KEY, start_sandbox, write_tree

from sync.writer import dump

REPO = Path(__file__).resolve().parent.parent
GIT_ENV = {"GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1", "GIT_TERMINAL_PROMPT": "0"}
IDENTITY = {"GIT_AUTHOR_NAME": "B", "GIT_AUTHOR_EMAIL": "b@example.com"} | {
    "GIT_COMMITTER_NAME": "B",
    "GIT_COMMITTER_EMAIL": "b@example.com",
}


def git(cwd: Path, *args: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")} | GIT_ENV | IDENTITY
    subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True)


def runner_python(work: Path) -> str:
    """A Python of its own, as actions/setup-python hands the step one from the runner's tool cache: the
    step may install uv into it, and must not into the interpreter running this benchmark."""
    base = str(Path(getattr(sys, "_base_executable", sys.executable)))
    subprocess.run([base, "-m", "venv", str(work / "toolcache")], check=True)
    return str(work / "toolcache" / "bin" / "python")


def cpu() -> float:
    """User + system seconds of the child processes waited for so far."""
    t = os.times()
    return t.children_user + t.children_system


def install(action: Path, temp: Path, python: str) -> tuple[float, float, Path]:
    step = next(
        s
        for s in yaml.safe_load((action / "action.yml").read_text())["runs"]["steps"]
        if s.get("id") == "install"
    )
    temp.mkdir()
    output = temp / "output"
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    env |= {
        "PYTHON": python,
        "GITHUB_ACTION_PATH": str(action),
        "RUNNER_TEMP": str(temp),
        "GITHUB_OUTPUT": str(output),
    }
    start, used = time.perf_counter(), cpu()
    subprocess.run(["bash", "-e", "-c", step["run"]], env=env, check=True)
    elapsed, used = time.perf_counter() - start, cpu() - used
    bin_dir = Path(output.read_text().split("bin=", 1)[1].strip())
    return elapsed, used, bin_dir


def published_repository(work: Path, url: str, incidents: int, per: int) -> Path:
    """A bare remote whose main holds incidents x per statusfiles, all published and in its ledger."""
    dev = work / "dev"
    root = dev / "statusfiles"
    first_incident = write_tree(url, root, incidents, per)[0]
    env = os.environ | {"INCIDENT_IO_API_KEY": KEY, "INCIDENT_IO_BASE_URL": url}
    for args in (["sync", "--concurrency", "8"], ["import", "--open"], ["pull"]):
        subprocess.run(
            [sys.executable, "-m", "sync", *args], cwd=dev, env=env, check=True, capture_output=True
        )
    git(work, "init", "--quiet", "--initial-branch=main", str(dev))
    git(dev, "add", "--all")
    git(dev, "commit", "--quiet", "-m", "published")
    origin = work / "origin.git"
    git(work, "clone", "--quiet", "--bare", str(dev), str(origin))
    git(dev, "remote", "add", "origin", str(origin))
    git(dev, "fetch", "--quiet", "origin")
    git(dev, "branch", "--quiet", "--set-upstream-to=origin/main")
    # The merge to publish: one new update to the first incident.
    first = root / "incident-000"
    update = {
        "status_page_incident_id": first_incident,
        "notify_subscribers": False,
        "message": "A fix is deployed; we are monitoring.",
    }
    (first / f"{per + 1:03d}-update.yaml").write_text(dump(update, None))
    git(dev, "add", "--all")
    git(dev, "commit", "--quiet", "-m", "one more update")
    git(dev, "push", "--quiet", "origin", "HEAD:main")
    return origin


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=50)
    parser.add_argument("--per-incident", type=int, default=50)
    parser.add_argument("--ref", default="HEAD", help="the commit whose action runs (to compare two)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="statusfiles-bench-job-") as tmp:
        work = Path(tmp)
        action = work / "action"
        action.mkdir()
        export = ["git", "archive", args.ref]
        archive = subprocess.run(export, cwd=REPO, capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(action)], input=archive, check=True)
        python = runner_python(work)
        first, _, _ = install(action, work / "runner-temp-1", python)
        warm, warm_cpu, bin_dir = install(action, work / "runner-temp-2", python)

        sandbox, url = start_sandbox(rate_limit=600_000, burst=1_000)
        try:
            origin = published_repository(work, url, args.incidents, args.per_incident)
            checkout = work / "runner"
            git(work, "clone", "--quiet", str(origin), str(checkout))
            env = {
                k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "GITHUB_", "VIRTUAL_ENV"))
            }
            outputs = work / "outputs"
            env |= GIT_ENV | {
                "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
                "INCIDENT_IO_API_KEY": KEY,
                "INCIDENT_IO_BASE_URL": url,
                "COMMAND": "sync",
                "GITHUB_OUTPUT": str(outputs),
                "GITHUB_STEP_SUMMARY": str(work / "summary.md"),
                "RUNNER_TEMP": str(work / "runner-temp-2"),
            }
            start, used = time.perf_counter(), cpu()
            proc = subprocess.run(
                [str(action / "scripts" / "action-run.sh")],
                cwd=checkout,
                env=env,
                capture_output=True,
                text=True,
            )
            publish, publish_cpu = time.perf_counter() - start, cpu() - used
            if (
                proc.returncode != 0
                or "Published 1 update" not in proc.stdout
                or "status=published" not in outputs.read_text()
            ):
                sys.exit(
                    f"publish.sh failed ({proc.returncode}):\n{proc.stdout[-3000:]}{proc.stderr[-3000:]}"
                )
        finally:
            sandbox.terminate()
            sandbox.wait()
        shutil.rmtree(work / "runner-temp-1", ignore_errors=True)

    files = args.incidents * args.per_incident
    print(f"install (action.yml's step), first run:   {first:6.2f} s   (fills uv's cache)")
    print(f"install (action.yml's step), warm cache:  {warm:6.2f} s   CPU {warm_cpu:5.2f} s")
    print(
        f"publish, 1 new among {files:,} published:    {publish:6.2f} s   CPU {publish_cpu:5.2f} s"
        "   (fetch, sync, pull, import, push, outputs)"
    )
    total, total_cpu = warm + publish, warm_cpu + publish_cpu
    print(
        f"publish job's own steps:                  {total:6.2f} s   CPU {total_cpu:5.2f} s"
        "   (target: at most 10 s)"
    )


if __name__ == "__main__":
    main()
