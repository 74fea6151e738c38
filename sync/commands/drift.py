"""``statusfiles drift``: how the status page differs from git, read-only."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from sync.commands import (
    exit_1,
    folder_names,
    format_option,
    guarded_client,
    known_pages,
    load_tree,
    page_objects,
    read_failed,
    reads_api,
    show,
)
from sync.diagnostics import JSON_FORMAT_VERSION
from sync.views import View, json_text

if TYPE_CHECKING:
    from sync.importer import Drift

DRIFT_EXIT = 2


class DriftCommand(click.Command):
    """Exit 2 means only "drift" (as ``plan --detailed-exitcode``): a usage error exits 1."""

    def make_context(
        self, info_name: str | None, args: list[str], parent: click.Context | None = None, **extra: Any
    ) -> click.Context:
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.UsageError as exc:
            exit_1(exc)
            raise

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:
            exit_1(exc)
            raise


@click.command("drift", cls=DriftCommand)
@reads_api
@click.option(
    "--all", "everything", is_flag=True, help="Untracked resolved incidents and complete windows too."
)
@format_option(("text", "markdown", "json"))
def command(
    directory: Path,
    ledger_path: Path | None,
    base_url: str | None,
    timeout: float,
    everything: bool,
    fmt: str,
) -> None:
    """Compare the status page with git; change nothing.

    Reports updates on the page that git lacks (`statusfiles import` writes
    them), incidents and maintenance windows no folder tracks (open ones;
    --all: every one), names and times changed on the page, updates matching a
    statusfile not yet published (sync records them, never posts them), and
    components in the snapshot the page no longer has. Each is named by its
    object's name and, when one tracks it, its folder.

    \b
    Exit status: 0 no drift, 2 drift, 1 the page or the files could not be read,
    or a usage error.
    """
    from sync import api, importer

    client = guarded_client(base_url, timeout)
    ws = load_tree(directory, ledger_path)
    with client:
        pages = known_pages(client, ws.snapshot)
        objects = page_objects(client, pages)
        structures: dict[str, list[str] | None] = {}
        for page in ws.snapshot.pages if ws.snapshot is not None else ():
            try:
                found = client.find_structure(page.id)
            except api.ApiProblem as exc:
                raise read_failed(f"the components of {page.name}", exc) from None
            structures[page.id] = None if found is None else [c.id for c in found]
    tree = importer.Tree.of(ws.files, ws.ledger, folder_names(directory))
    items = importer.drift(objects, tree, ws.snapshot, structures, everything=everything)
    show(VIEWS[fmt](items, ws.root_display))


def _status(items: Sequence[Drift]) -> int:
    return DRIFT_EXIT if items else 0


def _json(items: Sequence[Drift], root: str) -> View:
    doc = {
        "version": JSON_FORMAT_VERSION,
        "summary": {"drift": len(items)},
        "drift": [d.to_json() for d in items],
    }
    return json_text(doc), _status(items)


def _text(items: Sequence[Drift], root: str) -> View:
    from sync import importer

    return importer.drift_text(items, root), _status(items)


def _markdown(items: Sequence[Drift], root: str) -> View:
    from sync import importer

    return importer.drift_markdown(items, root), _status(items)


VIEWS: dict[str, Callable[[Sequence[Drift], str], View]] = {
    "text": _text,
    "markdown": _markdown,
    "json": _json,
}
