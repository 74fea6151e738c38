"""``statusfiles pages``: the account's status pages, with their IDs."""

from __future__ import annotations

from pathlib import Path

import click

from sync import listing
from sync.commands import (
    api_client,
    chosen_pages,
    format_option,
    reads_api,
    show,
)


@click.command("pages")
@reads_api
@format_option(("text", "json"))
def command(
    directory: Path, ledger_path: Path | None, base_url: str | None, fmt: str, timeout: float
) -> None:
    """List the account's status pages: the ID each `status_page_id` takes.

    A read-only API key is enough (INCIDENT_IO_API_KEY).

    \b
    Exit status: 0 listed, 1 the API could not be read, 2 usage error.

    \b
    Examples:
      statusfiles pages
      statusfiles pages --format json | jq -r '.pages[].id'
    """
    with api_client(base_url, timeout) as client:
        pages = chosen_pages(client, None)
    show(listing.PAGES_VIEWS[fmt](pages))
