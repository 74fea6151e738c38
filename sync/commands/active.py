"""``statusfiles active``: the incidents and maintenance windows still open, and the folder tracking each."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from sync import listing
from sync.commands import (
    api_client,
    chosen_pages,
    format_option,
    page_option,
    read_failed,
    reads_api,
    show,
)
from sync.diagnostics import render_text, use_colour
from sync.remote import RemoteObject
from sync.statusfile import display_path


@click.command("active")
@reads_api
@page_option
@click.option("--all", "everything", is_flag=True, help="Resolved incidents and completed windows too.")
@format_option(("text", "json"))
def command(
    directory: Path,
    ledger_path: Path | None,
    base_url: str | None,
    page: str | None,
    everything: bool,
    fmt: str,
    timeout: float,
) -> None:
    """List the incidents not yet resolved and the maintenance windows not yet complete.

    For each: its ID (what `status_page_incident_id` takes), name, status,
    and the folder under --dir whose statusfiles post to it, if any. A
    read-only API key is enough (INCIDENT_IO_API_KEY).

    \b
    Exit status: 0 listed, 1 the API or the ledger could not be read, 2 usage
    error.

    \b
    Examples:
      statusfiles active
      statusfiles active --page "Acme Cloud" --format json
    """
    from sync import api

    tracked = _tracked(directory, ledger_path)
    per_page = []
    with api_client(base_url, timeout) as client:
        for p in chosen_pages(client, page):
            try:
                objects: list[RemoteObject] = [*client.list_incidents(p.id), *client.list_maintenances(p.id)]
            except api.ApiProblem as exc:
                raise read_failed(f"what is open on {p.name}", exc) from None
            per_page.append((p, listing.open_on(objects, tracked, everything=everything)))
    folders = {folder: display_path(directory / folder) + "/" for folder in tracked.values()}
    show(listing.ACTIVE_VIEWS[fmt](per_page, folders))


def _tracked(directory: Path, ledger_path: Path | None) -> dict[str, str]:
    """Which folder tracks which object, from the statusfiles that load and the ledger.

    A ledger that cannot be read is an error, as in ``plan``: without it the folders that created
    objects are unknown, and every open object would wrongly look untracked.
    """
    from sync import workspace
    from sync.statusfile import DiscoveryError, discover, load_all

    try:
        files = load_all(discover((), directory)).files
    except DiscoveryError:  # no statusfiles directory yet: nothing is tracked
        files = []
    ws = workspace.Workspace(directory, workspace.ledger_path_for(directory, ledger_path))
    workspace.read_ledger(ws)
    if not ws.ok:
        click.echo(render_text(ws.diagnostics, colour=use_colour(sys.stderr)), nl=False, err=True)
        raise click.ClickException(f"nothing was listed: {ws.trouble}")
    return listing.tracking(files, ws.ledger)
