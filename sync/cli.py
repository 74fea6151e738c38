"""The ``statusfiles`` command: a click group whose subcommands load on demand.

Each subcommand lives in its own module under ``sync.commands`` and is imported
only when it runs (or when ``--help`` lists it), so ``statusfiles validate``
never pays for httpx and ``--version`` pays for nothing.

Anything a user can get wrong ends in a one-line error and exit status 1 or 2.
Any other exception is a bug in statusfiles: it gets one line naming the log
file that holds its traceback, and exit status 3 (as pre-commit does), so that
a crash is never mistaken for "invalid" or "usage error".
"""

from __future__ import annotations

import contextlib
import errno
import importlib
import os
import sys
from pathlib import Path

import click

from sync import KEY_ENV, __version__

# Listed in the order --help shows them.
COMMANDS = (
    "validate",
    "plan",
    "sync",
    "new",
    "import",
    "drift",
    "pull",
    "pages",
    "components",
    "active",
    "schema",
    "sandbox",
    "github",
)
MODULES = {"import": "import_"}  # a command whose name is a Python keyword

CRASH_EXIT = 3
DEBUG_ENV = "STATUSFILES_DEBUG"


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        command: click.Command = importlib.import_module(
            f"sync.commands.{MODULES.get(cmd_name, cmd_name)}"
        ).command
        return command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="statusfiles")
def cli() -> None:
    """GitOps for incident.io status pages.

    Keep every public status-page update as a YAML file in git; validate and
    plan them in pull requests; publish each exactly once on merge.

    Exit status 3 from any command means a bug in statusfiles: the one line
    it prints names the log file with the traceback (STATUSFILES_DEBUG=1
    prints it too).
    """


# A write the disk refused: the machine's trouble, not a bug, wherever in a command it happened.
_FULL = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})


def main() -> None:
    try:
        cli(prog_name="statusfiles")
    except OSError as exc:
        if exc.errno not in _FULL:
            sys.exit(crash())
        from sync.diagnostics import printable

        where = f" {printable(str(exc.filename))}" if exc.filename else ""
        drop_stdout()
        with contextlib.suppress(OSError):  # standard error on the full disk too: the status says it
            sys.stderr.write(f"Error: cannot write{where}: {exc.strerror}\n")
            sys.stderr.flush()
        sys.exit(1)
    except Exception:  # click has handled every expected error by now: this is a bug
        sys.exit(crash())


def drop_stdout() -> None:
    """After standard output failed: what it still holds must not fail the exit as well."""
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115 -- open until the process ends


def redact(text: str, key: str | None) -> str:
    """``text`` without the API key: a traceback may quote a header or a request that carried it."""
    from sync.redact import Redactor

    return Redactor(key).text(text)


def crash_log_dir() -> Path:
    """Where tracebacks go: the user's cache directory, as pre-commit keeps its log."""
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(cache) / "statusfiles"


def write_crash_log(text: str) -> str:
    """Write ``text`` to a new file in the cache directory (else the temp directory); its path."""
    import tempfile

    for folder in (crash_log_dir(), Path(tempfile.gettempdir())):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            fd, path = tempfile.mkstemp(prefix="statusfiles-crash-", suffix=".log", dir=folder)
        except OSError:
            continue
        try:
            with os.fdopen(fd, "w", encoding="utf-8", errors="backslashreplace") as f:
                f.write(text)
        except OSError:  # a full disk: no log rather than a second traceback
            os.unlink(path)
            continue
        return path
    return ""


def crash() -> int:
    """Report the exception being handled; the exit status that means "statusfiles crashed"."""
    import traceback

    exc = sys.exception()
    key = os.environ.get(KEY_ENV)
    text = redact("".join(traceback.format_exception(exc)), key)
    summary = redact(" ".join(traceback.format_exception_only(exc)).strip(), key)
    summary = " ".join(summary.split())  # one line, whatever the exception's message holds
    header = f"statusfiles {__version__}, Python {sys.version.split()[0]}, argv {sys.argv[1:]!r}\n"
    log = write_crash_log(redact(header, key) + text)
    if os.environ.get(DEBUG_ENV, "") not in ("", "0"):
        sys.stderr.write(text)
    where = f"traceback in {log}" if log else "no log file could be written"
    sys.stderr.write(f"statusfiles: internal error (a bug): {summary} [{where}; {DEBUG_ENV}=1 prints it]\n")
    return CRASH_EXIT
