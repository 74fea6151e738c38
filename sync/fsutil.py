"""Writing files so that a crash leaves the old content or the new, never half of either."""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from pathlib import Path


def fsync_dir(folder: Path) -> None:
    """Make a rename or a new file in ``folder`` durable, where the platform allows it."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def open_regular(path: Path | str, flags: int, mode: int = 0o666) -> int:
    """Open ``path`` so that nothing can block: a FIFO or a device named like the file is refused, unread.

    Raises :class:`OSError` (``EINVAL``, "not a regular file") for anything but a regular file.
    """
    fd = os.open(path, flags | os.O_CLOEXEC | os.O_NONBLOCK | os.O_NOCTTY, mode)
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise OSError(errno.EINVAL, "not a regular file", str(path))
    os.set_blocking(fd, True)
    return fd


def read_regular(path: Path) -> bytes:
    """The bytes of a regular file, opened by :func:`open_regular`."""
    with os.fdopen(open_regular(path, os.O_RDONLY), "rb") as f:
        return f.read()


def write_atomic(path: Path, data: bytes, *, exclusive: bool = False) -> None:
    """Write ``data`` to a temporary file beside ``path``, fsync it, then move it into place.

    With ``exclusive`` the file must not exist yet: it is linked into place, which fails with
    FileExistsError instead of replacing anything. A new file gets the mode ``open()`` would give
    it (0666 less the umask); a replaced file keeps its mode.
    """
    folder = path.parent
    folder.mkdir(parents=True, exist_ok=True)
    try:
        keep: int | None = None if exclusive else stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        keep = None
    import secrets  # not at import: every command imports this module, few write files

    tmp = folder / f".{path.name}.{secrets.token_hex(8)}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
    try:
        with os.fdopen(fd, "wb") as f:
            if keep is not None:
                os.fchmod(f.fileno(), keep)
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if exclusive:
            os.link(tmp, path)
        else:
            os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    fsync_dir(folder)


def os_reason(exc: OSError) -> str:
    """Why a file operation failed, naming the path the system refused (it may be a parent folder)."""
    if exc.strerror:  # "No space left on device", not "[Errno 28] No space left on device"
        return f"{exc.filename}: {exc.strerror}" if exc.filename else exc.strerror
    return str(exc)
