"""Large trees are loaded by several processes: what users see never depends on it.

``STATUSFILES_PARALLEL_FROM`` sets how many files make a tree large, so these tests
force the parallel path on a small tree and compare it byte for byte with one process.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from sync import lintconfig, snapshot, statusfile
from sync.sandbox import seed
from sync.snapshot import Component, Page
from sync.statusfile import PARALLEL_ENV, discover, load_all
from tests.support.cli import run_cli
from tests.support.payloads import COMPONENT, INCIDENT, update, write_statusfile, yaml_text
from tests.support.repo import copy_examples

SERIAL = {PARALLEL_ENV: "0"}
PARALLEL = {PARALLEL_ENV: "2"}


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """Valid updates, declarations, lint warnings and errors, and every kind of broken file, interleaved."""
    copy_examples(tmp_path, declared=True)
    root = tmp_path / "statusfiles"
    for n in range(12):
        folder = root / f"2026-12-{n + 1:02d}-incident"
        write_statusfile(folder / "01-investigating.yaml", update(f"Update {n}, written to help@example.com"))
        write_statusfile(folder / "02-identified.yaml", update("Found it.", status="identified"))
        if n % 3 == 0:
            write_statusfile(folder / "03-bad.yaml", "message: [\n")
        if n % 4 == 1:
            write_statusfile(folder / "03-typo.yaml", {**update("Typo."), "incident_stauts": "monitoring"})
        if n % 5 == 2:
            write_statusfile(
                folder / "04-leak.yaml", update("See http://10.0.0.7/ and ping jane@corp.example")
            )
    (root / "2026-12-05-incident" / "05-link.yaml").symlink_to("../2026-12-01-incident/01-investigating.yaml")
    shutil.copy(
        root / "2026-11-27-delayed-webhooks" / "incident.yaml",
        root / "2026-11-27-delayed-webhooks" / "maintenance.yaml",
    )
    return tmp_path


@pytest.mark.parametrize(
    "args",
    [
        ("validate",),
        ("validate", "--format", "json"),
        ("validate", "--format", "github"),
        ("plan",),
        ("plan", "--format", "json"),
    ],
)
def test_parallel_output_is_byte_identical(tree: Path, args: tuple[str, ...]) -> None:
    serial = run_cli(*args, cwd=tree, env=SERIAL)
    parallel = run_cli(*args, cwd=tree, env=PARALLEL)
    assert serial.returncode == 1, serial.stdout + serial.stderr  # the tree has errors to report
    assert "yaml-syntax" in serial.stdout and "unknown-field" in serial.stdout
    assert (parallel.returncode, parallel.stdout, parallel.stderr) == (
        serial.returncode,
        serial.stdout,
        serial.stderr,
    )


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_validate_against_a_snapshot_is_byte_identical(tree: Path, fmt: str) -> None:
    """With a snapshot, validate keeps the loaded files for its ID checks; without one only verdicts."""
    page = seed.STATUS_PAGE_ID
    snap = snapshot.build(
        [Page(page, "Acme Cloud")], {page: [Component(seed.PUBLIC_API_ID, "API", None, page)]}
    )
    (tree / "statusfiles" / "snapshot.json").write_text(snap.to_json())
    serial = run_cli("validate", "--format", fmt, cwd=tree, env=SERIAL)
    parallel = run_cli("validate", "--format", fmt, cwd=tree, env=PARALLEL)
    assert serial.returncode == 1, serial.stdout + serial.stderr
    assert "unknown-component" in serial.stdout and "yaml-syntax" in serial.stdout
    assert (parallel.returncode, parallel.stdout, parallel.stderr) == (1, serial.stdout, serial.stderr)


def test_parallel_plan_of_a_valid_tree_is_byte_identical(tmp_path: Path) -> None:
    copy_examples(tmp_path, declared=True)
    for n in range(30):
        folder = tmp_path / "statusfiles" / f"2026-12-{n % 28 + 1:02d}-incident-{n}"
        write_statusfile(folder / "01-investigating.yaml", update(f"Update {n}; mail help@example.com"))
    serial = run_cli("plan", cwd=tmp_path, env=SERIAL)
    parallel = run_cli("plan", cwd=tmp_path, env=PARALLEL)
    assert serial.returncode == 0, serial.stdout + serial.stderr
    assert "01-investigating.yaml" in serial.stdout
    assert (parallel.returncode, parallel.stdout, parallel.stderr) == (0, serial.stdout, serial.stderr)


def test_the_parallel_path_loads_the_same_statusfiles(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """In-process: the forked workers ran (no fallback) and their files equal those loaded here."""
    root = tree / "statusfiles"
    sources = [s for s in discover((), root) if not lintconfig.is_config(s.path, root)]
    linter, _ = lintconfig.linter(root)
    declared = statusfile.declarations(sources)
    outcomes = statusfile._load_parallel(sources, declared, linter, 2)
    assert outcomes is not None
    assert outcomes == [statusfile._load_one(s, declared, linter) for s in sources]
    monkeypatch.setenv(PARALLEL_ENV, "0")
    serial = load_all(sources, linter)
    monkeypatch.setenv(PARALLEL_ENV, "2")
    parallel = load_all(sources, linter)
    assert serial.failed > 0 and serial.files
    assert parallel == serial


@pytest.mark.parametrize("setting", ["0", "2"])
def test_verdicts_alone_report_what_loading_reports(
    tree: Path, monkeypatch: pytest.MonkeyPatch, setting: str
) -> None:
    """Without keeping the files, the same diagnostics, counts and order, in one process or several."""
    root = tree / "statusfiles"
    sources = [s for s in discover((), root) if not lintconfig.is_config(s.path, root)]
    linter, _ = lintconfig.linter(root)
    monkeypatch.setenv(PARALLEL_ENV, setting)
    full = load_all(sources, linter)
    verdicts = load_all(sources, linter, keep=False)
    assert full.files and full.failed > 0 and any(not d.is_error for d in full.diagnostics)
    assert verdicts.files == []
    assert (verdicts.diagnostics, verdicts.checked, verdicts.failed) == (
        full.diagnostics,
        full.checked,
        full.failed,
    )


@pytest.mark.parametrize(("setting", "files", "expected"), [("0", 10_000, 1), ("5", 4, 1), ("x", 10, 1)])
def test_small_trees_and_odd_settings_stay_in_one_process(
    monkeypatch: pytest.MonkeyPatch, setting: str, files: int, expected: int
) -> None:
    monkeypatch.setenv(PARALLEL_ENV, setting)
    assert statusfile._processes(files) == expected


def test_a_file_a_worker_sent_back_points_diagnostics_where_one_loaded_here_does(tree: Path) -> None:
    """A worker sends a loaded file's text instead of its positions; the positions found again from
    the text when a diagnostic needs them are the ones found while loading, for every field."""
    root = tree / "statusfiles"
    odd = root / "2026-12-20-layouts"
    write_statusfile(
        odd / "01-flow.yaml",
        f"\ufeff# a BOM, comments and flow style (the YAML parser's path)\n\n"
        f"status_page_incident_id: '{INCIDENT}'\nmessage: \"Two\\nlines\"\n"
        f"component_statuses: [{{component_id: {COMPONENT}, component_status: degraded_performance}}]\n"
        "notify_subscribers: true   # on purpose\nincident_status: identified\n",
        modeline=False,
    )
    write_statusfile(
        odd / "02-block.yaml",
        "# above\n" * 7
        + yaml_text(update("Line one\nline two\n", notify=True, components={COMPONENT: "full_outage"})),
    )
    sources = [s for s in discover((), root) if not lintconfig.is_config(s.path, root)]
    linter, _ = lintconfig.linter(root)
    declared = statusfile.declarations(sources)
    compared = 0
    for source in sources:
        passed, eager, shown = statusfile._load_one(source, declared, linter)
        sent = statusfile._to_wire(statusfile._load_one(source, declared, linter, keep_positions=False))
        back, lazy, back_shown = statusfile._from_wire(source, pickle.loads(pickle.dumps(sent)))
        assert (back, back_shown) == (passed, shown)
        if eager is None:
            assert lazy is None
            continue
        assert lazy is not None and isinstance(lazy.located, str)  # no positions crossed
        fields = [*eager.document.positions, ("no_such_field",), ("component_statuses", 5, "x")]
        for field in fields:
            assert lazy.diagnostic(field, "m", "r") == eager.diagnostic(field, "m", "r"), field
        for field in eager.document.key_positions:
            assert lazy.document.position(field, key=True) == eager.document.position(field, key=True)
        assert lazy.document == eager.document and lazy == eager
        compared += 1
    assert compared > 20
    assert {s.rel for s in sources} >= {"2026-12-20-layouts/01-flow.yaml", "2026-12-20-layouts/02-block.yaml"}


def test_plan_warnings_point_at_the_same_lines_whoever_loaded_the_file(tmp_path: Path) -> None:
    copy_examples(tmp_path)
    for n in range(40):
        body = update(f"Update {n}.", notify=True, components={COMPONENT: "partial_outage"})
        text = "# why\n" * (n % 6) + yaml_text(body)
        write_statusfile(
            tmp_path / "statusfiles" / f"2026-12-{n % 28 + 1:02d}-incident-{n}" / "01.yaml", text
        )
    for args in (("plan",), ("plan", "--format", "json")):
        serial = run_cli(*args, cwd=tmp_path, env=SERIAL)
        parallel = run_cli(*args, cwd=tmp_path, env=PARALLEL)
        assert serial.returncode == 0, serial.stdout + serial.stderr
        assert serial.stdout.count("notify-subscribers") >= 40
        assert (parallel.returncode, parallel.stdout, parallel.stderr) == (0, serial.stdout, serial.stderr)
    lines = {d["line"] for d in run_json_plan(tmp_path) if d["rule"] == "notify-subscribers"}
    assert len(lines) == 6  # one line for each number of comments above the field


def run_json_plan(project: Path) -> list[dict[str, object]]:
    import json

    out = run_cli("plan", "--format", "json", cwd=project, env=PARALLEL)
    diagnostics: list[dict[str, object]] = json.loads(out.stdout)["diagnostics"]
    return diagnostics


@pytest.mark.parametrize("setting", ["0", "2"])
def test_meanwhile_runs_once_here_while_the_workers_load(
    tree: Path, monkeypatch: pytest.MonkeyPatch, setting: str
) -> None:
    root = tree / "statusfiles"
    sources = [s for s in discover((), root) if not lintconfig.is_config(s.path, root)]
    monkeypatch.setenv(PARALLEL_ENV, setting)
    heard: list[tuple[int, int]] = []
    result = load_all(
        sources, meanwhile=lambda: heard.append((os.getpid(), len(multiprocessing.active_children())))
    )
    assert [pid for pid, _ in heard] == [os.getpid()]
    assert (heard[0][1] > 0) == (setting == "2")  # in parallel, the workers are there meanwhile
    assert result.checked == len(sources)


def test_pieces_are_shared_between_the_workers_and_this_process(
    tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Small pieces, many of them: each is loaded once, by whichever process takes it, and the files
    come back in order. This process starts taking pieces only once a worker has taken the first."""
    root = tree / "statusfiles"
    sources = [s for s in discover((), root) if not lintconfig.is_config(s.path, root)]
    linter, _ = lintconfig.linter(root)
    declared = statusfile.declarations(sources)
    monkeypatch.setattr(statusfile, "_PIECE", 2)
    taken: list[list[int]] = []

    def until_a_worker_took_one() -> None:
        assert statusfile._job is not None
        flags = statusfile._job[1]
        deadline = time.monotonic() + 60
        while not flags[0] and time.monotonic() < deadline:
            time.sleep(0.001)
        taken.append(list(flags))

    outcomes = statusfile._load_parallel(sources, declared, linter, 2, meanwhile=until_a_worker_took_one)
    assert outcomes is not None and taken and taken[0][0] == 1
    kept = [f for _, f, _ in outcomes if f is not None]
    sent = [f for f in kept if isinstance(f.located, str)]
    assert sent and kept[0] is sent[0]  # the first piece came from the worker
    assert outcomes == [statusfile._load_one(s, declared, linter) for s in sources]
    assert statusfile._job is None


