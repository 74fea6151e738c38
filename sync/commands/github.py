"""``statusfiles github publish``: the publish job's statusfiles steps in one process (hidden).

scripts/publish.sh runs it; it calls the script back for the git steps (``fetch`` before, ``record`` after),
so the job loads the statusfiles, starts Python and imports httpx once instead of once per command. In
between it does what ``sync``, ``pull`` and ``import --open`` do, each as its own step: a failed pull or
import only warns, sync's exit status is the job's, and the ledger is recorded whatever failed. It writes
the report (the job summary), the step outputs and, when asked, the plan taken before publishing.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, TypeVar

import click

from sync import KEY_ENV, github
from sync.commands import api_settings, dir_option, guard_output, ledger_option, settle_after_option

if TYPE_CHECKING:
    from sync import api, apiconfig, workspace
    from sync.commands import import_, pull
    from sync.redact import Redactor

T = TypeVar("T")

SKIPPED_NOTICE = (
    "::notice title=statusfiles publish skipped::INCIDENT_IO_API_KEY is not configured, so nothing was "
    "published. Add it as a secret of the publish environment ('Setting up' in docs/github.md)."
)
SKIPPED_NOTE = (
    "Publishing skipped: the `INCIDENT_IO_API_KEY` secret is not configured ('Setting up' in docs/github.md)."
)


@click.group("github", hidden=True)
def command() -> None:
    """What the GitHub Action runs."""


@dataclass(slots=True)
class Job:
    """What one publish run has done so far: its report, its step outputs, and where it writes them."""

    report: Path
    outputs: dict[str, object] = field(default_factory=dict)
    counts: dict[str, object] = field(default_factory=lambda: github.counts(None))
    lost: set[str] = field(default_factory=set)  # files not written (said once): the job fails at the end
    crashed: bool = False  # a step that only warns (pull, import) hit a bug: the job ends with CRASH_EXIT

    def note(self, markdown: str) -> None:
        """Add to the report."""
        self.write(
            "report", lambda: github.write_text("the job's report", self.report, markdown + "\n", append=True)
        )

    def output(self, name: str, value: object) -> None:
        self.outputs[name] = value
        self.write("outputs", lambda: github.set_outputs({name: value}))

    def write(self, target: str, write: Callable[[], None]) -> None:
        """Write to one of the files the job was given. One that cannot be written (a full disk, a FIFO)
        must not keep the ledger from being recorded: the error is printed once, and the job goes on and
        fails at the end."""
        if target in self.lost:
            return
        try:
            write()
        except github.OutputFileError as exc:
            self.lost.add(target)
            exc.show()


@command.command("publish")
@dir_option
@ledger_option
@click.option("--base-url", envvar="INCIDENT_IO_BASE_URL", default=None, help="The incident.io API.")
@click.option(
    "--git-steps",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    default=None,
    help="The script run as `SCRIPT fetch WORK` first and `SCRIPT record WORK` last (scripts/publish.sh); "
    "without it the checkout is used as it is and nothing is committed.",
)
@click.option(
    "--work",
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    default=None,
    help="A folder for this run's files, shared with the git steps (report.md).  [default: a new one]",
)
@click.option(
    "--plan-json",
    envvar="STATUSFILES_PLAN_JSON",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Also write `statusfiles plan --format json`, taken before publishing, here.",
)
@click.option(
    "--copy-report",
    envvar="STATUSFILES_REPORT",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Also write the Markdown report here.",
)
@click.option(
    "--import/--no-import",
    "import_",
    envvar="STATUSFILES_IMPORT",
    default=True,
    help="Import what was posted elsewhere after publishing.  [default: --import]",
)
@click.option(
    "--action-outputs",
    envvar="STATUSFILES_ACTION_OUTPUTS",
    is_flag=True,
    help="Also write the action's outputs: the plan's counts and the report as Markdown.",
)
@settle_after_option
def publish(
    directory: Path,
    ledger_path: Path | None,
    base_url: str | None,
    git_steps: Path | None,
    work: Path | None,
    plan_json: Path | None,
    copy_report: Path | None,
    import_: bool,
    action_outputs: bool,
    settle_after: float,
) -> None:
    """Fetch, sync, pull, import --open, record: the publish job, writing its report and outputs.

    \b
    Exit status: 0 everything published (or nothing to publish, or no API key) and recorded;
    otherwise sync's own status, or 1 when fetching, recording or writing the report failed;
    3 when any step hit a bug (after the others ran and the ledger was recorded).
    """
    # The key out of everything printed, and out of the report.
    redactor = guard_output()
    with tempfile.TemporaryDirectory(prefix="statusfiles-publish-") as own:
        folder = work if work is not None else Path(own)
        job = Job(folder / "report.md")
        job.report.touch()
        run = Run(
            folder, directory, ledger_path, base_url, git_steps, plan_json, import_, settle_after, redactor
        )
        status = _run(job, run, needs_files=import_ or plan_json is not None or action_outputs)
        _finish(job, copy_report, action_outputs)
    if job.crashed:  # a bug is never hidden behind a warning: after the ledger is recorded, it fails the job
        from sync.cli import CRASH_EXIT

        raise SystemExit(CRASH_EXIT)
    raise SystemExit(status or int(bool(job.lost)))


@dataclass(frozen=True, slots=True)
class Run:
    """One publish run's settings: its work folder, the statusfiles, the API, the git steps."""

    work: Path
    directory: Path
    ledger_path: Path | None
    base_url: str | None
    git_steps: Path | None
    plan_json: Path | None
    import_: bool
    settle_after: float
    redactor: Redactor


