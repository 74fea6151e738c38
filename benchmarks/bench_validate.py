"""Time `statusfiles validate` on many realistic statusfiles, beside check-jsonschema when installed.

    python benchmarks/bench_validate.py [--files 10000] [--incidents 1000] [--repeat 3]

Prints wall-clock seconds (best of --repeat), peak memory, the same in one process
(a large tree is otherwise loaded by one process per core), the cost of the linter of
public text (the same command with the linter left out), and the speed-up over
check-jsonschema on the same files with the same schema, by wall-clock and by CPU time
(target: at least 12x by wall-clock, peak memory at most 100 MB), and the CPU time of
hostile files. Figures, not assertions: run it on the machine you care about; on a busy one,
trust the CPU figures.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

from harness import compile_package, cpu_seconds, generate, report, timed

from sync.statusfile import PARALLEL_ENV

REPO = Path(__file__).resolve().parent.parent
SCHEMA = REPO / "schemas" / "status-page-incident-update.schema.json"
# `statusfiles validate` exactly as shipped, except that no linter is made (load_all then lints nothing).
WITHOUT_LINT = (
    "import sys, sync.lintconfig as c; c.linter = lambda directory: (None, []); "
    "from sync.cli import main; sys.argv[0] = 'statusfiles'; main()"
)

# Files as large as validate reads, made of what its checks cost most per byte: 18,000 hidden line breaks
# (each a problem, each looked up among the quoted values) between 18,000 quoted values; 12,000 unknown
# fields each with a YAML problem (each field's schema problem looked up among the YAML problems).
HOSTILE = {
    "hidden line breaks": "message: x\nk: [" + '"a",\u2028' * 18_000 + '"a"]\n',
    "unknown numbers": "message: x\n" + "".join(f"k{i}: 1\n" for i in range(12_000)),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--incidents", type=int, default=1_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    compile_package()

    with tempfile.TemporaryDirectory(prefix="statusfiles-bench-") as tmp:
        work = Path(tmp)
        files = generate(work / "statusfiles", args.files, args.incidents)
        print(f"{len(files)} statusfiles across {args.incidents} incidents")

        statusfiles = [sys.executable, "-m", "sync", "validate"]
        ours, ours_mb = timed(statusfiles, work, args.repeat)
        report("statusfiles validate", ours, ours_mb, len(files))
        print(f"peak memory:            {ours_mb:6.0f} MB   (target: at most 100 MB)")
        serial, serial_mb = timed(statusfiles, work, args.repeat, env={PARALLEL_ENV: "0"})
        report("  in one process", serial, serial_mb, len(files))
        without = [sys.executable, "-c", WITHOUT_LINT, "validate"]
        bare, bare_mb = timed(without, work, args.repeat)
        report("  without the linter", bare, bare_mb, len(files))
        # A ratio near 1 needs more rounds than a wall-clock figure to stand out from the noise.
        linted_cpu, bare_cpu = cpu_seconds([statusfiles, without], work, max(args.repeat, 9))
        print(
            f"linter cost:            {linted_cpu / bare_cpu:6.2f}x the CPU time of validate without it "
            f"({linted_cpu:.2f} s against {bare_cpu:.2f} s)"
        )

        for what, text in HOSTILE.items():
            hostile = work / "hostile.yaml"
            hostile.write_text(text)
            [hostile_cpu] = cpu_seconds([[*statusfiles, str(hostile)]], work, args.repeat)
            size = len(text.encode()) // 1024
            print(f"hostile: {what + ':':22}{hostile_cpu:5.2f} s CPU ({size} KB; target: a second or two)")

        checker = shutil.which("check-jsonschema") or shutil.which(
            "check-jsonschema", path=str(Path(sys.executable).parent)
        )
        if not checker:
            print("check-jsonschema:       not installed (pip install check-jsonschema) — no comparison")
            return
        rel = [str(p.relative_to(work)) for p in files]
        theirs_cmd = [checker, "--schemafile", str(SCHEMA), *rel]
        theirs, theirs_mb = timed(theirs_cmd, work, max(1, args.repeat - 2))
        report("check-jsonschema", theirs, theirs_mb, len(files))
        print(f"speed-up:               {theirs / ours:6.1f}x by wall-clock   (target: at least 12x)")
        ours_cpu, serial_cpu, theirs_cpu = (
            *cpu_seconds([statusfiles], work, args.repeat),
            *cpu_seconds([statusfiles], work, args.repeat, env={PARALLEL_ENV: "0"}),
            *cpu_seconds([theirs_cmd], work, 1),
        )
        print(
            f"CPU time:               {ours_cpu:6.2f} s (in one process {serial_cpu:.2f} s), "
            f"check-jsonschema {theirs_cpu:.2f} s: {theirs_cpu / serial_cpu:.1f}x less in one process"
        )


if __name__ == "__main__":
    main()
