"""The sync job: lock, ledger, draft plan, the page, the plan, publish; a result to render, no output.

``run_sync`` is what ``statusfiles sync`` does between reading its options and rendering; benchmarks and
tests call it in-process. It never prints: a refusal (nothing was published) is a field of the result.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sync import apiconfig, idcheck, ledger, planner, workspace
from sync.diagnostics import Diagnostic, printable
from sync.fsutil import os_reason
from sync.reportview import Names
from sync.snapshot import Component, Snapshot

if TYPE_CHECKING:  # imported while other cores load the statusfiles (see run_sync)
    from sync import api, publisher
    from sync.remote import RemoteObject

_COUNTED = frozenset({"created", "updated", "posted", "adopted", "failed", "unknown", "skipped"})


@dataclass(frozen=True, slots=True)
class SyncOptions:
    """Everything a sync needs, checked already: the URL and key are safe to use together."""

    directory: Path
    ledger_path: Path | None
    api: apiconfig.Settings
    dry_run: bool = False
    concurrency: int = 4
    timeout: float = 30.0
    lock_timeout: float = 0.0
    settle_after: float = planner.SETTLE_AFTER
    upstream_check: bool = True  # refuse when the ledger's git upstream has records it lacks


@dataclass(frozen=True, slots=True)
class Progress:
    """How far publishing is, after each outcome: ``done`` of ``total`` updates."""

    outcome: publisher.Outcome
    done: int
    total: int
    names: Names


@dataclass(slots=True)
class SyncResult:
    """What a sync did. ``refusal`` set: nothing was published, for the reason it says and ``diagnostics``.

    Otherwise ``plan`` is the plan against the page; ``report`` is what publishing did (None on a dry run).
    """

    names: Names
    snapshot: Snapshot | None = None
    refusal: str | None = None
    diagnostics: Sequence[Diagnostic] = ()
    plan: planner.Plan | None = None
    report: publisher.Report | None = None
    stats: apiconfig.Stats = field(default_factory=apiconfig.Stats)

    @property
    def ok(self) -> bool:
        return self.refusal is None and (self.report is None or self.report.ok)


class _Refused(Exception):
    def __init__(self, headline: str, diagnostics: Sequence[Diagnostic] = ()) -> None:
        super().__init__(headline)
        self.headline = headline
        self.diagnostics = diagnostics


def run_sync(options: SyncOptions, on_progress: Callable[[Progress], None] | None = None) -> SyncResult:
    """Publish every new statusfile under ``options.directory``, each exactly once, in order.

    Raises DiscoveryError when the statusfiles directory cannot be read at all (a usage error).
    ``on_progress`` hears of each outcome as it happens, from the publishing threads one at a time.
    """
    clients: list[api.Client] = []

    def prepare() -> None:
        """While other cores load the statusfiles: import httpx, and set up the client's TLS."""
        from sync import api, publisher  # noqa: F401  (publisher: imported here rather than after loading)

        clients.append(api.Client.of(options.api, options.timeout))

    ws = workspace.load(options.directory, options.ledger_path, with_ledger=False, meanwhile=prepare)
    names = Names(ws.snapshot, {f.rel: f.payload for f in ws.files})  # beside IDs in the output
    result = SyncResult(names=names, snapshot=ws.snapshot)
    with clients[0] as client:
        try:
            if not ws.ok:
                raise _Refused(ws.trouble, ws.diagnostics)
            _run(options, ws, client, result, on_progress)
        except _Refused as refused:
            result.refusal, result.diagnostics = refused.headline, refused.diagnostics
    return result