def test_a_worker_that_dies_costs_time_not_files_and_never_hangs(
    tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker killed mid-piece (the OOM killer, a signal): its pieces are loaded here instead, in order."""
    root = tree / "statusfiles"
    sources = [s for s in discover((), root) if not lintconfig.is_config(s.path, root)]
    linter, _ = lintconfig.linter(root)
    assert linter is not None
    declared = statusfile.declarations(sources)
    monkeypatch.setattr(statusfile, "_PIECE", 2)
    here = os.getpid()

    class DyingInWorkers:
        def check(self, *args: object) -> object:
            if os.getpid() != here:
                os._exit(9)  # as a SIGKILL would: no result, no clean-up
            return real.check(*args)

    real: Any = linter
    dying: Any = DyingInWorkers()
    outcomes = statusfile._load_parallel(sources, declared, dying, 2)
    assert outcomes == [statusfile._load_one(s, declared, linter) for s in sources]


# Loads ``statusfiles`` with the files kept, then says how many of what it loaded the cyclic collector
# still walks (its three generations; gc.freeze moves objects out of them).
_WALKED = """
import gc
from pathlib import Path
from sync.statusfile import discover, load_all

result = load_all(discover((), Path("statusfiles")))
loaded = {id(f.payload) for f in result.files} | {id(f) for f in result.files}
print(len(result.files), sum(id(o) in loaded for o in gc.get_objects()))
"""


@pytest.mark.parametrize("setting", ["0", "2"])
def test_kept_files_are_left_out_of_the_collectors_walks(tree: Path, setting: str) -> None:
    """What load_all made and the caller keeps is frozen before the collector resumes: otherwise its
    first pass walks every loaded dict and list, a tenth of a second on a large tree, for nothing."""
    env = {k: v for k, v in os.environ.items() if k != PARALLEL_ENV} | {PARALLEL_ENV: setting}
    out = subprocess.run(
        [sys.executable, "-c", _WALKED], cwd=tree, env=env, capture_output=True, text=True, check=True
    )
    files, walked = map(int, out.stdout.split())
    assert files > 20
    assert walked == 0
