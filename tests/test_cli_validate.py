"""``statusfiles validate`` as users and CI run it: exit codes, discovery, formats."""

from __future__ import annotations

import ast
import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from sync.cli import COMMANDS
from tests.support.cli import run_cli, run_json
from tests.support.payloads import update, write_statusfile
from tests.support.repo import REPO


@pytest.fixture
def project(tmp_path: Path) -> Path:
    write_statusfile(tmp_path / "statusfiles" / "2026-11-26-api" / "01-investigating.yaml", update("One"))
    write_statusfile(tmp_path / "statusfiles" / "2026-11-26-api" / "02-identified.yml", update("Two"))
    return tmp_path


def test_repository_examples_are_valid() -> None:
    proc = run_cli("validate", cwd=REPO)
    assert proc.returncode == 0, proc.stdout
    assert proc.stdout.strip().endswith("files checked, 0 failed.")


def test_exit_codes_and_summary(project: Path) -> None:
    proc = run_cli("validate", cwd=project)
    assert (proc.returncode, proc.stdout) == (0, "2 files checked, 0 failed.\n")

    write_statusfile(project / "statusfiles" / "2026-11-26-api" / "03-bad.yaml", "message: [\n")
    proc = run_cli("validate", cwd=project)
    assert proc.returncode == 1
    first, summary = proc.stdout.splitlines()
    assert first.startswith("statusfiles/2026-11-26-api/03-bad.yaml:2:1: error: invalid YAML")
    assert first.endswith("[yaml-syntax]")
    assert summary == "3 files checked, 1 failed (1 error)."

    proc = run_cli("validate", "--dir", "nowhere", cwd=project)
    assert proc.returncode == 2 and "nowhere does not exist" in proc.stderr
    proc = run_cli("validate", "missing.yaml", cwd=project)
    assert proc.returncode == 2 and "missing.yaml does not exist" in proc.stderr
    proc = run_cli("validate", "--format", "xml", cwd=project)
    assert proc.returncode == 2


def test_directory_from_option_and_environment(project: Path) -> None:
    (project / "statusfiles").rename(project / "updates")
    assert run_cli("validate", cwd=project).returncode == 2
    proc = run_cli("validate", "--dir", "updates", cwd=project)
    assert proc.returncode == 0 and proc.stdout.startswith("2 files")
    proc = run_cli("validate", cwd=project, env={"STATUSFILES_DIR": "updates"})
    assert proc.returncode == 0 and proc.stdout.startswith("2 files")


def test_hidden_and_other_files_are_skipped(project: Path) -> None:
    root = project / "statusfiles"
    for hidden in (root / ".draft.yaml", root / ".wip" / "x.yaml", root / "2026-11-26-api" / ".x.yml"):
        write_statusfile(hidden, "not: [valid\n")
    (root / "ledger.jsonl").write_text("")
    (root / "README.md").write_text("# notes\n")
    proc = run_cli("validate", cwd=project)
    assert (proc.returncode, proc.stdout) == (0, "2 files checked, 0 failed.\n")


def test_paths_may_be_files_or_folders(project: Path) -> None:
    other = write_statusfile(project / "elsewhere" / "x.txt", "message: [\n")
    proc = run_cli("validate", "statusfiles/2026-11-26-api/01-investigating.yaml", cwd=project)
    assert proc.stdout == "1 file checked, 0 failed.\n"
    proc = run_cli("validate", "statusfiles/2026-11-26-api", other, cwd=project)
    assert proc.returncode == 1
    assert proc.stdout.startswith("elsewhere/x.txt:2:1: error:")  # a file named explicitly is checked
    assert proc.stdout.endswith("3 files checked, 1 failed (1 error).\n")


def test_json_format(project: Path) -> None:
    write_statusfile(project / "statusfiles" / "b.yaml", update(status="done"))
    code, report = run_json("validate", cwd=project)
    assert code == 1
    assert report == {
        "version": 1,
        "summary": {"files_checked": 3, "files_failed": 1, "errors": 1, "warnings": 0},
        "diagnostics": [
            {
                "file": "statusfiles/b.yaml",
                "line": 5,
                "column": 18,
                "field": "incident_status",
                "message": (
                    '"done" is not allowed; use one of: investigating, identified, monitoring, resolved'
                ),
                "rule": "enum",
                "severity": "error",
            }
        ],
    }


