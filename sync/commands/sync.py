"""``statusfiles sync``: publish every new statusfile to incident.io, each exactly once, in order."""

from __future__ import annotations

import json
import os
import threading
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from sync import planner, planview, workspace
from sync.commands import dir_option, echo_diagnostics, finite, format_option, ledger_option, os_reason
from sync.diagnostics import Diagnostic, render_json, use_colour
from sync.statusfile import DiscoveryError

PROGRESS_EVERY = 50  # updates between progress lines on stderr, for long runs


def _step_summary(markdown: str) -> None:
    """Append to the GitHub Actions job summary when running there."""
    path = os.environ.get("GITHUB_STEP_SUMMARY")
    if path:
        from sync.api import Redactor

        with open(path, "a", encoding="utf-8") as f:
            f.write(Redactor(os.environ.get("INCIDENT_IO_API_KEY")).text(markdown) + "\n")


def _stop(diagnostics: Sequence[Diagnostic], fmt: str, headline: str) -> None:
    """Nothing was published: say why, everywhere the user may look, and exit 1."""
    if fmt == "json":
        summary = {"ok": False, "published": 0, "reason": headline}
        click.echo(render_json(diagnostics, summary), nl=False)
    else:
        echo_diagnostics(diagnostics, "text")
        click.echo(f"Nothing was published: {headline}")
    _step_summary(planview.render_markdown_refusal("statusfiles sync", headline, diagnostics))
    raise SystemExit(1)


@click.command("sync")
@dir_option
@ledger_option
@click.option(
    "--base-url",
    envvar="INCIDENT_IO_BASE_URL",
    show_envvar=True,
    default=None,
    help="The incident.io API.  [default: https://api.incident.io]",
)
@click.option(
    "--dry-run", is_flag=True, help="Read the page and show what would happen; post and record nothing."
)
@format_option(("text", "json"))
@click.option(
    "--concurrency",
    type=click.IntRange(1, 32),
    default=4,
    show_default=True,
    help="Incidents published at once (updates within one incident are always sequential).",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=1),
    callback=finite,
    default=30.0,
    show_default=True,
    help="Seconds each request may take, from connecting to the last byte of the response.",
)
@click.option(
    "--lock-timeout",
    type=click.FloatRange(min=0),
    callback=finite,
    default=0.0,
    show_default=True,
    help="Seconds to wait for another sync using the same ledger to finish.",
)
def command(
    directory: Path,
    ledger_path: Path | None,
    base_url: str | None,
    dry_run: bool,
    fmt: str,
    concurrency: int,
    timeout: float,
    lock_timeout: float,
) -> None:
    """Publish every new statusfile to incident.io, each exactly once, in order.

    Validates and plans first, and publishes nothing if anything is wrong.
    Then it reads every incident and maintenance window it will post to,
    records what is already on the page instead of posting it again, creates
    declared incidents and maintenance windows (each with its idempotency key),
    renames or reschedules them, and posts the updates in order, appending to
    the ledger (fsynced) around every request. The API key is
    read from INCIDENT_IO_API_KEY only.

    \b
    Exit status: 0 everything published (or nothing to do), 1 anything failed,
    was left unknown, or was refused before publishing; 2 usage error.

    \b
    Examples:
      INCIDENT_IO_API_KEY=... statusfiles sync
      statusfiles sync --dry-run
      statusfiles sync --base-url http://127.0.0.1:8484   # the sandbox
    """
    from sync import api, ledger, publisher, reportview  # only sync pays for httpx

    try:
        key = api.check_api_key(os.environ.get("INCIDENT_IO_API_KEY"))
        url = api.check_base_url(base_url or api.DEFAULT_BASE_URL)
        api.proxy_for(url)
        retry = api.RetryPolicy.from_env()
    except api.ConfigError as exc:
        raise click.UsageError(str(exc)) from None
    click.get_current_context().with_resource(api.Redactor(key).guarding_output())  # the last guard
    try:
        ws = workspace.load(directory, ledger_path, with_ledger=False)
    except DiscoveryError as exc:
        raise click.UsageError(str(exc)) from None
    if not ws.ok:
        _stop(ws.diagnostics, fmt, ws.trouble)
    names = reportview.Names(ws.snapshot, {f.rel: f.payload for f in ws.files})  # beside IDs in the output

    writer = (
        None if dry_run else ledger.Writer(ws.ledger_path, run=uuid.uuid4().hex, lock_timeout=lock_timeout)
    )
    try:
        if writer is not None:
            try:
                writer.open()  # the lock first, then the read: no other sync appends between the two
            except ledger.LedgerLocked as exc:
                _stop([], fmt, f"{exc} (--lock-timeout SECONDS waits for it).")
            except OSError as exc:
                _stop([], fmt, f"the ledger {ws.ledger_display} cannot be written ({os_reason(exc)}).")
            except ledger.LedgerError as exc:
                _stop([], fmt, f"the ledger {ws.ledger_display} {exc.message}.")
        workspace.read_ledger(ws)
        if not ws.ok:
            _stop(ws.diagnostics, fmt, ws.trouble)
        draft = planner.plan(ws.files, ws.ledger, root=ws.root_display, ledger_display=ws.ledger_display)
        if draft.errors:
            _stop(draft.diagnostics, fmt, f"the plan has {len(draft.errors)} error(s).")
        reads = publisher.to_read(draft, ws.ledger)
        with api.Client(url, key, timeout=timeout, retry=retry) as client:
            try:
                remote, listed = publisher.read_page(client, reads, concurrency)
            except (api.ApiError, api.Unreachable) as exc:
                rule = "api-auth" if isinstance(exc, api.AuthError) else "api-read"
                diag = Diagnostic(ws.root_display, 0, 0, "", f"reading the status page failed: {exc}", rule)
                _stop([diag], fmt, "the status page could not be read.")
            plan = planner.plan(
                ws.files,
                ws.ledger,
                root=ws.root_display,
                ledger_display=ws.ledger_display,
                remote=remote,
                listed=listed,
            )
            if plan.errors:
                _stop(plan.diagnostics, fmt, f"the plan has {len(plan.errors)} error(s).")
            _check_components(client, plan, remote, ws, fmt)
            if dry_run:
                _dry_run(plan, fmt, ws.snapshot)
                return
            assert writer is not None
            try:
                report = _publish(
                    client, writer, plan, ws.ledger.claimed_update_ids(), concurrency, fmt, retry.base, names
                )
            except OSError as exc:  # the disk filled up, or the ledger was made read-only meanwhile
                _stop(
                    [],
                    fmt,
                    f"the ledger {ws.ledger_display} could not be written ({os_reason(exc)}), so publishing "
                    "stopped; the next sync reads back any update whose outcome was not recorded.",
                )
            stats = client.stats
    finally:
        if writer is not None:
            writer.close()

    diagnostics = [o.diagnostic for o in report.outcomes if o.diagnostic is not None]
    warnings = [d for d in plan.diagnostics if not d.is_error]
    if fmt == "json":
        extra = {"dry_run": False, "requests": stats.requests, "throttled": stats.throttled}
        click.echo(
            json.dumps(
                reportview.report_json(report, [*diagnostics, *warnings], extra, names),
                indent=2,
                ensure_ascii=False,
            )
        )
    else:
        echo_diagnostics(diagnostics, "text")
        click.echo(reportview.render_text_summary(report), nl=False)
    _step_summary(reportview.render_markdown_report(report, [*diagnostics, *warnings], names=names))
    raise SystemExit(0 if report.ok else 1)


