"""Where commands look when not told: the repository's statusfiles and schemas, found as git finds .git."""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import pytest

from sync import schema
from tests.support.cli import run_cli
from tests.support.payloads import INCIDENT
from tests.support.repo import REPO, copy_examples

UPDATE_SCHEMA = REPO / "schemas" / schema.UPDATE_SCHEMA_NAME


@pytest.fixture
def project(tmp_path: Path) -> Path:
    repo = copy_examples(tmp_path / "repo")
    (repo / ".git").mkdir()  # the repository's root, as git marks it
    return repo


@pytest.mark.parametrize("command", ["validate", "plan"])
def test_commands_find_the_statusfiles_from_a_subdirectory(project: Path, command: str) -> None:
    here = project / "statusfiles" / "2026-11-26-api-errors"
    proc = run_cli(command, cwd=here)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    from_root = run_cli(command, cwd=project)
    # The same verdict (paths are shown relative to where the command ran).
    assert proc.stdout.splitlines()[-1] == from_root.stdout.splitlines()[-1]
    assert len(proc.stdout.splitlines()) == len(from_root.stdout.splitlines())
    assert "6 files checked" in proc.stdout or "Plan: 6 updates to 2 incidents" in proc.stdout


def test_new_from_a_subdirectory_writes_into_the_incidents_folder(project: Path) -> None:
    (project / "docs").mkdir()
    proc = run_cli(
        "new", "--incident", INCIDENT, "--status", "resolved", "-m", "Fixed.", cwd=project / "docs"
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "../statusfiles/2026-11-26-api-errors/05-resolved.yaml\n"
    assert (project / "statusfiles" / "2026-11-26-api-errors" / "05-resolved.yaml").is_file()


def test_validate_and_new_show_a_file_in_the_working_directory_alike(project: Path) -> None:
    here = project / "statusfiles" / "2026-11-26-api-errors"
    made = run_cli("new", "--incident", INCIDENT, "--status", "resolved", "-m", "Fixed.", cwd=here)
    assert (made.returncode, made.stdout) == (0, "05-resolved.yaml\n"), made.stderr
    (here / "05-resolved.yaml").write_text("message: [\n")
    other = project / "statusfiles" / "2026-11-25-eu-dashboard-latency" / "09-bad.yaml"
    other.write_text("message: [\n")

    proc = run_cli("validate", cwd=here)
    assert proc.returncode == 1
    shown = sorted(line.split(":")[0] for line in proc.stdout.splitlines() if ": error: " in line)
    assert shown == ["../2026-11-25-eu-dashboard-latency/09-bad.yaml", "05-resolved.yaml"]


def test_the_search_stops_at_the_repositorys_root(project: Path) -> None:
    inner = project / "vendor" / "other"
    (inner / ".git").mkdir(parents=True)  # another repository, inside this one: its own root
    proc = run_cli("plan", cwd=inner)
    assert proc.returncode == 2
    assert "statusfiles directory statusfiles does not exist" in proc.stderr


def test_an_explicit_dir_is_taken_as_given(project: Path) -> None:
    proc = run_cli("validate", "--dir", "statusfiles", cwd=project / "statusfiles")
    assert proc.returncode == 2 and "does not exist" in proc.stderr


# --- statusfiles new: the files it writes ------------------------------------------------------------


def test_new_writes_files_as_the_umask_says(project: Path) -> None:
    old = os.umask(0o022)
    try:
        proc = run_cli("new", "--incident", INCIDENT, "-m", "More.", cwd=project)
    finally:
        os.umask(old)
    assert proc.returncode == 0, proc.stderr
    assert stat.S_IMODE((project / proc.stdout.strip()).stat().st_mode) == 0o644


def test_new_gives_a_repository_without_schemas_a_schema_to_point_at(project: Path) -> None:
    assert not (project / "schemas").exists()  # as in a repository that runs statusfiles as an action
    for path in (project / "statusfiles").rglob("*.yaml"):  # files written by hand, without the line
        path.write_text("".join(path.read_text().splitlines(keepends=True)[1:]))
    proc = run_cli("new", "--incident", INCIDENT, "-m", "More.", cwd=project)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == (
        "wrote schemas/status-page-incident-update.schema.json for editors: commit it with the statusfile\n"
    )
    first = (project / proc.stdout.strip()).read_text().splitlines()[0]
    assert first == "# yaml-language-server: $schema=../../schemas/status-page-incident-update.schema.json"
    assert (project / "schemas" / schema.UPDATE_SCHEMA_NAME).read_text() == UPDATE_SCHEMA.read_text()

    proc = run_cli("new", "--incident", INCIDENT, "-m", "Even more.", cwd=project)
    assert proc.returncode == 0 and proc.stderr == ""  # written once


def test_new_from_a_subdirectory_shows_the_schema_it_writes_relative_to_it(project: Path) -> None:
    for path in (project / "statusfiles").rglob("*.yaml"):  # files written by hand, without the line
        path.write_text("".join(path.read_text().splitlines(keepends=True)[1:]))
    here = project / "statusfiles" / "2026-11-26-api-errors"
    proc = run_cli("new", "--incident", INCIDENT, "-m", "More.", cwd=here)
    assert proc.returncode == 0, proc.stderr
    # As the statusfile's own path is shown: relative to the cwd, never absolute.
    assert proc.stderr == (
        "wrote ../../schemas/status-page-incident-update.schema.json for editors: "
        "commit it with the statusfile\n"
    )
    assert proc.stdout == "05-update.yaml\n"
    assert (project / "schemas" / schema.UPDATE_SCHEMA_NAME).is_file()


# --- statusfiles schema: the working tree's files, never the installed copy --------------------------


def test_schema_reads_and_writes_the_working_trees_files(project: Path) -> None:
    shutil.copytree(REPO / "schemas", project / "schemas")
    generated = project / "schemas" / schema.UPDATE_SCHEMA_NAME
    generated.write_text(generated.read_text().replace('"maxLength": 4096', '"maxLength": 9999'))
    installed = (schema.schemas_dir() / schema.UPDATE_SCHEMA_NAME).read_text()

    proc = run_cli("schema", "--check", cwd=project / "statusfiles")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "../schemas/status-page-incident-update.schema.json is out of date" in proc.stderr

    proc = run_cli("schema", cwd=project / "statusfiles")
    assert proc.returncode == 0, proc.stderr
    assert generated.read_text() == installed
    assert run_cli("schema", "--check", cwd=project).returncode == 0


def test_schema_outside_a_checkout_says_what_to_pass(project: Path) -> None:
    proc = run_cli("schema", "--check", cwd=project)
    assert proc.returncode == 2
    assert "no schemas/ folder here or in a parent folder" in proc.stderr and "--spec" in proc.stderr
