"""Atomic writes: whole or nothing, and exclusive creation never replaces a file."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from sync.fsutil import write_atomic


def test_replaces_whole_and_leaves_no_temporary_files(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "state.json"
    write_atomic(target, b"one")
    write_atomic(target, b"two")
    assert target.read_bytes() == b"two"
    assert sorted(p.name for p in target.parent.iterdir()) == ["state.json"]


def test_exclusive_never_replaces(tmp_path: Path) -> None:
    target = tmp_path / "01-x.yaml"
    write_atomic(target, b"first", exclusive=True)
    with pytest.raises(FileExistsError):
        write_atomic(target, b"second", exclusive=True)
    assert target.read_bytes() == b"first"
    assert [p.name for p in tmp_path.iterdir()] == ["01-x.yaml"]


def test_a_new_file_honours_the_umask_and_a_replaced_one_keeps_its_mode(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        write_atomic(tmp_path / "new.yaml", b"x", exclusive=True)
        write_atomic(tmp_path / "state.json", b"x")
        os.chmod(tmp_path / "state.json", 0o640)
        write_atomic(tmp_path / "state.json", b"y")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "new.yaml").stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "state.json").stat().st_mode) == 0o640
