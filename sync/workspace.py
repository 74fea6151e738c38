"""Reading everything a plan needs from disk: the statusfiles and the ledger.

The planner is pure; this is the edge where files are read and turned into
statusfiles, a ledger state and diagnostics for whatever could not be read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sync import collector, idcheck, lintconfig
from sync import ledger as ledgers
from sync.diagnostics import Diagnostic
from sync.fsutil import os_reason
from sync.snapshot import RULE as SNAPSHOT_INVALID
from sync.snapshot import Snapshot
from sync.statusfile import Statusfile, discover, display_path, load_all


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


def load(directory: Path, ledger_path: Path | None, *, with_ledger: bool = True) -> Workspace:
    """Validate every statusfile and (unless the caller will, under its lock) read the ledger.

    Raises DiscoveryError for a missing directory.
    """
    ws = Workspace(directory=directory, ledger_path=ledger_path_for(directory, ledger_path))
    sources = discover((), directory)
    linter, config_problems = lintconfig.linter(directory)
    result = load_all(sources, linter)
    ws.snapshot = idcheck.apply(result, directory)
    ws.files, ws.checked, ws.failed = result.files, result.checked, result.failed
    ws.config_failed = bool(config_problems)
    ws.diagnostics.extend([*config_problems, *result.diagnostics])
    if with_ledger:
        read_ledger(ws)
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
    ws.diagnostics = [d for d in ws.diagnostics if d.rule != "ledger-invalid"]
    try:
        ws.ledger = ledgers.read(ws.ledger_path)
    except ledgers.LedgerError as exc:
        ws.ledger = ledgers.LedgerState()
        ws.diagnostics.append(
            Diagnostic(ws.ledger_display, exc.line, 1 if exc.line else 0, "", exc.message, "ledger-invalid")
        )
    except OSError as exc:  # a folder, a path through a file, no permission
        ws.ledger = ledgers.LedgerState()
        reason = exc.strerror or str(exc)
        ws.diagnostics.append(
            Diagnostic(ws.ledger_display, 0, 0, "", f"cannot be read: {reason}", "ledger-invalid")
        )