def _run(
    options: SyncOptions,
    ws: workspace.Workspace,
    client: api.Client,
    result: SyncResult,
    on_progress: Callable[[Progress], None] | None,
) -> None:
    writer = (
        None
        if options.dry_run
        else ledger.Writer(ws.ledger_path, run=uuid.uuid4().hex, lock_timeout=options.lock_timeout)
    )
    try:
        if writer is not None:
            _lock(writer, ws)  # the lock first, then the read: no other sync appends between the two
            if options.upstream_check:
                _refuse_behind(ws)
        workspace.read_ledger(ws)
        if not ws.ok:
            raise _Refused(ws.trouble, ws.diagnostics)
        draft = planner.plan(ws.files, ws.ledger, root=ws.root_display, ledger_display=ws.ledger_display)
        _refuse_errors(draft)
        from sync import api, publisher  # imported already, while the statusfiles loaded

        reads = publisher.to_read(draft, ws.ledger)
        # Taken before the read: the page shows only what was applied by then (planner.held_until).
        read_at = datetime.now(UTC)
        try:
            remote, listed = publisher.read_page(client, reads, options.concurrency)
        except api.ApiProblem as exc:
            raise _read_failed(ws, "reading the status page", exc) from None
        plan = planner.plan(
            ws.files,
            ws.ledger,
            root=ws.root_display,
            ledger_display=ws.ledger_display,
            remote=remote,
            listed=listed,
            now=read_at,
            settle_after=options.settle_after,
        )
        _refuse_errors(plan)
        _check_components(client, plan, remote, ws)
        result.plan = plan
        if writer is not None:
            result.report = _publish(client, writer, plan, ws, options, on_progress, result.names)
        result.stats = client.stats
    finally:
        if writer is not None:
            writer.close()


def _lock(writer: ledger.Writer, ws: workspace.Workspace) -> None:
    try:
        workspace.lock_ledger(ws, writer)
    except workspace.LedgerUnavailable as exc:
        raise _Refused(f"{exc}{' (--lock-timeout SECONDS waits for it)' if exc.locked else ''}.") from None


def _refuse_behind(ws: workspace.Workspace) -> None:
    """A hand-run sync must not post what the publish workflow already posted and pushed the record of.

    Checked under the lock: a record pushed while this sync waited for the lock counts too.
    """
    from sync import upstream  # git runs only for a sync that publishes

    behind = upstream.check(ws.ledger_path)
    if behind is not None:
        raise _Refused(behind.reason)


def _refuse_errors(plan: planner.Plan) -> None:
    if plan.errors:
        raise _Refused(f"the plan has {len(plan.errors)} error(s).", plan.diagnostics)


def _read_failed(ws: workspace.Workspace, what: str, exc: api.ApiProblem) -> _Refused:
    from sync import api

    rule = "api-auth" if isinstance(exc, api.AuthError) else "api-read"
    # What the server said, escaped to one line: a line break would start a workflow command in the job's log.
    diag = Diagnostic(ws.root_display, 0, 0, "", f"{what} failed: {printable(str(exc))}", rule)
    return _Refused("the status page could not be read.", [diag])


def _check_components(
    client: api.Client, plan: planner.Plan, remote: Mapping[str, RemoteObject | None], ws: workspace.Workspace
) -> None:
    """Before any POST: every component a file posts must be on its page as it is now, not as it was."""
    from sync import api

    structures: dict[str, list[Component] | None] = {}
    for page in sorted(idcheck.pages_to_read(plan, remote)):
        try:
            structures[page] = client.find_structure(page)
        except api.ApiProblem as exc:
            raise _read_failed(ws, "reading the page's components", exc) from None
    problems = idcheck.check_live(plan, remote, structures, ws.snapshot)
    if problems:
        raise _Refused(f"{len(problems)} component(s) or page(s) are not on the live status page.", problems)


def _publish(
    client: api.Client,
    writer: ledger.Writer,
    plan: planner.Plan,
    ws: workspace.Workspace,
    options: SyncOptions,
    on_progress: Callable[[Progress], None] | None,
    names: Names,
) -> publisher.Report:
    from sync import publisher

    total = sum(len(inc.updates) + bool(inc.declared and inc.declared.action) for inc in plan.incidents)
    done = 0
    lock = threading.Lock()

    def on_outcome(outcome: publisher.Outcome) -> None:
        nonlocal done
        with lock:
            done += outcome.result in _COUNTED
            if on_progress is not None:
                on_progress(Progress(outcome, done, total, names))

    pub = publisher.Publisher(
        client,
        writer,
        concurrency=options.concurrency,
        on_outcome=on_outcome,
        reconcile_delay=options.api.retry.base,
    )
    try:
        return pub.run(plan, ws.ledger.claimed_update_ids())
    except OSError as exc:  # the disk filled up, or the ledger was made read-only meanwhile
        # Not a refusal: what was published before is in the report, and was printed as it happened.
        pub.report.halted = f"the ledger {ws.ledger_display} could not be written ({os_reason(exc)})"
        return pub.report
