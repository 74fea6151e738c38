"""Discovery: each file once, with the identity path (relative to the statusfiles directory) and the
display path (relative to the working directory) the rest of statusfiles relies on."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sync.statusfile import Source, discover


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for rel in [
        "statusfiles/2026-12-01-a/01-x.yaml",
        "statusfiles/2026-12-01-a/10-y.yml",
        "statusfiles/2026-12-01-a/deeper/02-z.YAML",
        "statusfiles/2026-12-02-b/01-x.yaml",
        "statusfiles/top.yaml",
        "statusfiles/.hidden/01-x.yaml",
        "statusfiles/notes.txt",
        "elsewhere/01-out.yaml",
    ]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("message: x\n")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _expected_identity(source: Source, root: Path) -> str:
    """What identity means: the path relative to the statusfiles directory, or the display path outside it."""
    rel = os.path.relpath(os.path.abspath(source.path), os.path.abspath(root))
    return source.display if rel.startswith("..") else rel.replace(os.sep, "/")


def test_a_walk_finds_every_yaml_file_with_its_identity(project: Path) -> None:
    root = Path("statusfiles")
    found = discover((), root)
    assert [s.rel for s in found] == [
        "2026-12-01-a/01-x.yaml",
        "2026-12-01-a/10-y.yml",
        "2026-12-01-a/deeper/02-z.YAML",
        "2026-12-02-b/01-x.yaml",
        "top.yaml",
    ]
    assert [s.display for s in found] == [f"statusfiles/{s.rel}" for s in found]
    assert all(s.problem is None and s.rel == _expected_identity(s, root) for s in found)


def test_paths_named_in_any_spelling_are_one_file_each(project: Path) -> None:
    root = Path("statusfiles")
    named = [
        Path("statusfiles/2026-12-01-a"),
        Path("statusfiles/../statusfiles/2026-12-01-a/01-x.yaml"),
        project / "statusfiles" / "top.yaml",
        Path("elsewhere/01-out.yaml"),
    ]
    found = discover(named, root)
    assert [(s.rel, s.display) for s in found] == [
        ("2026-12-01-a/01-x.yaml", "statusfiles/2026-12-01-a/01-x.yaml"),
        ("2026-12-01-a/10-y.yml", "statusfiles/2026-12-01-a/10-y.yml"),
        ("2026-12-01-a/deeper/02-z.YAML", "statusfiles/2026-12-01-a/deeper/02-z.YAML"),
        ("elsewhere/01-out.yaml", "elsewhere/01-out.yaml"),
        ("top.yaml", "statusfiles/top.yaml"),
    ]
    assert all(s.rel == _expected_identity(s, root) for s in found)


def test_identity_does_not_depend_on_where_the_command_runs(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(project / "statusfiles" / "2026-12-01-a")
    root = Path("..")
    found = discover((), root)
    assert [(s.rel, s.display) for s in found][:3] == [
        ("2026-12-01-a/01-x.yaml", "01-x.yaml"),  # shown relative to where it runs, as `new` shows it
        ("2026-12-01-a/10-y.yml", "10-y.yml"),
        ("2026-12-01-a/deeper/02-z.YAML", "deeper/02-z.YAML"),
    ]
    assert all(s.rel == _expected_identity(s, root) for s in found)
    assert [s.rel for s in discover((Path("deeper/02-z.YAML"),), root)] == ["2026-12-01-a/deeper/02-z.YAML"]