def _run(job: Job, run: Run, needs_files: bool) -> int:
    directory, ledger_path, base_url = run.directory, run.ledger_path, run.base_url
    if not os.environ.get(KEY_ENV):
        click.echo(SKIPPED_NOTICE)
        job.note(SKIPPED_NOTE)
        job.output("status", "skipped")
        return 0
    if run.git_steps is not None and _git_step(run.git_steps, "fetch", run.work) != 0:
        job.output("status", "failed")  # the step said why, in the log and the report
        return 1

    ws = _planned(directory, ledger_path, job, run.plan_json) if needs_files else None
    settings, _ = _guarded(lambda: api_settings(base_url))  # unusable: said once, and every step fails
    sync_rc = _sync(job, run, settings)
    job.output("sync-exit-code", sync_rc)
    client = _client(settings)
    pulled = _pull(job, client, directory)
    if run.import_:
        _import(job, client, directory, ledger_path, ws, reuse=pulled is not None and not pulled.changed)
    else:
        job.output("import", "off")
    if client is not None:
        client.close()

    recorded = run.git_steps is None or _git_step(run.git_steps, "record", run.work) == 0
    if sync_rc != 0:
        job.output("status", "failed")
        return sync_rc
    if not recorded:
        job.output("status", "failed")
        return 1
    job.output("status", "published")
    return 0


def _git_step(script: Path, step: str, work: Path) -> int:
    """Run the script's git step; its exit status (127 when it cannot be run)."""
    sys.stdout.flush()  # what this process printed first comes first in the log
    sys.stderr.flush()
    try:
        return subprocess.run([str(script), step, str(work)], check=False).returncode
    except OSError as exc:
        click.echo(f"Error: {script} {step} could not be run: {exc}", err=True)
        return 127


def _guarded(step: Callable[[], T]) -> tuple[T | None, int]:
    """Run one step as its own command would: its result and 0, or None and the exit status the command
    would have had (a ClickException's, printed as click prints it; 3 for a bug, reported as the CLI does),
    so that one failed step never keeps the later ones, or the ledger's commit, from running."""
    from sync.cli import crash

    try:
        return step(), 0
    except click.ClickException as exc:
        exc.show()
        return None, exc.exit_code
    except SystemExit as exc:
        return None, exc.code if isinstance(exc.code, int) else 1
    except Exception:
        return None, crash()


def _planned(
    directory: Path, ledger_path: Path | None, job: Job, plan_json: Path | None
) -> workspace.Workspace | None:
    """The statusfiles as this run found them (None when the directory cannot be read), with the plan
    taken before publishing: its counts for the action, its JSON for ``plan_json``."""
    from sync import planner, planview, workspace
    from sync.statusfile import DiscoveryError

    try:
        ws = workspace.load(directory, ledger_path)
    except DiscoveryError:
        return None  # sync says why
    if ws.ok:
        plan = planner.plan(ws.files, ws.ledger, root=ws.root_display, ledger_display=ws.ledger_display)
        job.counts = github.counts(planview.plan_summary(plan))
        if plan_json is not None:
            github.write_text("--plan-json", plan_json, planview.render_json_plan(plan, ws.snapshot))
    else:
        no = planview.NoPlan(ws.trouble, ws.diagnostics, ws.checked, ws.failed)
        job.counts = github.counts(None, no.errors)
        if plan_json is not None:
            github.write_text("--plan-json", plan_json, planview.no_plan_json(no)[0])
    return ws


def _sync(job: Job, run: Run, settings: apiconfig.Settings | None) -> int:
    """``statusfiles sync``: its output in the log, its summary in the report; its exit status."""
    from sync import reportview
    from sync.commands import sync

    def step() -> int:
        from sync.job import SyncOptions

        if settings is None:
            raise SystemExit(2)  # their usage error has been printed
        options = SyncOptions(run.directory, run.ledger_path, settings, settle_after=run.settle_after)
        result, status = sync.run_and_show(options, "text")
        job.note(run.redactor.text(reportview.sync_markdown(result)[0]))
        return status

    status, failed = _guarded(step)
    if failed:
        job.note(
            f"`statusfiles sync` exited with status {failed} before it could write a summary: "
            "the job log says why."
        )
        return failed
    return status or 0


