"""``statusfiles validate``: every problem in every statusfile, in one run."""

from __future__ import annotations

import sys
from functools import partial
from pathlib import Path

import click

from sync import idcheck, lint, lintconfig
from sync import snapshot as snapshots
from sync.commands import dir_option, format_option, show
from sync.diagnostics import FORMATS, Checked, checked_github, checked_json, checked_text, use_colour
from sync.statusfile import DiscoveryError, discover, display_path, load_all
from sync.views import Renderer


@click.command("validate")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@dir_option
@format_option(FORMATS)
def command(paths: tuple[Path, ...], directory: Path, fmt: str) -> None:
    """Check statusfiles against the schema and the API's rules.

    PATHS may be files or folders; with none, every *.yaml and *.yml under the
    statusfiles directory is checked. Exit status: 0 all valid, 1 any invalid,
    2 usage error.

    \b
    Examples:
      statusfiles validate
      statusfiles validate statusfiles/2026-11-26-api-errors/
      statusfiles validate --format github   # annotations on the PR diff
    """
    try:
        sources = discover(paths, directory)
    except DiscoveryError as exc:
        raise click.UsageError(str(exc)) from None
    linter, diagnostics = lintconfig.linter(directory)
    # Only the snapshot's checks read the files' payloads; without one, the verdicts are enough.
    keep = snapshots.path_in(directory).exists()
    stray = [d for d in (lintconfig.misplaced(s.path, directory) for s in sources) if d is not None]
    checked_sources = (s for s in sources if s.path.name != lint.CONFIG_NAME)
    result = load_all(checked_sources, linter, keep=keep)
    idcheck.apply(result, directory)
    others = (
        ("the lint configuration", display_path(lintconfig.config_path(directory))),
        ("the snapshot", snapshots.display(directory)),
    )
    checked = Checked(
        [*diagnostics, *stray, *result.diagnostics],
        result.checked + len(stray),
        result.failed + len(stray),
        others,
    )
    colour = use_colour(sys.stdout)
    views: dict[str, Renderer] = {
        "text": partial(checked_text, colour=colour),
        "json": checked_json,
        "github": checked_github,
    }
    if fmt == "github":  # the step outputs GitHub Actions reads, beside the annotations
        from sync import github

        github.set_outputs(github.counts(None, checked.errors), "")
    show(views[fmt](checked), colour)
