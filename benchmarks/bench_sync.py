"""Publish many updates to the sandbox and report the request rate achieved against the rate limit.

    python benchmarks/bench_sync.py [--updates 1000] [--incidents 50] [--rate-limit 12000] [--burst 50]

The sandbox runs in its own process with a token bucket of ``--burst`` tokens
refilling at ``--rate-limit`` per minute; a small bucket makes the run last
long enough that only pacing, not the initial burst, decides the rate. Target:
at least 90% of the limit with zero 429s.
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

from sync.commands.new import dump

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=1000)
    parser.add_argument("--incidents", type=int, default=50)
    parser.add_argument("--rate-limit", type=int, default=12_000, help="requests per minute")
    parser.add_argument("--burst", type=int, default=50)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()

    sandbox, url = start_sandbox(args.rate_limit, args.burst)
    try:
        with tempfile.TemporaryDirectory(prefix="statusfiles-bench-") as tmp:
            root = Path(tmp) / "statusfiles"
            per = args.updates // args.incidents
            headers = {"Authorization": f"Bearer {KEY}"}
            with httpx.Client(base_url=url, headers=headers) as setup:
                for n in range(args.incidents):
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
                    folder = root / f"incident-{n:03d}"
                    folder.mkdir(parents=True)
                    for i in range(per):
                        payload = {
                            "status_page_incident_id": incident,
                            "notify_subscribers": False,
                            "message": f"Update {i + 1} of incident {n}.",
                        }
                        (folder / f"{i + 1:03d}-update.yaml").write_text(dump(payload, None))
            time.sleep(args.burst * 60 / args.rate_limit)  # let the setup's spent tokens refill: a fair start

            env = {**os.environ, "INCIDENT_IO_API_KEY": KEY, "INCIDENT_IO_BASE_URL": url}
            cmd = [
                sys.executable,
                "-m",
                "sync",
                "sync",
                "--format",
                "json",
                "--concurrency",
                str(args.concurrency),
            ]
            start = time.perf_counter()
            proc = subprocess.run(cmd, cwd=tmp, env=env, capture_output=True, text=True, check=False)
            elapsed = time.perf_counter() - start
            if proc.returncode != 0:
                sys.exit(f"sync failed ({proc.returncode}):\n{proc.stdout[-3000:]}{proc.stderr[-3000:]}")
            summary = json.loads(proc.stdout)["summary"]
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
        "   (target: at least 90%)"
    )
    print(f"429s received:     {summary['throttled']:8d}               (target: 0)")


if __name__ == "__main__":
    main()
