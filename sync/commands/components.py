"""``statusfiles components``: each status page's components, with their groups and IDs."""

from __future__ import annotations

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


@click.command("components")
@reads_api
@page_option
@format_option(("text", "json"))
def command(
    directory: Path,
    ledger_path: Path | None,
    base_url: str | None,
    page: str | None,
    fmt: str,
    timeout: float,
) -> None:
    """List the components of each status page (or of --page), as the page groups them.

    The IDs are what `component_id` and `affected_component_ids` take. A
    read-only API key is enough (INCIDENT_IO_API_KEY).

    \b
    Exit status: 0 listed, 1 the API could not be read, 2 usage error
    (such as a --page no page is named).

    \b
    Examples:
      statusfiles components --page "Acme Cloud"
      statusfiles components --format json | jq '.pages[].components[]'
    """
    from sync import api

    with api_client(base_url, timeout) as client:
        structures = []
        for p in chosen_pages(client, page):
            try:
                structures.append((p, client.get_structure(p.id)))
            except api.ApiProblem as exc:
                raise read_failed(f"the components of {p.name}", exc) from None
    show(listing.COMPONENTS_VIEWS[fmt](structures))
