"""Shared by the benchmarks: realistic statusfiles, and timing a command as a user runs it."""

from __future__ import annotations

import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

STATUSES = ["investigating", "identified", "monitoring"]
MESSAGES = [
    "We are investigating elevated error rates on the public API. Some requests may fail or time out.",
    "We have identified the cause: a faulty database failover. Around 20% of requests are failing.",
    "A fix has been deployed and error rates are back to normal. We are monitoring the situation.",
    "Webhook deliveries are delayed by up to 15 minutes; no events have been lost.",
]
MODELINE = "# yaml-language-server: $schema=../../schemas/status-page-incident-update.schema.json\n"


def incident_id(i: int) -> str:
    return f"01JBENCH{i:018d}"


def generate(root: Path, files: int = 10_000, incidents: int = 1_000, seed: int = 1) -> list[Path]:
    """Write ``files`` statusfiles spread evenly over ``incidents`` folders; returns their paths."""
    rng = random.Random(seed)
    per = max(1, files // incidents)
    paths: list[Path] = []
    for i in range(incidents):
        folder = root / f"2026-11-{i % 28 + 1:02d}-incident-{i:04d}"
        folder.mkdir(parents=True, exist_ok=True)
        for j in range(per):
            if len(paths) == files:
                return paths
            last = j == per - 1
            status = "resolved" if last else STATUSES[min(j * 3 // per, 2)]
            lines = [
                MODELINE,
                f"status_page_incident_id: {incident_id(i)}\n",
                f"incident_status: {status}\n",
                f"notify_subscribers: {'true' if j == 0 or last else 'false'}\n",
            ]
            if not last:
                lines.append("component_statuses:\n")
                for c in rng.sample(range(12), k=rng.randint(1, 3)):
                    state = rng.choice(
                        ["degraded_performance", "partial_outage", "full_outage", "operational"]
                    )
                    lines.append(
                        f"  - component_id: 01JBENCHCOMPONENT{c:09d}\n    component_status: {state}\n"
                    )
            message = rng.choice(MESSAGES)
            lines.append(f"message: |\n  {message}\n  Update {j + 1} for incident {i}.\n")
            path = folder / f"{j + 1:02d}-{status}.yaml"
            path.write_text("".join(lines), encoding="utf-8")
            paths.append(path)
    return paths


def compile_package() -> None:
    """Compile statusfiles' bytecode, as an installed package has it: where PYTHONDONTWRITEBYTECODE is set
    and none was written, every timed run would otherwise compile every module it imports again."""
    import compileall

    import sync

    compileall.compile_dir(Path(sync.__file__).parent, quiet=1)


def timed(
    cmd: list[str], cwd: Path, repeat: int, ok: tuple[int, ...] = (0,), env: dict[str, str] | None = None
) -> tuple[float, float]:
    """Best wall-clock seconds over ``repeat`` runs, and the largest peak RSS of a run, in MB.

    ``os.wait4`` gives the resource usage of exactly that child (and the workers it waited for),
    not of every child so far. ``env`` is added to the environment.
    """
    best = float("inf")
    peak_kb = 0
    for _ in range(repeat):
        start = time.perf_counter()
        proc = subprocess.Popen(
            cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env={**os.environ, **(env or {})}
        )
        _, status, usage = os.wait4(proc.pid, 0)
        best = min(best, time.perf_counter() - start)
        code = os.waitstatus_to_exitcode(status)
        if code not in ok:
            sys.exit(
                f"{cmd[0]} failed ({code}): {proc.stderr.read().decode()[-2000:] if proc.stderr else ''}"
            )
        peak_kb = max(peak_kb, usage.ru_maxrss)
    return best, peak_kb / 1024


def cpu_seconds(
    cmds: list[list[str]], cwd: Path, repeat: int, env: dict[str, str] | None = None
) -> list[float]:
    """Best CPU time (user + system) of each command over ``repeat`` rounds, the commands interleaved.

    For comparing two commands on a busy machine: CPU time is what a command costs whatever else
    runs, and interleaving spreads any drift over both.
    """
    best = [float("inf")] * len(cmds)
    for _ in range(repeat):
        for i, cmd in enumerate(cmds):
            proc = subprocess.Popen(
                cmd,
                cwd=cwd,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                env={**os.environ, **(env or {})},
            )
            _, _, usage = os.wait4(proc.pid, 0)
            best[i] = min(best[i], usage.ru_utime + usage.ru_stime)
    return best


def report(label: str, seconds: float, mb: float, files: int) -> None:
    print(f"{label + ':':24}{seconds:6.2f} s   peak {mb:5.0f} MB   {files / seconds:8.0f} files/s")


def medians(cmds: list[list[str]], cwd: Path, repeat: int) -> list[tuple[float, float]]:
    """Median wall-clock and CPU seconds of each command over ``repeat`` rounds, the commands interleaved.

    For ratios between short commands: each round runs every command once, so a busy moment
    slows all of them alike.
    """
    walls: list[list[float]] = [[] for _ in cmds]
    cpus: list[list[float]] = [[] for _ in cmds]
    for _ in range(repeat):
        for i, cmd in enumerate(cmds):
            start = time.perf_counter()
            proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            _, status, usage = os.wait4(proc.pid, 0)
            walls[i].append(time.perf_counter() - start)
            cpus[i].append(usage.ru_utime + usage.ru_stime)
            if os.waitstatus_to_exitcode(status) != 0:
                sys.exit(f"{cmd} failed")
    return [(statistics.median(w), statistics.median(c)) for w, c in zip(walls, cpus, strict=True)]
