"""``statusfiles github``: a finished publish's step outputs, for the action's script (hidden).

``validate`` and ``plan`` write their own outputs with ``--format github``; a publish's report also holds
what scripts/publish.sh did after sync (the push, the snapshot), so its outputs are written at the end.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from sync import github


@click.command("github", hidden=True)
@click.option(
    "--plan-json",
    type=click.Path(path_type=Path, dir_okay=False),
    required=True,
    help="`statusfiles plan --format json`'s output: the counts (missing or unreadable: none).",
)
@click.option(
    "--markdown",
    type=click.Path(path_type=Path, dir_okay=False),
    required=True,
    help="The report, cut to what a comment holds (missing: empty).",
)
def command(plan_json: Path, markdown: Path) -> None:
    """Write the counts and the Markdown report to $GITHUB_OUTPUT."""
    try:
        summary = json.loads(plan_json.read_text(encoding="utf-8"))["summary"]
    except (OSError, ValueError, KeyError, TypeError):
        summary = None
    if not isinstance(summary, dict):
        summary = None
    try:
        text = markdown.read_text(encoding="utf-8")
    except OSError:
        text = ""
    github.set_outputs(github.counts(summary), text)
