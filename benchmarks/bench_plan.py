"""Time `statusfiles plan` against `statusfiles validate` on the same statusfiles, with a large ledger.

    python benchmarks/bench_plan.py [--files 10000] [--incidents 1000] [--posted 9000] [--repeat 3]

The ledger holds ``--posted`` updates already published (an intent and an outcome each), so
the plan has the rest to publish. A second tree is the same with a tenth of its folders declared
incidents and maintenance windows (``incident.yaml`` / ``maintenance.yaml``, their updates without
IDs), most of them created already. Target: plan takes at most 1.2x the time of validate on each.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from harness import compile_package, cpu_seconds, generate, report, timed

from sync import kinds, ledger
from sync.statusfile import Source, load_statusfile

PAGE = "01JBENCHPAGE00000000000000"
DECLARED_EVERY = 10  # a tenth of the folders declare their incident or maintenance window


def declare(folders: list[Path]) -> int:
    """Turn every DECLARED_EVERY-th folder into a declared incident or (every other one) maintenance
    window: a declaration file, and its updates rewritten without an ID. Returns how many."""
    declared = 0
    for i, folder in enumerate(folders):
        if i % DECLARED_EVERY:
            continue
        declared += 1
        window = declared % 2 == 0
        head = f"status_page_id: {PAGE}\nname: Declared {i}\nnotify_subscribers: false\n"
        if window:
            (folder / "maintenance.yaml").write_text(
                head + "maintenance_status: maintenance_scheduled\naffected_component_ids:\n"
                "  - 01JBENCHCOMPONENT000000001\nstart_at: '2030-01-01T10:00:00Z'\n"
                "end_at: '2030-01-01T12:00:00+01:00'\nautomate_maintenance_status: true\n"
                f"message: Maintenance {i} is scheduled.\n",
                encoding="utf-8",
            )
        else:
            (folder / "incident.yaml").write_text(
                head + f"incident_status: investigating\nmessage: Incident {i} is being investigated.\n",
                encoding="utf-8",
            )
        for n, update in enumerate(sorted(folder.glob("[0-9]*.yaml")), 1):
            status = "maintenance_in_progress" if window else "identified"
            update.write_text(
                f"message: Update {n} of declared folder {i}.\nnotify_subscribers: false\n"
                f"{'maintenance_status' if window else 'incident_status'}: {status}\n",
                encoding="utf-8",
            )
    return declared


def write_ledger(root: Path, files: list[Path], posted: int) -> Path:
    """``posted`` updates recorded as published; the declarations of their folders as created first."""
    path = root / "ledger.jsonl"
    created: dict[str, str] = {}
    with ledger.Writer(path, run="bench") as w:
        for n, file in enumerate(files[:posted]):
            rel = file.relative_to(root).as_posix()
            f = load_statusfile(Source(file, rel, rel))
            owner = {"incident": f.incident_id} if f.declaration is None else {}
            if f.declaration is not None:
                if f.declaration not in created:
                    d = load_statusfile(Source(root / f.declaration, f.declaration, f.declaration))
                    kind = "maintenance" if d.kind == "maintenance" else "incident"
                    key = kinds.idempotency_key(kind, PAGE, kinds.folder_of(d.rel))
                    created[d.rel] = f"OBJ{len(created):08d}"
                    fields = {
                        "path": d.rel,
                        "sha256": d.sha256,
                        "object": kind,
                        "key": key,
                        "payload": d.payload,
                    }
                    w.append("create", **fields)
                    w.append(
                        "created", **fields, id=created[d.rel], published_at="2026-11-26T09:00:00.000000Z"
                    )
                owner = {
                    "maintenance" if f.kind == "maintenance-update" else "incident": created[f.declaration]
                }
            w.append("intent", path=rel, sha256=f.sha256, **owner, payload=f.payload)
            w.append(
                "posted",
                path=rel,
                sha256=f.sha256,
                **owner,
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
    compile_package()

    for declared in (False, True):
        with tempfile.TemporaryDirectory(prefix="statusfiles-bench-") as tmp:
            bench(Path(tmp), args, declared)


def bench(work: Path, args: argparse.Namespace, declared: bool) -> None:
    files = generate(work / "statusfiles", args.files, args.incidents)
    # Posted updates are the first of each incident's files, as in real life.
    files.sort(key=lambda p: (p.parent.name, p.name))
    by_incident: dict[str, list[Path]] = {}
    for p in files:
        by_incident.setdefault(p.parent.name, []).append(p)
    objects = declare([work / "statusfiles" / name for name in sorted(by_incident)]) if declared else 0
    share = args.posted / max(1, len(files))
    ordered = [p for group in by_incident.values() for p in group[: round(len(group) * share)]]
    ledger_path = write_ledger(work / "statusfiles", ordered, args.posted)
    start = time.perf_counter()
    state = ledger.read(ledger_path)
    read_s = time.perf_counter() - start
    total = len(files) + objects
    print(
        f"\n{total} statusfiles across {args.incidents} folders"
        + (f", {objects} of them declared incidents and maintenance windows" if declared else "")
        + f"; ledger of {state.records} records ({len(list(state.posted()))} posted), read in "
        f"{read_s * 1000:.0f} ms"
    )
    base = [sys.executable, "-m", "sync"]
    validate, validate_mb = timed([*base, "validate"], work, args.repeat)
    report("statusfiles validate", validate, validate_mb, total)
    plan, plan_mb = timed([*base, "plan", "--format", "json"], work, args.repeat)
    report("statusfiles plan", plan, plan_mb, total)
    print(f"{'plan / validate:':24}{plan / validate:6.2f}x   (target: at most 1.20x)")
    # CPU time, interleaved, in one process and as shipped: what plan's own work (the ledger, planning,
    # rendering) adds in absolute terms, whatever loading the statusfiles costs.
    for label, env in (("one process", {"STATUSFILES_PARALLEL_FROM": "0"}), ("as shipped", None)):
        cpu_validate, cpu_plan = cpu_seconds(
            [[*base, "validate"], [*base, "plan", "--format", "json"]], work, args.repeat, env
        )
        print(
            f"{'CPU, ' + label + ':':24}validate {cpu_validate:5.2f} s, plan {cpu_plan:5.2f} s: "
            f"{(cpu_plan - cpu_validate) * 1000:+5.0f} ms, {cpu_plan / cpu_validate:.2f}x"
        )


if __name__ == "__main__":
    main()
