"""Showing a plan: text for a terminal, Markdown for a pull request, JSON for tools."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from sync.diagnostics import JSON_FORMAT_VERSION, Diagnostic, plural, render_text
from sync.planner import IncidentPlan, Plan, Planned, advance

PREVIEW = 76


def headline(plan: Plan) -> str:
    """The one sentence a reviewer reads first."""
    errors = len(plan.errors)
    if errors:
        them = "it is" if errors == 1 else "they are"
        return f"{plural(errors, 'error')}: nothing will be published until {them} fixed."
    creates = plan.creates
    if not creates:
        return "Nothing new to publish."
    incidents = sum(1 for inc in plan.incidents if inc.creates)
    notify = len(plan.notifying)
    return (
        f"{plural(len(creates), 'update')} to {plural(incidents, 'incident')} will be published; "
        f"{notify or 'none'} will notify subscribers."
    )


def details(plan: Plan) -> str:
    parts = []
    if plan.adopts or plan.settlements:
        parts.append(f"{len(plan.adopts) + len(plan.settlements)} already on the page (recorded, not posted)")
    if plan.moves:
        parts.append(f"{plural(len(plan.moves), 'move')} (recorded, not posted)")
    parts.append(f"{plan.unchanged} unchanged")
    if plan.deleted:
        parts.append(f"{len(plan.deleted)} deleted after publishing (left on the page)")
    return ", ".join(parts) + "."


Change = tuple[str, str | None, str]  # component id, status before (None: not known), status after


def _transitions(inc: IncidentPlan) -> list[tuple[Planned, str | None, str | None, list[Change]]]:
    """For each update: status before, status after, and the components it sets or resolving resets."""
    status, components = inc.status_before, dict(inc.components_before)
    out = []
    for p in inc.updates:
        after, now = advance(status, components, p.file.payload)
        named = {c["component_id"] for c in p.file.components}
        changes: list[Change] = [
            (cid, components.get(cid), new)
            for cid, new in now.items()
            if cid in named or components.get(cid) != new
        ]
        out.append((p, status, after, changes))
        status, components = after, now
    return out


def _status_text(before: str | None, after: str | None) -> str:
    if after is None:
        return "unchanged"
    if before is None:
        return f"set to {after}"
    if before == after:
        return f"{after} (unchanged)"
    return f"{before} -> {after}"


def _change_text(before: str | None, after: str) -> str:
    if before == after:
        return f"{after} (unchanged)"
    return f"{before} -> {after}" if before else f"set to {after}"


def _preview(message: str) -> str:
    flat = " ".join(message.split())
    return flat if len(flat) <= PREVIEW else flat[: PREVIEW - 1] + "…"


def _incident_title(inc: IncidentPlan) -> str:
    name = f' "{inc.name}"' if inc.name else ""
    status = f", status {inc.status_before}" if inc.status_before else ""
    return f"Incident {inc.incident_id}{name} ({inc.posted} already posted{status})"


# --- text -------------------------------------------------------------------


def render_text_plan(plan: Plan, colour: bool = False) -> str:
    lines: list[str] = []
    for inc in plan.incidents:
        lines.append(_incident_title(inc))
        for p, before, after, changes in _transitions(inc):
            f = p.file
            if p.action == "adopt":
                assert p.remote is not None
                lines.append(
                    f"  = {f.rel}  already on the page as update {p.remote.id}: recorded, not posted"
                )
                continue
            mark = "+" if not colour else "\x1b[32m+\x1b[0m"
            lines.append(
                f"  {mark} {f.rel}" + ("  (unsettled: checked against the page first)" if p.unsettled else "")
            )
            lines.append(f"      status:     {_status_text(before, after)}")
            for cid, old, new in changes:
                lines.append(f"      component:  {cid} {_change_text(old, new)}")
            lines.append(f"      notify:     {'yes, emails subscribers' if f.notify else 'no'}")
            lines.append(f"      message:    {_preview(f.message)}")
            for d in f.warnings:
                lines.append(f"      warning:    line {d.line}: {d.message} [{d.rule}]")
    for m in plan.moves:
        lines.append(f"Moved: {m.entry.path} -> {m.file.rel} (recorded in the ledger, not posted)")
    for s in plan.settlements:
        lines.append(f"Settled: {s.entry.path} is on the page as update {s.remote.id} (recorded, not posted)")
    out = "\n".join(lines) + ("\n" if lines else "")
    if plan.diagnostics:
        out += ("\n" if lines else "") + render_text(plan.diagnostics, colour)
    return out + f"\nPlan: {headline(plan)} {details(plan)}\n"


# --- markdown ---------------------------------------------------------------


def _md_code(text: str) -> str:
    return "`" + text.replace("`", "'") + "`"


def _md_quote(message: str) -> str:
    return "\n".join(("> " + line).rstrip() for line in message.strip().splitlines()) or ">"


def render_markdown_diagnostics(diagnostics: Sequence[Diagnostic]) -> list[str]:
    lines = []
    for kind, title in (("error", "Errors"), ("warning", "Warnings")):
        chosen = [d for d in diagnostics if str(d.severity) == kind]
        if not chosen:
            continue
        lines += [f"#### {title}", ""]
        for d in chosen:
            where = f"{d.file}:{d.line}" if d.line else d.file
            first, _, rest = d.text.partition("\n")
            lines.append(f"- {_md_code(where)} **{d.rule}**: {first}")
            if rest:
                lines += ["", "  ```diff", *("  " + r for r in rest.splitlines()), "  ```"]
        lines.append("")
    return lines


def render_markdown_plan(plan: Plan) -> str:
    lines = ["### statusfiles plan", "", f"**{headline(plan)}** {details(plan)}", ""]
    for inc in plan.incidents:
        lines += [f"#### Incident {_md_code(inc.incident_id)}" + (f" — {inc.name}" if inc.name else ""), ""]
        if inc.posted or inc.status_before:
            lines += [
                f"{inc.posted} already posted; status before this merge: "
                f"**{inc.status_before or 'unknown'}**.",
                "",
            ]
        for i, (p, before, after, changes) in enumerate(_transitions(inc), 1):
            f = p.file
            if p.action == "adopt":
                assert p.remote is not None
                lines += [
                    f"{i}. {_md_code(f.rel)} is already on the page (update {_md_code(p.remote.id)}): "
                    "recorded, not posted.",
                    "",
                ]
                continue
            status = _status_text(before, after).replace("->", "→")
            notify = "**emails subscribers**" if f.notify else "no email"
            lines.append(f"{i}. {_md_code(f.rel)} — status {status} · {notify}")
            if p.unsettled:
                lines.append(
                    "   *(an earlier sync may have posted this; it is checked against the page first)*"
                )
            for cid, old, new in changes:
                lines.append(f"   - component {_md_code(cid)}: {_change_text(old, new).replace('->', '→')}")
            for d in f.warnings:
                # "<" escaped: a pasted <!here> or <@U…> would otherwise vanish as HTML
                lines.append(f"   - ⚠️ **{d.rule}** (line {d.line}): {d.message.replace('<', '&lt;')}")
            lines += ["", "\n".join("   " + line for line in _md_quote(f.message).splitlines()), ""]
    if plan.moves:
        lines += ["#### Renamed (recorded, not posted)", ""]
        lines += [f"- {_md_code(m.entry.path)} → {_md_code(m.file.rel)}" for m in plan.moves]
        lines.append("")
    lines += render_markdown_diagnostics(plan.diagnostics)
    return "\n".join(lines).rstrip() + "\n"


def render_markdown_refusal(title: str, headline: str, diagnostics: Sequence[Diagnostic]) -> str:
    """Nothing can be published, why, and every diagnostic: for a comment or the job summary."""
    lines = [f"### {title}", "", f"**Nothing can be published: {headline}**", ""]
    return "\n".join([*lines, *render_markdown_diagnostics(diagnostics)]).rstrip() + "\n"


# --- json -------------------------------------------------------------------


def _planned_json(p: Planned, before: str | None, after: str | None) -> dict[str, Any]:
    f = p.file
    return {
        "action": p.action,
        "path": f.rel,
        "file": f.display,
        "sha256": f.sha256,
        "unsettled": p.unsettled,
        "notify_subscribers": f.notify,
        "status_before": before,
        "status_after": after,
        "remote_update_id": p.remote.id if p.remote else None,
        "payload": f.payload,
        "warnings": [d.to_json() for d in f.warnings],
    }


def plan_json(plan: Plan, extra_summary: Mapping[str, Any] | None = None) -> dict[str, Any]:
    return {
        "version": JSON_FORMAT_VERSION,
        "summary": {
            "publish": len(plan.creates),
            "incidents": sum(1 for inc in plan.incidents if inc.creates),
            "notify": len(plan.notifying),
            "adopt": len(plan.adopts),
            "settle": len(plan.settlements),
            "moves": len(plan.moves),
            "unchanged": plan.unchanged,
            "deleted": len(plan.deleted),
            "errors": len(plan.errors),
            "warnings": len(plan.diagnostics) - len(plan.errors),
            "has_changes": plan.has_changes,
            "remote_checked": plan.remote_checked,
            **(extra_summary or {}),
        },
        "incidents": [
            {
                "id": inc.incident_id,
                "name": inc.name,
                "posted": inc.posted,
                "status_before": inc.status_before,
                "updates": [_planned_json(p, before, after) for p, before, after, _ in _transitions(inc)],
            }
            for inc in plan.incidents
        ],
        "moves": [
            {"from": m.entry.path, "to": m.file.rel, "update_id": m.entry.update_id} for m in plan.moves
        ],
        "settled": [{"path": s.entry.path, "update_id": s.remote.id} for s in plan.settlements],
        "deleted": [{"path": e.path, "update_id": e.update_id} for e in plan.deleted],
        "diagnostics": [d.to_json() for d in plan.diagnostics],
    }


def render_json_plan(plan: Plan) -> str:
    return json.dumps(plan_json(plan), indent=2, ensure_ascii=False) + "\n"
