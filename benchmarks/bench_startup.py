"""Time `statusfiles validate` of one valid file (what the pre-commit hook runs) against `python -c pass`.

    python benchmarks/bench_startup.py [--repeat 21] [--no-valgrind]

A hook run is nearly all start-up: the interpreter, the imports, the schema. Prints the median
wall-clock and CPU time of each command, run interleaved, and the ratio to a bare interpreter
(target: at most 7x). Importing click and yaml, which any statusfiles command needs, is shown as
the floor. With valgrind installed it also prints each command's instruction count, which does
not depend on the machine's load.

The package's bytecode is compiled first, as an installed package's is: otherwise, with
PYTHONDONTWRITEBYTECODE set, every run would time compiling statusfiles' sources.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from harness import compile_package, generate, medians


def instructions(cmd: list[str], cwd: Path) -> int:
    """Instructions ``cmd`` executes, counted by valgrind's callgrind."""
    proc = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *cmd],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )
    found = re.search(r"Collected : (\d+)", proc.stderr)
    if found is None:
        sys.exit(f"no instruction count from valgrind: {proc.stderr[-2000:]}")
    return int(found.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=21)
    parser.add_argument("--no-valgrind", action="store_true", help="skip the instruction counts")
    args = parser.parse_args()

    compile_package()
    with tempfile.TemporaryDirectory(prefix="statusfiles-bench-") as tmp:
        work = Path(tmp)
        (one,) = generate(work / "statusfiles", 1, 1)
        rel = str(one.relative_to(work))
        cmds = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "import click, yaml": [sys.executable, "-c", "import click, yaml"],
            "validate one file": [sys.executable, "-m", "sync", "validate", rel],
        }
        script = Path(sys.executable).with_name("statusfiles")
        if script.exists():  # what pre-commit runs: the console script
            cmds["statusfiles validate"] = [str(script), "validate", rel]
        results = medians(list(cmds.values()), work, args.repeat)
        base_wall, base_cpu = results[0]
        print(f"median of {args.repeat} interleaved runs     wall            CPU")
        for label, (wall, cpu) in zip(cmds, results, strict=True):
            print(
                f"{label + ':':24}{wall * 1000:8.0f} ms {wall / base_wall:5.1f}x"
                f"{cpu * 1000:8.0f} ms {cpu / base_cpu:5.1f}x"
            )
        if shutil.which("valgrind") and not args.no_valgrind:
            counts = [instructions(cmd, work) for cmd in cmds.values()]
            print("instructions (valgrind)")
            for label, n in zip(cmds, counts, strict=True):
                print(f"{label + ':':24}{n / 1e6:8.0f} M  {n / counts[0]:5.1f}x")
        print("target: validate one file at most 7x python -c pass")


if __name__ == "__main__":
    main()
