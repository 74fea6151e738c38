"""``statusfiles validate``: every problem in every statusfile, in one run."""

from __future__ import annotations

from pathlib import Path

import click

from sync import idcheck, lintconfig
from sync.commands import dir_option, echo_diagnostics, format_option
from sync.diagnostics import FORMATS, plural, render_json
from sync.statusfile import DiscoveryError, discover, load_all


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
    result = load_all((s for s in sources if not lintconfig.is_config(s.path, directory)), linter)
    idcheck.apply(result, directory)
    diagnostics += result.diagnostics
    errors = sum(1 for d in diagnostics if d.is_error)
    warnings = len(diagnostics) - errors
    if fmt == "json":
        summary = {
            "files_checked": result.checked,
            "files_failed": result.failed,
            "errors": errors,
            "warnings": warnings,
        }
        click.echo(render_json(diagnostics, summary), nl=False)
    else:
        echo_diagnostics(diagnostics, fmt)
        counts = [plural(n, word) for n, word in ((errors, "error"), (warnings, "warning")) if n]
        line = f"{plural(result.checked, 'file')} checked, {result.failed} failed"
        click.echo(line + (f" ({', '.join(counts)})." if counts else "."))
    raise SystemExit(1 if result.failed or errors else 0)
