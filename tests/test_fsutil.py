"""Atomic writes: whole or nothing, exclusive creation never replaces a file; opening never blocks."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from sync.diagnostics import StatusfileError
from sync.fsutil import NotRegularFile, open_regular, open_stat, write_atomic
from sync.statusfile import read_capped


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


# --- opening without blocking: what is not a regular file is told apart by its type --------------


def _socket_file(folder: Path) -> Path:
    import socket

    path = folder / "sock"
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(path))
    server.close()  # the socket file stays; opening it fails with ENXIO
    return path


def test_special_files_raise_not_regular_file_an_oserror_with_their_kind(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "fifo")
    (tmp_path / "folder").mkdir()
    found = {}
    for name, path, flags in (
        ("fifo", tmp_path / "fifo", os.O_RDONLY),
        ("fifo for writing", tmp_path / "fifo", os.O_WRONLY),  # ENXIO: nobody reads it
        ("socket", _socket_file(tmp_path), os.O_RDONLY),  # ENXIO
        ("folder", tmp_path / "folder", os.O_RDONLY),
        ("device", Path("/dev/null"), os.O_RDONLY),
    ):
        with pytest.raises(NotRegularFile) as caught:
            open_regular(path, flags)
        assert isinstance(caught.value, OSError)
        assert (caught.value.filename, caught.value.strerror) == (str(path), "not a regular file")
        found[name] = stat.S_IFMT(caught.value.mode)
    assert found == {
        "fifo": stat.S_IFIFO,
        "fifo for writing": stat.S_IFIFO,
        "socket": stat.S_IFSOCK,
        "folder": stat.S_IFDIR,
        "device": stat.S_IFCHR,
    }


def test_a_missing_file_is_not_mistaken_for_a_special_one(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        open_regular(tmp_path / "missing", os.O_RDONLY)


def test_open_stat_gives_a_regular_files_size_and_with_special_ok_opens_a_fifo(tmp_path: Path) -> None:
    (tmp_path / "file").write_bytes(b"12345")
    fd, info = open_stat(tmp_path / "file", os.O_RDONLY)
    with os.fdopen(fd, "rb") as f:
        assert (info.st_size, f.read()) == (5, b"12345")
    os.mkfifo(tmp_path / "fifo")
    fd, info = open_stat(tmp_path / "fifo", os.O_RDONLY, special_ok=True)  # returns at once: no writer needed
    with os.fdopen(fd, "rb") as f:
        assert stat.S_ISFIFO(info.st_mode) and os.get_blocking(fd)
        assert f.read() == b""  # no writer: the end, not a wait


def test_read_capped_names_what_stands_where_a_statusfile_was_found(tmp_path: Path) -> None:
    """A file swapped for something else between discovery and reading is refused with what it now is."""
    os.mkfifo(tmp_path / "fifo.yaml")
    (tmp_path / "link.yaml").symlink_to(tmp_path / "fifo.yaml")
    messages = {}
    for name, path in (
        ("fifo", tmp_path / "fifo.yaml"),
        ("socket", _socket_file(tmp_path)),
        ("link", tmp_path / "link.yaml"),
        ("folder", tmp_path),
    ):
        with pytest.raises(StatusfileError) as caught:
            read_capped(path, name)
        [problem] = caught.value.diagnostics
        messages[name] = (problem.rule, problem.message.split(",")[0])
    assert messages == {
        "fifo": ("not-a-regular-file", "is a named pipe (FIFO)"),
        "socket": ("not-a-regular-file", "is a socket"),
        "link": ("not-a-regular-file", "is a symlink"),
        "folder": ("not-a-regular-file", "is a folder"),
    }