def _check_components(
    client: Any, plan: planner.Plan, remote: Any, ws: workspace.Workspace, fmt: str
) -> None:
    """Before any POST: every component a file posts must be on its page as it is now, not as it was."""
    from sync import api, idcheck

    structures: dict[str, Any] = {}
    for page in sorted(idcheck.pages_to_read(plan, remote)):
        try:
            structures[page] = client.get_structure(page)
        except api.NotFound:
            structures[page] = None
        except (api.ApiError, api.Unreachable) as exc:
            rule = "api-auth" if isinstance(exc, api.AuthError) else "api-read"
            diag = Diagnostic(ws.root_display, 0, 0, "", f"reading the page's components failed: {exc}", rule)
            _stop([diag], fmt, "the status page could not be read.")
    problems = idcheck.check_live(plan, remote, structures, ws.snapshot)
    if problems:
        _stop(problems, fmt, f"{len(problems)} component(s) or page(s) are not on the live status page.")


def _dry_run(plan: planner.Plan, fmt: str, names: Any) -> None:
    if fmt == "json":
        doc = planview.plan_json(plan, {"dry_run": True}, names)
        click.echo(json.dumps(doc, indent=2, ensure_ascii=False))
    else:
        colour = use_colour(click.get_text_stream("stdout"))
        click.echo(planview.render_text_plan(plan, colour, names), nl=False, color=colour)
        click.echo("Dry run: nothing was posted and the ledger was not changed.")
    _step_summary(
        planview.render_markdown_plan(plan, names).replace(
            "### statusfiles plan", "### statusfiles sync (dry run)"
        )
    )


def _publish(
    client: Any,
    writer: Any,
    plan: planner.Plan,
    claimed: set[str],
    concurrency: int,
    fmt: str,
    reconcile_delay: float,
    names: Any,
) -> Any:
    from sync import publisher, reportview

    total = sum(len(inc.updates) + bool(inc.declared and inc.declared.action) for inc in plan.incidents)
    done = 0
    lock = threading.Lock()

    def on_outcome(outcome: publisher.Outcome) -> None:
        nonlocal done
        with lock:
            done += outcome.result in (
                "created",
                "updated",
                "posted",
                "adopted",
                "failed",
                "unknown",
                "skipped",
            )
            if fmt != "json":
                click.echo(reportview.outcome_line(outcome, names))
            if total >= PROGRESS_EVERY and done and done % PROGRESS_EVERY == 0:
                click.echo(f"progress: {done} of {total} updates ({done * 100 // total}%)", err=True)

    pub = publisher.Publisher(
        client, writer, concurrency=concurrency, on_outcome=on_outcome, reconcile_delay=reconcile_delay
    )
    return pub.run(plan, claimed)
