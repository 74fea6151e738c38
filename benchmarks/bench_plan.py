"""Time `statusfiles plan` against `statusfiles validate` on the same statusfiles, with a large ledger.

    python benchmarks/bench_plan.py [--files 10000] [--incidents 1000] [--posted 9000] [--repeat 3]

The ledger holds ``--posted`` updates already published (an intent and an outcome each), so
the plan has the rest to publish. Target: plan takes at most 1.3x the time of validate.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from harness import generate, report, timed

from sync import ledger
from sync.statusfile import Source, load_statusfile


def write_ledger(root: Path, files: list[Path], posted: int) -> Path:
    path = root / "ledger.jsonl"
    with ledger.Writer(path, run="bench") as w:
        for n, file in enumerate(files[:posted]):
            rel = file.relative_to(root).as_posix()
            f = load_statusfile(Source(file, rel, rel))
            w.append("intent", path=rel, sha256=f.sha256, incident=f.incident_id, payload=f.payload)
            w.append(
                "posted",
                path=rel,
                sha256=f.sha256,
                incident=f.incident_id,
                update_id=f"U{n:08d}",
                published_at="2026-11-26T10:00:00.000000Z",
            )
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--incidents", type=int, default=1_000)
    parser.add_argument("--posted", type=int, default=9_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="statusfiles-bench-") as tmp:
        work = Path(tmp)
        files = generate(work / "statusfiles", args.files, args.incidents)
        # Posted updates are the first of each incident's files, as in real life.
        files.sort(key=lambda p: (p.parent.name, p.name))
        by_incident: dict[str, list[Path]] = {}
        for p in files:
            by_incident.setdefault(p.parent.name, []).append(p)
        share = args.posted / max(1, len(files))
        ordered = [p for group in by_incident.values() for p in group[: round(len(group) * share)]]
        ledger_path = write_ledger(work / "statusfiles", ordered, args.posted)
        start = time.perf_counter()
        state = ledger.read(ledger_path)
        read_s = time.perf_counter() - start
        print(
            f"{len(files)} statusfiles across {args.incidents} incidents; ledger of {state.records} records "
            f"({len(list(state.posted()))} posted), read in {read_s * 1000:.0f} ms"
        )

        base = [sys.executable, "-m", "sync"]
        validate, validate_mb = timed([*base, "validate"], work, args.repeat)
        report("statusfiles validate", validate, validate_mb, len(files))
        plan, plan_mb = timed([*base, "plan", "--format", "json"], work, args.repeat)
        report("statusfiles plan", plan, plan_mb, len(files))
        print(f"{'plan / validate:':24}{plan / validate:6.2f}x   (target: at most 1.30x)")


if __name__ == "__main__":
    main()
