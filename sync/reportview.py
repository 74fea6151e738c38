"""Showing what a sync did: a line per update as it happens, then a summary a person can act on."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sync.diagnostics import (
    JSON_FORMAT_VERSION,
    Diagnostic,
    plural,
    printable,
    render_json,
    render_markdown_diagnostics,
    render_markdown_refusal,
    render_text,
)
from sync.planner import SETTLE_HINT
from sync.planview import code, plan_json, render_markdown_plan, render_text_plan
from sync.snapshot import Snapshot, component_label, names_json, page_label
from sync.views import View, json_text

if TYPE_CHECKING:  # sync imports the publisher (and httpx) while other cores load the statusfiles
    from sync.job import Progress, SyncResult
    from sync.publisher import Outcome, Report, Result

_WIDTH = 8


@dataclass(frozen=True, slots=True)
class Names:
    """What output needs to show names beside IDs: the snapshot, and each statusfile's payload by path."""

    snapshot: Snapshot | None
    payloads: Mapping[str, Mapping[str, Any]]

    def of(self, o: Outcome) -> str:
        """The page and components ``o``'s file names: ``on Acme Cloud (01F…); Public API (01F…) …``."""
        payload = self.payloads.get(o.path) if self.snapshot is not None else None
        if not payload:
            return ""
        snap = self.snapshot
        parts = (
            [f"on {page_label(snap, str(payload['status_page_id']))}"] if "status_page_id" in payload else []
        )
        parts += [
            f"{component_label(snap, str(c['component_id']))} {c['component_status']}"
            for c in payload.get("component_statuses") or []
        ]
        parts += [
            f"{component_label(snap, str(c))} affected" for c in payload.get("affected_component_ids") or []
        ]
        return "; ".join(parts)

    def json(self, report: Report) -> dict[str, Any]:
        return names_json(
            self.snapshot, [self.payloads[o.path] for o in report.outcomes if o.path in self.payloads]
        )


def outcome_line(o: Outcome, names: Names | None = None) -> str:
    """``posted   statusfiles/x/02.yaml  incident 01F…  identified  update 01J…  Public API (01F…) …``"""
    # A settled outcome's path, IDs and details may come from a ledger line or the API: escaped, as a file
    # name from disk is, so that none can move the cursor or start a line of its own (a workflow command).
    what = "maintenance" if o.kind == "maintenance" else "incident"
    parts = [
        f"{o.result:<{_WIDTH}}",
        printable(o.display),
        f"{what} {printable(o.incident)}" if o.incident else f"{what} (not created)",
    ]
    if o.status:
        parts.append(printable(o.status))
    if o.update_id:
        parts.append(f"update {printable(o.update_id)}")
    if o.result in ("created", "updated", "adopted") and o.detail:
        parts.append(printable(o.detail))
    if names is not None and (extra := names.of(o)):
        parts.append(extra)
    line = "  ".join(parts)
    # A failure's diagnostic, printed after these lines against the file's line, already says why.
    if o.result in ("failed", "unknown", "skipped") and o.detail and o.diagnostic is None:
        line += f"\n{'':<{_WIDTH}}  {printable(o.detail.splitlines()[0])}"
    return line


def summary_line(report: Report) -> str:
    if not report.outcomes and report.ok:
        return "Nothing new to publish."
    posted, adopted = report.count("posted"), report.count("adopted") + report.count("settled")
    incidents = len({o.incident for o in report.outcomes if o.result == "posted"})
    objects = plural(incidents, "object" if _mixed(report) else "incident")
    text = f"Published {plural(posted, 'update')} to {objects}"
    extras = []
    created = [o for o in report.outcomes if o.result == "created"]
    if created:
        windows = sum(1 for o in created if o.kind == "maintenance")
        made = [plural(len(created) - windows, "incident")] if len(created) > windows else []
        made += [plural(windows, "maintenance window")] if windows else []
        extras.append("created " + " and ".join(made))
    if report.count("updated"):
        extras.append(f"{report.count('updated')} renamed or rescheduled")
    if adopted:
        extras.append(f"{adopted} already on the page (recorded)")
    if report.count("moved"):
        extras.append(f"{plural(report.count('moved'), 'rename')} recorded")
    if extras:
        text += "; " + ", ".join(extras)
    if report.ok:
        return text + "."
    outcomes: tuple[tuple[Result, str], ...] = (
        ("failed", "failed"),
        ("unknown", "with unknown outcome"),
        ("skipped", "not attempted"),
    )
    problems = [f"{report.count(r)} {label}" for r, label in outcomes if report.count(r)]
    why = report.stopped or report.halted
    stopped = f" Stopped: {why}." if why else ""
    return f"Sync failed: {', '.join(problems) or 'stopped'}. {text}.{stopped}"


def _mixed(report: Report) -> bool:
    return any(o.kind == "maintenance" for o in report.outcomes)


