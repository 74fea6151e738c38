"""``statusfiles sync``: publish every new statusfile to incident.io, each exactly once, in order."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import click

from sync.commands import (
    api_settings,
    dir_option,
    echo_out,
    finite,
    format_option,
    guard_output,
    ledger_option,
    settle_after_option,
)
from sync.diagnostics import use_colour
from sync.statusfile import DiscoveryError
from sync.views import Renderer

if TYPE_CHECKING:
    from sync import job

PROGRESS_EVERY = 50  # updates between progress lines on stderr, for long runs


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
@settle_after_option
@click.option(
    "--no-upstream-check",
    is_flag=True,
    help="Publish even when the ledger's git upstream has records the local ledger lacks.",
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
    settle_after: float,
    no_upstream_check: bool,
) -> None:
    """Publish every new statusfile to incident.io, each exactly once, in order.

    Validates and plans first, and publishes nothing if anything is wrong,
    or if the ledger is behind the one on its git upstream (pull first).
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
    from sync import github, job, reportview

    options = job.SyncOptions(
        directory,
        ledger_path,
        api_settings(base_url),
        dry_run=dry_run,
        concurrency=concurrency,
        timeout=timeout,
        lock_timeout=lock_timeout,
        settle_after=settle_after,
        upstream_check=not no_upstream_check,
    )
    redactor = guard_output()
    result, status = run_and_show(options, fmt)
    github.append_summary(reportview.sync_markdown(result)[0], redactor.text)
    raise SystemExit(status)


def run_and_show(options: job.SyncOptions, fmt: str) -> tuple[job.SyncResult, int]:
    """Sync, printing each outcome as it happens and then the report in ``fmt``; the result and the
    exit status (1 also when standard output could not be written, which never stops the publishing).
    A UsageError when the statusfiles directory cannot be read."""
    from sync import job, reportview

    colour = use_colour(sys.stdout)
    views: dict[str, tuple[Renderer, Callable[[job.Progress], str] | None]] = {
        "text": (partial(reportview.sync_text, colour=colour), reportview.progress_line),
        "json": (reportview.sync_json, None),
    }
    view, live = views[fmt]
    lost: list[click.ClickException] = []  # standard output could not be written: publishing goes on

    def on_progress(p: job.Progress) -> None:
        if live is not None and not lost:
            try:
                echo_out(live(p) + "\n")
            except click.ClickException as exc:
                lost.append(exc)
        if p.total >= PROGRESS_EVERY and p.done and p.done % PROGRESS_EVERY == 0:
            # Only a courtesy: a standard error that cannot be written (a full disk) never stops publishing.
            with contextlib.suppress(OSError):
                click.echo(f"progress: {p.done} of {p.total} updates ({p.done * 100 // p.total}%)", err=True)

    try:
        result = job.run_sync(options, on_progress)
    except DiscoveryError as exc:
        raise click.UsageError(str(exc)) from None
    output, status = view(result)
    if not lost:
        try:
            echo_out(output, colour)
        except click.ClickException as exc:
            lost.append(exc)
    if lost:  # said as click says it; the summary is still written, the exit status is 1
        lost[0].show()
        return result, status or 1
    return result, status
