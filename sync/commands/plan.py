"""``statusfiles plan``: exactly what merging will publish, without an API key or the network."""

from __future__ import annotations

from pathlib import Path

import click

from sync import planner, planview, workspace
from sync.commands import dir_option, echo_diagnostics, format_option, ledger_option
from sync.diagnostics import render_json, use_colour
from sync.statusfile import DiscoveryError


class PlanCommand(click.Command):
    """With --detailed-exitcode, exit 2 must mean only "changes": usage errors exit 1 instead."""

    def make_context(
        self, info_name: str | None, args: list[str], parent: click.Context | None = None, **extra: object
    ) -> click.Context:
        detailed = "--detailed-exitcode" in args
        try:
            return super().make_context(info_name, args, parent, **extra)  # type: ignore[arg-type]
        except click.UsageError as exc:
            if detailed:
                exc.exit_code = 1
            raise


def usage_error(message: str, detailed: bool) -> click.UsageError:
    exc = click.UsageError(message)
    if detailed:
        exc.exit_code = 1
    return exc


@click.command("plan", cls=PlanCommand)
@dir_option
@ledger_option
@format_option(("text", "markdown", "json"))
@click.option(
    "--detailed-exitcode",
    is_flag=True,
    help="Exit 0 when nothing would be posted, 2 when something would, 1 on any error.",
)
def command(directory: Path, ledger_path: Path | None, fmt: str, detailed_exitcode: bool) -> None:
    """Show exactly what sync would publish, per incident and in order.

    Reads the statusfiles and the ledger only: no API key, no network, so it
    runs on pull requests from forks. Validation errors are reported as
    `validate` reports them.

    \b
    Exit status: 0 no errors, 1 errors, 2 usage error.
    With --detailed-exitcode: 0 nothing to post, 2 something to post, 1 any error.

    \b
    Examples:
      statusfiles plan
      statusfiles plan --format markdown >> "$GITHUB_STEP_SUMMARY"
      statusfiles plan --format json | jq '.incidents[].updates[].path'
    """
    try:
        ws = workspace.load(directory, ledger_path)
    except DiscoveryError as exc:
        raise usage_error(str(exc), detailed_exitcode) from None

    if not ws.ok:
        if fmt == "json":
            summary = {
                "files_checked": ws.checked,
                "files_failed": ws.failed,
                "errors": sum(1 for d in ws.diagnostics if d.is_error),
            }
            click.echo(render_json(ws.diagnostics, summary), nl=False)
        elif fmt == "markdown":
            click.echo(
                planview.render_markdown_refusal("statusfiles plan", ws.trouble, ws.diagnostics), nl=False
            )
        else:
            echo_diagnostics(ws.diagnostics, fmt)
            click.echo(f"No plan: {ws.trouble}")
        raise SystemExit(1)

    result = planner.plan(ws.files, ws.ledger, root=ws.root_display, ledger_display=ws.ledger_display)
    if fmt == "json":
        click.echo(planview.render_json_plan(result, ws.snapshot), nl=False)
    elif fmt == "markdown":
        click.echo(planview.render_markdown_plan(result, ws.snapshot), nl=False)
    else:
        colour = use_colour(click.get_text_stream("stdout"))
        click.echo(planview.render_text_plan(result, colour, ws.snapshot), nl=False, color=colour)
    if result.errors:
        raise SystemExit(1)
    raise SystemExit(2 if detailed_exitcode and result.has_changes else 0)