def what_to_do(report: Report) -> list[str]:
    """Concrete next steps for each kind of failure in ``report``."""
    steps = []
    if report.stopped:
        steps.append("The API key was refused, so the run stopped: fix the key, then re-run the publish.")
    if report.halted:
        steps.append(
            f"Publishing stopped: {report.halted}. Make room on the disk (or make the ledger writable), then "
            "run sync again: the next sync reads back any update whose outcome was not recorded, and posts "
            "the rest in order."
        )
    if report.count("unknown"):
        steps.append(
            "For each update with an unknown outcome, look at the incident on the status page, then re-run "
            "sync. It reads the incident back: once the update shows on the page it is recorded, never "
            "posted again. A request that timed out may still be applied, so sync posts a missing update "
            f"again only once the API has had time to apply it ({SETTLE_HINT})."
        )
    if any(o.held for o in report.outcomes):
        steps.append(
            "An earlier sync lost track of a post, and the page does not show it yet: it was held back, with "
            "the updates after it, because the API may still be applying it. Run sync again after the time "
            "its message gives (a re-run of the publish job will do): it records the update if it has "
            "appeared and posts it otherwise, never twice."
        )
    failed = [o for o in report.outcomes if o.result == "failed"]
    if any(o.unsent for o in failed):
        steps.append(
            "An update could not be sent: the API could not be reached, or its rate limit asked for a longer "
            "wait than statusfiles makes. Nothing was posted for it, and the updates after it in the same "
            "incident were held back. Run sync again later (a re-run of the publish job will do): it sends "
            "them then, in order."
        )
    if any(not o.unsent for o in failed) and not report.stopped:
        steps.append(
            "The API refused an update (see the errors above, shown against the statusfile's line). Fix the "
            "statusfile in a new pull request; the updates after it in the same incident were held back and "
            "are published with it, in order."
        )
    return steps


def render_text_summary(report: Report) -> str:
    steps = what_to_do(report)
    return summary_line(report) + "\n" + "".join(f"  - {s}\n" for s in steps)


def cell(text: str) -> str:
    """A path or ID (maybe from the ledger) as code in a table cell, which a | would end even in code."""
    return code(text).replace("|", "\\|")


def render_markdown_report(
    report: Report,
    diagnostics: Sequence[Diagnostic],
    names: Names | None = None,
) -> str:
    lines = ["### statusfiles sync", "", f"**{summary_line(report)}**", ""]
    if report.outcomes:
        lines += ["| result | statusfile | incident | status | update |", "| --- | --- | --- | --- | --- |"]
        for o in report.outcomes:
            named = names.of(o).replace("|", "¦") if names else ""  # a | would end the cell
            status = " · ".join(printable(t) for t in (o.status, named) if t)
            lines.append(
                f"| {o.result} | {cell(o.display)} | {cell(o.incident)} | {status} | "
                f"{cell(o.update_id) if o.update_id else ''} |"
            )
        lines.append("")
    steps = what_to_do(report)
    if steps:
        lines += ["#### What to do", "", *(f"- {s}" for s in steps), ""]
    lines += render_markdown_diagnostics(diagnostics)
    return "\n".join(lines).rstrip() + "\n"


def report_json(
    report: Report,
    diagnostics: Sequence[Diagnostic],
    extra: dict[str, Any],
    names: Names | None = None,
) -> dict[str, Any]:
    results: tuple[Result, ...] = (
        "created",
        "updated",
        "posted",
        "adopted",
        "settled",
        "moved",
        "failed",
        "unknown",
        "skipped",
    )
    return {
        "version": JSON_FORMAT_VERSION,
        "summary": {
            **{r: report.count(r) for r in results},
            "ok": report.ok,
            "stopped": report.stopped or report.halted,
            **extra,
        },
        "results": [
            {
                "result": o.result,
                "path": o.path,
                "file": o.display,
                "incident": o.incident,
                "kind": o.kind,
                "status": o.status,
                "update_id": o.update_id,
                "detail": o.detail,
            }
            for o in report.outcomes
        ],
        "diagnostics": [d.to_json() for d in diagnostics],
        "names": (names or Names(None, {})).json(report),
    }


# --- a sync's views: each returns its output and the exit status ---------------------------------


def _reported(result: SyncResult) -> list[Diagnostic]:
    """What publishing diagnosed, then the plan's warnings."""
    report, plan = result.report, result.plan
    found = [o.diagnostic for o in report.outcomes if o.diagnostic is not None] if report else []
    return [*found, *(d for d in (plan.diagnostics if plan else ()) if not d.is_error)]


def progress_line(p: Progress) -> str:
    """An outcome as it happens, for a person watching."""
    return outcome_line(p.outcome, p.names)


def sync_text(result: SyncResult, colour: bool = False) -> View:
    """For a person at a terminal. The outcome lines came as they happened (``outcome_line``)."""
    if result.refusal is not None:
        text = render_text(result.diagnostics, colour) + f"Nothing was published: {result.refusal}\n"
        return text, 1
    assert result.plan is not None
    if result.report is None:
        text = render_text_plan(result.plan, colour, result.snapshot)
        return text + "Dry run: nothing was posted and the ledger was not changed.\n", 0
    found = [o.diagnostic for o in result.report.outcomes if o.diagnostic is not None]
    return render_text(found, colour) + render_text_summary(result.report), int(not result.ok)


def sync_json(result: SyncResult) -> View:
    """For programs: the refusal as a diagnostics document, else the plan (dry run) or the report."""
    if result.refusal is not None:
        summary = {"ok": False, "published": 0, "reason": result.refusal}
        return render_json(result.diagnostics, summary), 1
    assert result.plan is not None
    if result.report is None:
        doc = plan_json(result.plan, {"dry_run": True}, result.snapshot)
    else:
        extra = {"dry_run": False, "requests": result.stats.requests, "throttled": result.stats.throttled}
        doc = report_json(result.report, _reported(result), extra, result.names)
    return json_text(doc), int(not result.ok)


def sync_markdown(result: SyncResult) -> View:
    """For the job summary and an issue: the same three cases, as Markdown."""
    if result.refusal is not None:
        return render_markdown_refusal("statusfiles sync", result.refusal, result.diagnostics), 1
    assert result.plan is not None
    if result.report is None:
        return render_markdown_plan(result.plan, result.snapshot, title="statusfiles sync (dry run)"), 0
    markdown = render_markdown_report(result.report, _reported(result), names=result.names)
    return markdown, int(not result.ok)
