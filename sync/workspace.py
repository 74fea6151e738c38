"""Reading everything a plan needs from disk: the statusfiles and the ledger.

The planner is pure; this is the edge where files are read and turned into
statusfiles, a ledger state and diagnostics for whatever could not be read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sync import collector, idcheck, lintconfig
from sync import ledger as ledgers
from sync.diagnostics import Diagnostic
from sync.fsutil import os_reason
from sync.snapshot import RULE as SNAPSHOT_INVALID
from sync.snapshot import Snapshot
from sync.statusfile import Statusfile, discover, display_path, load_all

# What reading the ledger gave: the file's bytes (None: no file, or none could be read), and its state
# or (with an empty state) the diagnostic saying why it cannot be trusted.
LedgerRead = tuple[bytes | None, ledgers.LedgerState, Diagnostic | None]


@dataclass(slots=True)
class Workspace:
    directory: Path
    ledger_path: Path
    files: list[Statusfile] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)  # validation and ledger errors
    checked: int = 0
    failed: int = 0
    config_failed: bool = False  # the linter's configuration has errors
    ledger: ledgers.LedgerState = field(default_factory=ledgers.LedgerState)
    snapshot: Snapshot | None = None  # the pages and components pulled into the statusfiles directory
    # The ledger as read while the statusfiles loaded, for a caller that reads it later (under its lock):
    # read_ledger uses it if the file's bytes are still the same.
    early_ledger: LedgerRead | None = field(default=None, repr=False)

    @property
    def root_display(self) -> str:
        return display_path(self.directory)

    @property
    def ledger_display(self) -> str:
        return display_path(self.ledger_path)

    @property
    def ok(self) -> bool:
        return not any(d.is_error for d in self.diagnostics)

    @property
    def trouble(self) -> str:
        """Why nothing can be planned, in one sentence (when not ``ok``)."""
        reasons = []
        if self.failed:
            reasons.append(f"{self.failed} of {self.checked} statusfiles failed validation")
        if self.config_failed:
            reasons.append(
                f"the lint configuration {display_path(lintconfig.config_path(self.directory))} is invalid"
            )
        if any(d.rule == "ledger-invalid" for d in self.diagnostics):
            reasons.append(f"the ledger {self.ledger_display} cannot be read")
        if any(d.rule == SNAPSHOT_INVALID for d in self.diagnostics):
            reasons.append("the snapshot cannot be read")
        return "; ".join(reasons) + "."


def ledger_path_for(directory: Path, ledger_path: Path | None) -> Path:
    return ledger_path if ledger_path is not None else directory / ledgers.LEDGER_NAME


def load(
    directory: Path,
    ledger_path: Path | None,
    *,
    with_ledger: bool = True,
    meanwhile: Callable[[], None] | None = None,
) -> Workspace:
    """Validate every statusfile and (unless the caller will, under its lock) read the ledger.

    ``meanwhile`` is the caller's own work to do while worker processes load the statusfiles, after
    reading the ledger. Raises DiscoveryError for a missing directory.
    """
    ws = Workspace(directory=directory, ledger_path=ledger_path_for(directory, ledger_path))
    sources = discover((), directory)
    linter, config_problems = lintconfig.linter(directory)
    early: list[LedgerRead] = []

    def alongside() -> None:  # the ledger's problems come after the statusfiles' all the same
        early.append(_read_ledger(ws))
        if meanwhile is not None:
            meanwhile()

    result = load_all(sources, linter, meanwhile=alongside)
    ws.snapshot = idcheck.apply(result, directory)
    ws.files, ws.checked, ws.failed = result.files, result.checked, result.failed
    ws.config_failed = bool(config_problems)
    ws.diagnostics.extend([*config_problems, *result.diagnostics])
    if with_ledger:
        _use_ledger(ws, *early[0][1:])
    else:
        ws.early_ledger = early[0]
    collector.keep_all()  # the statusfiles and the ledger are kept until the command ends
    return ws


class LedgerUnavailable(Exception):
    """The ledger's lock could not be taken; ``locked``: another run holds it (waiting may help)."""

    def __init__(self, reason: str, *, locked: bool = False) -> None:
        super().__init__(reason)
        self.locked = locked


def lock_ledger(ws: Workspace, writer: ledgers.Writer) -> None:
    """Open ``writer`` on ``ws``'s ledger, taking its lock; LedgerUnavailable saying why it cannot."""
    try:
        writer.open()
    except ledgers.LedgerLocked as exc:
        raise LedgerUnavailable(str(exc), locked=True) from None
    except OSError as exc:
        raise LedgerUnavailable(
            f"the ledger {ws.ledger_display} cannot be written ({os_reason(exc)})"
        ) from None
    except ledgers.LedgerError as exc:
        raise LedgerUnavailable(f"the ledger {ws.ledger_display} {exc.message}") from None


def read_ledger(ws: Workspace) -> None:
    """(Re)read the ledger into ``ws``; a ledger that cannot be trusted becomes an error diagnostic."""
    early, ws.early_ledger = ws.early_ledger, None
    _use_ledger(ws, *_read_ledger(ws, early)[1:])


def _use_ledger(ws: Workspace, state: ledgers.LedgerState, problem: Diagnostic | None) -> None:
    ws.diagnostics = [d for d in ws.diagnostics if d.rule != "ledger-invalid"]
    ws.ledger = state
    if problem is not None:
        ws.diagnostics.append(problem)


def _read_ledger(ws: Workspace, known: LedgerRead | None = None) -> LedgerRead:
    """``ws``'s ledger; ``known`` again, without decoding anything, when the file's bytes are the same."""
    try:
        data = ledgers.read_bytes(ws.ledger_path)
        if data is None:
            return None, ledgers.LedgerState(), None
        if known is not None and known[0] == data:
            return known
        return data, ledgers.from_bytes(data, ws.ledger_path), None
    except ledgers.LedgerError as exc:
        problem = Diagnostic(
            ws.ledger_display, exc.line, 1 if exc.line else 0, "", exc.message, "ledger-invalid"
        )
    except OSError as exc:  # a folder, a path through a file, no permission
        reason = exc.strerror or str(exc)
        problem = Diagnostic(ws.ledger_display, 0, 0, "", f"cannot be read: {reason}", "ledger-invalid")
    return None, ledgers.LedgerState(), problem
