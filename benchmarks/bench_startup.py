"""Time `statusfiles validate` of one valid file (what the pre-commit hook runs) against `python -c pass`.

    python benchmarks/bench_startup.py [--repeat 21]

A hook run is nearly all start-up: the interpreter, the imports, the schema. Prints the median
wall-clock and CPU time of each command, run interleaved, and the ratio to a bare interpreter
(target: at most 7x). Importing click and yaml, which any statusfiles command needs, is shown as
the floor.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from harness import generate, medians


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=21)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="statusfiles-bench-") as tmp:
        work = Path(tmp)
        (one,) = generate(work / "statusfiles", 1, 1)
        cmds = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "import click, yaml": [sys.executable, "-c", "import click, yaml"],
            "validate one file": [sys.executable, "-m", "sync", "validate", str(one.relative_to(work))],
        }
        results = medians(list(cmds.values()), work, args.repeat)
        base_wall, base_cpu = results[0]
        print(f"median of {args.repeat} interleaved runs     wall            CPU")
        for label, (wall, cpu) in zip(cmds, results, strict=True):
            print(
                f"{label + ':':24}{wall * 1000:8.0f} ms {wall / base_wall:5.1f}x"
                f"{cpu * 1000:8.0f} ms {cpu / base_cpu:5.1f}x"
            )
        print("target: validate one file at most 7x python -c pass")


if __name__ == "__main__":
    main()
