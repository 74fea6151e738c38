"""Publish many updates to the sandbox and report the request rate achieved against the rate limit;
then time the everyday sync, one new update among many published, against validate.

    python benchmarks/bench_sync.py [--updates 1000] [--incidents 50] [--rate-limit 12000] [--burst 50]
                                    [--published 2500] [--repeat 5]

The sandbox runs in its own process with a token bucket of ``--burst`` tokens
refilling at ``--rate-limit`` per minute; a small bucket makes the run last
long enough that only pacing, not the initial burst, decides the rate. Target:
at least 95% of the limit with zero 429s.

The second part publishes ``--published`` updates (to a sandbox with a generous limit), then
``--repeat`` times adds one update and runs sync, interleaved with validate of the same tree.
Target: the median sync takes at most 1.3x the time of validate.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from harness import compile_package, medians

from sync.writer import dump

KEY = "bench-key"
PAGE = "01FCNDV6P870EA6S7TK1DSYDG0"


def start_sandbox(rate_limit: int, burst: int) -> tuple[subprocess.Popen[str], str]:
    cmd = [
        sys.executable,
        "-m",
        "sync",
        "sandbox",
        "--port",
        "0",
        "--api-key",
        KEY,
        "--rate-limit",
        str(rate_limit),
        "--burst",
        str(burst),
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    return proc, line.rsplit(" ", 1)[-1].strip()


def write_tree(url: str, root: Path, incidents: int, per: int) -> list[str]:
    """Create ``incidents`` incidents on the sandbox and ``per`` statusfiles for each; their IDs."""
    ids = []
    headers = {"Authorization": f"Bearer {KEY}"}
    with httpx.Client(base_url=url, headers=headers) as setup:
        for n in range(incidents):
            body = {
                "status_page_id": PAGE,
                "name": f"Incident {n}",
                "incident_status": "investigating",
                "message": "Investigating.",
                "notify_subscribers": False,
                "idempotency_key": f"b{n}",
            }
            while (r := setup.post("/v2/status_page_incidents", json=body)).status_code == 429:
                time.sleep(float(r.headers.get("retry-after", "1")))
            incident = r.json()["status_page_incident"]["id"]
            ids.append(incident)
            for i in range(per):
                write_update(root, n, i, incident)
    return ids


def write_update(root: Path, n: int, i: int, incident: str) -> None:
    folder = root / f"incident-{n:03d}"
    folder.mkdir(parents=True, exist_ok=True)
    payload = {
        "status_page_incident_id": incident,
        "notify_subscribers": False,
        "message": f"Update {i + 1} of incident {n}.",
    }
    (folder / f"{i + 1:03d}-update.yaml").write_text(dump(payload, None))


def sync_cmd(concurrency: int) -> list[str]:
    return [sys.executable, "-m", "sync", "sync", "--format", "json", "--concurrency", str(concurrency)]


def run_sync(cwd: str, url: str, concurrency: int) -> tuple[float, dict[str, int], float]:
    """Wall-clock seconds, the summary, and CPU seconds (user + system, git included) of one sync."""
    env = {**os.environ, "INCIDENT_IO_API_KEY": KEY, "INCIDENT_IO_BASE_URL": url}
    start = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(sync_cmd(concurrency), cwd=cwd, env=env, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        sys.exit(f"sync failed ({code}):\n{stdout[-3000:]}{stderr[-3000:]}")
    summary: dict[str, int] = json.loads(stdout)["summary"]
    return elapsed, summary, usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=1000)
    parser.add_argument("--incidents", type=int, default=50)
    parser.add_argument("--rate-limit", type=int, default=12_000, help="requests per minute")
    parser.add_argument("--burst", type=int, default=50)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--published", type=int, default=2500)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    compile_package()
    rate_limit(args)
    one_among_many(args)


def rate_limit(args: argparse.Namespace) -> None:
    sandbox, url = start_sandbox(args.rate_limit, args.burst)
    try:
        with tempfile.TemporaryDirectory(prefix="statusfiles-bench-") as tmp:
            write_tree(url, Path(tmp) / "statusfiles", args.incidents, args.updates // args.incidents)
            time.sleep(args.burst * 60 / args.rate_limit)  # let the setup's spent tokens refill: a fair start
            elapsed, summary, _ = run_sync(tmp, url, args.concurrency)
    finally:
        sandbox.terminate()
        sandbox.wait()

    limit = args.rate_limit / 60
    rate = summary["requests"] / elapsed
    print(
        f"{summary['posted']} updates to {args.incidents} incidents in {elapsed:.2f} s "
        f"({summary['requests']} requests, including process start-up)"
    )
    print(f"rate limit:        {limit:8.1f} requests/s  ({args.rate_limit}/min, bucket of {args.burst})")
    print(
        f"achieved:          {rate:8.1f} requests/s  = {rate / limit:.0%} of the limit"
        "   (target: at least 95%)"
    )
    print(f"429s received:     {summary['throttled']:8d}               (target: 0)")


def one_among_many(args: argparse.Namespace) -> None:
    """The sync after an everyday merge: one new update, everything else published long ago."""
    sandbox, url = start_sandbox(6_000_000, 10_000)
    try:
        with tempfile.TemporaryDirectory(prefix="statusfiles-bench-") as tmp:
            root = Path(tmp) / "statusfiles"
            per = 25
            ids = write_tree(url, root, max(1, args.published // per), per)
            _, summary, _ = run_sync(tmp, url, args.concurrency)
            validate = [sys.executable, "-m", "sync", "validate"]
            walls: list[float] = []
            ratios: list[float] = []
            extra: list[float] = []  # CPU seconds of sync beyond validate's, each round
            cpu_ratios: list[float] = []
            for k in range(args.repeat):
                write_update(root, k % len(ids), per + k // len(ids), ids[k % len(ids)])
                ((validate_wall, validate_cpu),) = medians([validate], Path(tmp), 1)
                sync_wall, done, sync_cpu = run_sync(tmp, url, args.concurrency)
                assert done["posted"] == 1, done
                walls.append(sync_wall)
                ratios.append(sync_wall / validate_wall)
                extra.append(sync_cpu - validate_cpu)
                cpu_ratios.append(sync_cpu / validate_cpu)
    finally:
        sandbox.terminate()
        sandbox.wait()
    mid = len(walls) // 2
    walls.sort()
    ratios.sort()
    extra.sort()
    cpu_ratios.sort()
    print(
        f"\none new update among {summary['posted']} published: sync {walls[mid]:.2f} s, "
        f"{ratios[mid]:.2f}x validate of the same tree "
        f"(median of {args.repeat}; target: at most 1.3x)"
    )
    print(f"CPU time: sync {extra[mid] * 1000:+.0f} ms over validate, {cpu_ratios[mid]:.2f}x (medians)")


if __name__ == "__main__":
    main()