def test_github_format(project: Path) -> None:
    write_statusfile(project / "statusfiles" / "a,b.yaml", update(status="Resolved"))
    proc = run_cli("validate", "--format", "github", cwd=project)
    assert proc.returncode == 1
    annotation, summary = proc.stdout.splitlines()
    assert annotation == (
        "::error file=statusfiles/a%2Cb.yaml,line=5,col=18,title=statusfiles enum::incident_status: "
        '"Resolved" is not allowed; use one of: investigating, identified, monitoring, resolved '
        "(did you mean 'resolved'?)"
    )
    assert summary == "3 files checked, 1 failed (1 error)."


def _run_on_tty(args: list[str], cwd: Path, env: dict[str, str]) -> str:
    primary, secondary = pty.openpty()
    proc = subprocess.run(
        [sys.executable, "-m", "sync", *args],
        cwd=cwd,
        env=env,
        stdout=secondary,
        stderr=subprocess.DEVNULL,
        check=False,
        timeout=60,
    )
    os.close(secondary)
    chunks = []
    while True:
        try:
            chunk = os.read(primary, 65536)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(primary)
    assert proc.returncode == 1
    return b"".join(chunks).decode()


def test_colour_only_on_a_terminal_and_never_with_no_color(project: Path) -> None:
    write_statusfile(project / "statusfiles" / "bad.yaml", "message: [\n")
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    assert "\x1b[31merror" in _run_on_tty(["validate"], project, env)
    assert "\x1b[" not in _run_on_tty(["validate"], project, {**env, "NO_COLOR": "1"})
    proc = subprocess.run(
        [sys.executable, "-m", "sync", "validate"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert "error:" in proc.stdout and "\x1b[" not in proc.stdout  # piped: plain


def test_version_and_help_on_every_command() -> None:
    from sync import __version__

    proc = run_cli("--version")
    assert proc.returncode == 0 and proc.stdout.strip() == f"statusfiles, version {__version__}"
    for name in COMMANDS:
        proc = run_cli(name, "--help")
        assert proc.returncode == 0, name
        assert proc.stdout.startswith(f"Usage: statusfiles {name}"), name


def test_console_script_is_installed() -> None:
    script = Path(sys.executable).with_name("statusfiles")
    proc = subprocess.run([script, "--help"], capture_output=True, text=True, check=False)
    assert proc.returncode == 0 and "validate" in proc.stdout


# What a pre-commit run of validate must never import: the HTTP client, jsonschema (only a failing file
# needs explaining), the other commands and the modules only they use, and what only rare paths need.
NOT_FOR_VALIDATE = {
    "httpx",
    "jsonschema",
    "secrets",
    "hashlib",
    "difflib",
    "multiprocessing",
    "sync.api",
    "sync.github",
    "sync.job",
    "sync.ledger",
    "sync.planner",
    "sync.publisher",
    "sync.redact",
    "sync.sandbox",
}


def test_startup_stays_light() -> None:
    """Importing the CLI loads no command; validating valid files loads only what validate needs."""
    code = (
        "import json, sys\n"
        "from sync.cli import cli\n"
        "print(json.dumps(sorted(sys.modules)))\n"
        "try:\n"
        "    cli(['validate', '--dir', sys.argv[1]])\n"
        "except SystemExit as e:\n"
        "    assert e.code == 0, e.code\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(REPO / "statusfiles")], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    at_import, after_validate = set(json.loads(lines[0])), set(json.loads(lines[-1]))
    assert {m for m in at_import if m.startswith("sync")} == {"sync", "sync.cli"}
    assert not {"httpx", "jsonschema", "yaml", "secrets"} & at_import
    assert not NOT_FOR_VALIDATE & after_validate, sorted(NOT_FOR_VALIDATE & after_validate)
    commands = {m for m in after_validate if m.startswith("sync.commands.")}
    assert commands == {"sync.commands.validate"}


# The publish job (`github publish`) runs sync, pull and import in one process between publish.sh's git
# steps: calling those commands is what it is for, so it alone imports their modules (inside its steps).
IMPORTS_ALLOWED = {"github": {"sync", "pull", "import_"}}


def _command_modules_imported(tree: ast.Module, commands: set[str]) -> set[str]:
    """The command modules a ``sync.commands.X`` module's code imports anywhere: at the top, inside a
    function, under TYPE_CHECKING; absolute or relative."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            package = "sync.commands" if node.level == 1 else "sync" if node.level == 2 else ""
            base = ".".join(p for p in (package, node.module or "") if p)
            names = [base, *(f"{base}.{alias.name}" for alias in node.names)]
        else:
            continue
        found |= {n.split(".")[2] for n in names if n.startswith("sync.commands.")} & commands
    return found


def test_no_command_module_imports_another() -> None:
    """What commands share lives in sync.commands (or a module of its own), never in one command's module."""
    from sync.cli import MODULES

    code = (
        "import importlib, json, sys\n"
        "importlib.import_module('sync.commands.' + sys.argv[1])\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('sync.commands.'))))\n"
    )
    modules = {MODULES.get(command, command) for command in COMMANDS}
    for command in COMMANDS:
        module = MODULES.get(command, command)
        proc = subprocess.run(
            [sys.executable, "-c", code, module], capture_output=True, text=True, check=False
        )
        assert proc.returncode == 0, proc.stderr
        assert json.loads(proc.stdout) == [f"sync.commands.{module}"], command

    # Imports inside functions run only on some paths: read every command module's code for them.
    for file in sorted((REPO / "sync" / "commands").glob("*.py")):
        imported = _command_modules_imported(ast.parse(file.read_text(encoding="utf-8")), modules)
        assert imported - {file.stem} <= IMPORTS_ALLOWED.get(file.stem, set()), file.name
    github = ast.parse((REPO / "sync" / "commands" / "github.py").read_text(encoding="utf-8"))
    assert _command_modules_imported(github, modules) == IMPORTS_ALLOWED["github"]  # the reader sees them


def test_the_summary_names_a_broken_snapshot_or_lint_configuration(project: Path) -> None:
    """Their errors are not a statusfile's: the summary says which file has them, not "0 failed (1 error)"."""
    root = project / "statusfiles"
    (root / "snapshot.json").write_text("{bad", encoding="utf-8")
    proc = run_cli("validate", cwd=project)
    assert proc.returncode == 1
    assert (
        proc.stdout.splitlines()[-1]
        == "2 files checked, 0 failed; the snapshot statusfiles/snapshot.json has 1 error."
    )

    (root / ".lint.yaml").write_text("rules: [\n", encoding="utf-8")
    write_statusfile(root / "2026-11-26-api" / "03-bad.yaml", "message: [\n")
    proc = run_cli("validate", cwd=root)  # paths as the other lines show them, relative to the cwd
    assert proc.returncode == 1
    assert proc.stdout.splitlines()[-1] == (
        "3 files checked, 1 failed (1 error); the lint configuration .lint.yaml has 1 error; "
        "the snapshot snapshot.json has 1 error."
    )


def test_an_explicit_tag_is_named_as_written_with_what_to_write_instead(project: Path) -> None:
    folder = project / "statusfiles" / "2026-11-26-api"
    for n, (value, advice) in enumerate(
        [
            ("!!str 5", 'explicit tag !!str is not allowed; quote the text instead: "5"'),
            ("! 5", 'explicit tag ! is not allowed; quote the text instead: "5"'),
            ("!!str |\n  Five", "explicit tag !!str is not allowed; remove it"),
            ("!secret x", "explicit tag !secret is not allowed; remove it"),
            (
                '!!str say "hi" \\ now',
                r'explicit tag !!str is not allowed; quote the text instead: "say \"hi\" \\ now"',
            ),
        ],
        3,
    ):
        path = folder / f"0{n}-tagged.yaml"
        path.write_text(f"status_page_incident_id: X\nnotify_subscribers: false\nmessage: {value}\n")
        proc = run_cli("validate", path.relative_to(project), cwd=project)
        assert (
            proc.stdout.splitlines()[0]
            == f"{path.relative_to(project)}:3:10: error: message: {advice} [yaml-tag]"
        )


def test_a_list_left_open_at_the_end_of_the_file_is_explained(project: Path) -> None:
    path = Path("statusfiles") / "2026-11-26-api" / "03-open.yaml"
    (project / path).write_text("status_page_incident_id: X\nnotify_subscribers: false\nmessage: [\n")
    proc = run_cli("validate", path, cwd=project)
    assert proc.stdout.splitlines()[0] == (
        f"{path}:4:1: error: invalid YAML: expected the node content, but found '<stream end>' "
        "(while parsing a flow node); a value starting with [ or { is read as a list or mapping; "
        'if it is text, quote the value ("…") or use a `|` block [yaml-syntax]'
    )
