"""``statusfiles plan``: exactly what merging will publish, without an API key or the network."""

from __future__ import annotations

import sys
from functools import partial
from pathlib import Path

import click

from sync import github, planner, planview, workspace
from sync.commands import dir_option, exit_1, format_option, ledger_option, show
from sync.diagnostics import use_colour
from sync.statusfile import DiscoveryError
from sync.views import Renderer


class PlanCommand(click.Command):
    """With --detailed-exitcode, exit 2 must mean only "changes": usage errors exit 1 instead."""

    def make_context(
        self, info_name: str | None, args: list[str], parent: click.Context | None = None, **extra: object
    ) -> click.Context:
        detailed = "--detailed-exitcode" in args
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.UsageError as exc:
            if detailed:
                exit_1(exc)
            raise


def usage_error(message: str, detailed: bool) -> click.UsageError:
    exc = click.UsageError(message)
    if detailed:
        exit_1(exc)
    return exc


@click.command("plan", cls=PlanCommand)
@dir_option
@ledger_option
@format_option(
    ("text", "markdown", "json", "github"),
    help="Output format. github: annotations and the plan for the log, and, in GitHub Actions, the plan "
    "in the job summary and its counts and Markdown as step outputs.",
)
@click.option(
    "--detailed-exitcode",
    is_flag=True,
    help="Exit 0 when nothing would be posted, 2 when something would, 1 on any error.",
)
@click.option(
    "--github-warning",
    metavar="MARKDOWN",
    default=None,
    help="With --format github: a warning put first in the job summary and the Markdown output.",
)
def command(
    directory: Path, ledger_path: Path | None, fmt: str, detailed_exitcode: bool, github_warning: str | None
) -> None:
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
    colour = use_colour(sys.stdout)

    if not ws.ok:
        plan = None
        no = planview.NoPlan(ws.trouble, ws.diagnostics, ws.checked, ws.failed)
        refused: dict[str, Renderer] = {
            "text": partial(planview.no_plan_text, colour=colour),
            "markdown": planview.no_plan_markdown,
            "json": planview.no_plan_json,
            "github": planview.no_plan_github,
        }
        view = refused[fmt](no)
    else:
        plan = planner.plan(ws.files, ws.ledger, root=ws.root_display, ledger_display=ws.ledger_display)
        views: dict[str, Renderer] = {
            "text": partial(planview.plan_text, colour=colour),
            "markdown": planview.plan_markdown,
            "json": planview.plan_json_view,
            "github": partial(planview.plan_github, validated=ws.diagnostics),
        }
        view = views[fmt](plan, ws.snapshot, detailed_exitcode)
    if fmt == "github":  # the files GitHub Actions reads, beside the annotations
        if plan is not None:
            markdown = planview.render_markdown_plan(plan, ws.snapshot)
            outputs = github.counts(planview.plan_summary(plan))
        else:
            markdown, outputs = planview.no_plan_markdown(no)[0], github.counts(None, no.errors)
        if github_warning:
            markdown = f"> [!WARNING]\n> {github_warning}\n\n{markdown}"
        github.append_summary(markdown)
        github.set_outputs(outputs, markdown)
    show(view, colour)
