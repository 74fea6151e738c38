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


class NotRegularFile(OSError):
    """``path`` names a FIFO, a socket, a device or a folder where a regular file was wanted.

    An :class:`OSError` (``EINVAL``, "not a regular file"), so that a caller handling every failure to
    open alike needs nothing more; ``mode`` is what was found (``st_mode``), 0 when it could not be told.
    """

    def __init__(self, path: Path | str, mode: int) -> None:
        super().__init__(errno.EINVAL, "not a regular file", str(path))
        self.mode = mode


def open_stat(
    path: Path | str, flags: int, mode: int = 0o666, *, special_ok: bool = False
) -> tuple[int, os.stat_result]:
    """Open ``path`` so that nothing can block, and what it is (its ``fstat``).

    Opened non-blocking, so a FIFO nothing writes to cannot hang the open; the descriptor is then made
    blocking again. Anything but a regular file raises :class:`NotRegularFile`, unread, unless
    ``special_ok`` (a message read from a pipe such as ``<(cmd)``), when only the caller's reads decide.
    """
    try:
        fd = os.open(path, flags | os.O_CLOEXEC | os.O_NONBLOCK | os.O_NOCTTY, mode)
    except OSError as exc:
        # ENXIO: a socket, or a FIFO opened for writing that nobody reads
        if exc.errno != errno.ENXIO or special_ok:
            raise
        raise NotRegularFile(path, _mode(path, follow=not flags & getattr(os, "O_NOFOLLOW", 0))) from None
    try:
        info = os.fstat(fd)
        if not (special_ok or stat.S_ISREG(info.st_mode)):
            raise NotRegularFile(path, info.st_mode)
        os.set_blocking(fd, True)  # a pipe's writer may still be writing: reads wait for it
    except BaseException:
        os.close(fd)
        raise
    return fd, info


def _mode(path: Path | str, *, follow: bool) -> int:
    try:
        return os.stat(path, follow_symlinks=follow).st_mode
    except OSError:
        return 0


def open_regular(path: Path | str, flags: int, mode: int = 0o666) -> int:
    """Open ``path`` so that nothing can block: a FIFO or a device named like the file is refused, unread.

    Raises :class:`NotRegularFile` for anything but a regular file.
    """
    return open_stat(path, flags, mode)[0]


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