def _client(settings: apiconfig.Settings | None) -> api.Client | None:
    """The API client pull and import share; None when the settings are unusable (the error is printed)."""
    if settings is None:
        return None
    from sync import api

    client, _ = _guarded(lambda: api.Client.of(settings))
    return client


class Failure(NamedTuple):
    """How a step that only warns says it failed: in the log, in the report, in its step output."""

    title: str  # of the log's warning
    command: str  # the command the step does the work of
    then: str  # what its failure leaves, for the log
    note: str  # the report's sentence on it
    output: tuple[str, str]  # the step output's name and value


def _warning_step(
    job: Job, client: api.Client | None, step: Callable[[api.Client], T], failure: Failure
) -> T | None:
    """Run a step that reads the API and whose failure only warns (pull, import); None when it failed."""

    def run() -> T:
        if client is None:
            raise SystemExit(2)  # the client's usage error has been printed
        return step(client)

    done, failed = _guarded(run)
    if failed:
        from sync.cli import CRASH_EXIT

        job.crashed = job.crashed or failed == CRASH_EXIT
        why = "failed (the log above says why)"
        click.echo(f"::warning title={failure.title}::{failure.command} {why}; {failure.then}")
        job.note(f"{failure.note} (`{failure.command}` failed; the job log says why).")
        job.output(*failure.output)
        return None
    return done


def _pull(job: Job, client: api.Client | None, directory: Path) -> pull.Pulled | None:
    """``statusfiles pull``: a failure costs only the snapshot's freshness, so it warns and goes on."""
    from sync import api, snapshot
    from sync.commands import pull, read_failed
    from sync.statusfile import display_path

    def step(client: api.Client) -> pull.Pulled:
        try:
            pulled = pull.refresh(client, directory)
        except api.ApiProblem as exc:
            raise read_failed("the status pages", exc) from None
        click.echo(pull.text_view(pulled)[0], nl=False)
        return pulled

    shown = display_path(snapshot.path_in(directory))
    failure = Failure(
        "statusfiles snapshot not refreshed",
        "statusfiles pull",
        f"{shown} keeps its old content",
        f"The snapshot `{shown}` could not be refreshed",
        ("snapshot", "pull-failed"),
    )
    pulled = _warning_step(job, client, step, failure)
    if pulled is not None:
        job.output("snapshot", "refreshed" if pulled.changed else "unchanged")
    return pulled


def _import(
    job: Job,
    client: api.Client | None,
    directory: Path,
    ledger_path: Path | None,
    ws: workspace.Workspace | None,
    reuse: bool,
) -> None:
    """``statusfiles import --open``, after sync (whose posts are then in the ledger and never imported)
    and after the pull (the files name pages and components as the snapshot does). The statusfiles loaded
    before sync are used again when the pull left the snapshot as it was: sync writes only the ledger, which
    is read again under its lock; a changed snapshot may change which files pass, so they are loaded again.
    A failure only warns: the next run imports what this one missed, from the page."""
    import uuid

    from sync import ledger, workspace
    from sync.commands import import_, load_tree, read_ledger_locked

    def step(client: api.Client) -> import_.Imported:
        writer = ledger.Writer(workspace.ledger_path_for(directory, ledger_path), run=uuid.uuid4().hex)
        try:
            if reuse and ws is not None:
                tree = ws
                read_ledger_locked(tree, writer)
            else:
                tree = load_tree(directory, ledger_path, writer)
            return import_.import_objects(client, tree, writer, open_only=True)
        finally:
            writer.close()

    failure = Failure(
        "statusfiles import failed",
        "statusfiles import --open",
        "what was posted elsewhere is recorded by the next run",
        "What was posted elsewhere could not be imported",
        ("import", "import-failed"),
    )
    done = _warning_step(job, client, step, failure)
    if done is None:
        return
    text = import_.text_view(done)[0]
    click.echo(text, nl=False)
    job.output("import", "imported" if done.written else "unchanged")
    lines = import_.imported_lines(done)
    if lines:
        job.note(
            "\n### Recorded from the status page\n\n"
            "Posted elsewhere (the dashboard, Slack), now statusfiles and adopted ledger records:\n\n"
            "```text\n" + "\n".join(lines) + "\n```"
        )


def _finish(job: Job, copy_report: Path | None, action_outputs: bool) -> None:
    """The report to the job summary (and ``copy_report``); with ``action_outputs``, the counts and the
    report as the action's outputs."""
    text = job.report.read_text(encoding="utf-8", errors="replace")
    if text:
        job.write("summary", lambda: github.append_summary(text.removesuffix("\n")))
    if copy_report is not None:
        job.write("copy", lambda: github.write_text("--copy-report", copy_report, text))
    if action_outputs:
        job.write("outputs", lambda: github.set_outputs(job.counts, text))
    sys.stdout.flush()
