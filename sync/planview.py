"""Showing a plan: text for a terminal, Markdown for a pull request, JSON for tools."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sync.diagnostics import (
    JSON_FORMAT_VERSION,
    Diagnostic,
    count_errors,
    md_code,
    md_text,
    plural,
    printable,
    render_github,
    render_json,
    render_markdown_diagnostics,
    render_markdown_refusal,
    render_text,
)
from sync.planner import OBJECT_WORDS, Declared, IncidentPlan, Plan, Planned, advance, status_of
from sync.snapshot import Snapshot, component_label, names_json, page_label
from sync.timefmt import change_text, show_moment, utc, window
from sync.views import View, json_text

PREVIEW = 76


def headline(plan: Plan) -> str:
    """The one sentence a reviewer reads first."""
    errors = len(plan.errors)
    if errors:
        them = "it is" if errors == 1 else "they are"
        return f"{plural(errors, 'error')}: nothing will be published until {them} fixed."
    creates = plan.creates
    made = plan.declared("create")
    puts = plan.declared("put")
    if not creates and not made and not puts:
        return "Nothing new to publish."
    parts = []
    if made:
        windows = sum(1 for d in made if d.kind == "maintenance")
        what = [plural(len(made) - windows, "incident")] if len(made) > windows else []
        what += [plural(windows, "maintenance window")] if windows else []
        parts.append(f"{' and '.join(what)} will be created")
    if puts:
        parts.append(f"{len(puts)} renamed or rescheduled")
    if creates:
        posting = _posting(plan)
        word = "object" if any(inc.kind == "maintenance" for inc in posting) else "incident"
        parts.append(f"{plural(len(creates), 'update')} to {plural(len(posting), word)} will be published")
    notify = _notifying(creates) + sum(1 for d in made if d.file.notify)
    return f"{'; '.join(parts)}; {notify or 'none'} will notify subscribers."


def _posting(plan: Plan) -> list[IncidentPlan]:
    """The objects sync would post updates to (``Plan.creates`` by object)."""
    return [inc for inc in plan.incidents if inc.posts]


def _notifying(creates: Sequence[Planned]) -> int:
    """How many of ``creates`` email subscribers (``Plan.notifying``, from creates already listed)."""
    return sum(1 for p in creates if p.file.notify)


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
        was = components.get
        changes: list[Change] = [
            (cid, old, new) for cid, new in now.items() if (old := was(cid)) != new or cid in named
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
    """The message on one line, its control characters escaped (YAML's ``"\\e"`` would drive a terminal)."""
    flat = printable(" ".join(message.split()))
    return flat if len(flat) <= PREVIEW else flat[: PREVIEW - 1] + "…"


def code(text: str) -> str:
    """A string from the ledger or the page as Markdown code: one line, control characters escaped."""
    return md_code(printable(text))


def _incident_title(inc: IncidentPlan) -> str:
    name = f' "{printable(inc.name)}"' if inc.name else ""
    status = f", status {inc.status_before}" if inc.status_before else ""
    what = "Maintenance window" if inc.kind == "maintenance" else "Incident"
    d = inc.declared
    if d is not None and d.action == "create":
        return f"{what}{name}, declared in {d.file.rel}"
    return f"{what} {printable(inc.incident_id)}{name} ({inc.posted} already posted{status})"


def _kind_word(d: Declared) -> str:
    return OBJECT_WORDS[d.kind]


def automation_notice(d: Declared) -> str | None:
    """What a window with automate_maintenance_status does by itself, unasked."""
    payload = d.file.payload
    if d.kind != "maintenance" or not payload.get("automate_maintenance_status"):
        return None
    notify = (
        "subscribers are notified each time"
        if payload.get("notify_subscribers")
        else "subscribers are not notified"
    )
    return (
        f"the window moves itself to in progress at {_utc_text(payload.get('start_at'))} and to complete at "
        f"{_utc_text(payload.get('end_at'))} (automate_maintenance_status); {notify}"
    )


def _utc_text(value: Any) -> str:
    when = utc(value)
    return f"{when:%Y-%m-%d %H:%M} UTC" if when else str(value)


def declaration_lines(d: Declared, names: Snapshot | None = None) -> list[tuple[str, str]]:
    """(label, text) lines describing what happens to a declaration, in the order a reader wants them."""
    payload = d.file.payload
    out: list[tuple[str, str]] = []
    if d.action == "create":
        out.append(("page", page_label(names, str(payload.get("status_page_id")))))
        if d.kind == "maintenance":
            out.append(("schedule", window(payload.get("start_at"), payload.get("end_at"))))
        out.append(("status", f"set to {status_of(payload)}"))
        for c in payload.get("component_statuses") or []:
            out.append(
                ("component", f"{component_label(names, c['component_id'])} set to {c['component_status']}")
            )
        for cid in payload.get("affected_component_ids") or []:
            out.append(("component", f"{component_label(names, cid)} under maintenance during the window"))
        out.append(("notify", "yes, emails subscribers" if d.file.notify else "no"))
        out.append(("message", _preview(str(payload.get("message", "")))))
    elif d.action == "put":
        out.append(("change", printable(change_text(d.changes))))  # the names before come from the page
        if d.kind == "maintenance":
            out.append(("schedule", window(payload.get("start_at"), payload.get("end_at"))))
    if d.action in ("create", "put") and (notice := automation_notice(d)):
        out.append(("automated", notice))
    return out


def _declaration_head(
    d: Declared,
    names: Snapshot | None = None,
    quote: Callable[[str], str] = printable,
    text: Callable[[str], str] = printable,
) -> str:
    """What happens to a declaration; ``quote`` shows the object's ID, which comes from the ledger, and
    ``text`` its name and its page's."""
    what = _kind_word(d)
    if d.action == "create":
        again = "  (unsettled: sent again with the same idempotency key)" if d.unsettled else ""
        page = names.page_name(str(d.file.payload.get("status_page_id"))) if names else None
        on = f" on {text(page)}" if page else ""  # both from a pull request: escaped to stay one line
        return f'create {what} "{text(str(d.file.payload.get("name")))}"{on}{again}'
    if d.action == "put":
        return (
            f"{'reschedule' if any(n != 'name' for n, _, _ in d.changes) else 'rename'} {what} "
            f"{quote(str(d.object_id))}"
        )
    if d.action == "adopt":
        return f"already on the page as {what} {quote(str(d.object_id))}: recorded, not created"
    return f"the same {what} ({quote(str(d.object_id))}), its folder renamed: recorded"


# --- text -------------------------------------------------------------------


def _held_note(p: Planned) -> str:
    assert p.hold_until is not None
    what = "it" if p.held_by is None else printable(p.held_by)
    return f"an earlier post of {what} may still appear; not posted before {show_moment(p.hold_until)}"


def _unsettled_note(p: Planned) -> str:
    if p.hold_until is not None:
        return f"  (held: {_held_note(p)})"
    return "  (unsettled: checked against the page first)" if p.unsettled else ""


def render_text_plan(plan: Plan, colour: bool = False, names: Snapshot | None = None) -> str:
    lines: list[str] = []
    label_of = functools.cache(functools.partial(component_label, names))  # the same few, many times
    for inc in plan.incidents:
        lines.append(_incident_title(inc))
        d = inc.declared
        if d is not None and d.action is not None:
            mark = {"create": "+", "put": "~"}.get(d.action, "=")
            if colour and mark != "=":
                mark = f"\x1b[{32 if mark == '+' else 33}m{mark}\x1b[0m"
            lines.append(f"  {mark} {d.file.rel}  {_declaration_head(d, names)}")
            lines += [f"      {label + ':':<11} {text}" for label, text in declaration_lines(d, names)]
        for p, before, after, changes in _transitions(inc):
            f = p.file
            if p.action == "adopt":
                assert p.remote is not None
                lines.append(
                    f"  = {f.rel}  update {printable(p.remote.id)} {p.adoption}: recorded, will not be posted"
                )
                continue
            mark = "+" if not colour else "\x1b[32m+\x1b[0m"
            lines.append(f"  {mark} {f.rel}{_unsettled_note(p)}")
            lines.append(f"      status:     {_status_text(before, after)}")
            for cid, old, new in changes:
                lines.append(f"      component:  {label_of(cid)} {_change_text(old, new)}")
            lines.append(f"      notify:     {'yes, emails subscribers' if f.notify else 'no'}")
            lines.append(f"      message:    {_preview(f.message)}")
            for w in f.warnings:
                lines.append(f"      warning:    line {w.line}: {w.message} [{w.rule}]")
    # Ledger paths: a line of the ledger may hold anything, escaped as a file name from disk is.
    for m in plan.moves:
        lines.append(f"Moved: {printable(m.entry.path)} -> {m.file.rel} (recorded in the ledger, not posted)")
    for s in plan.settlements:
        lines.append(
            f"Settled: {printable(s.entry.path)} is on the page as update {printable(s.remote.id)} "
            "(recorded, not posted)"
        )
    out = "\n".join(lines) + ("\n" if lines else "")
    if plan.diagnostics:
        out += ("\n" if lines else "") + render_text(plan.diagnostics, colour)
    return out + f"\nPlan: {headline(plan)} {details(plan)}\n"


# --- markdown ---------------------------------------------------------------


def _md_quote(message: str) -> str:
    """The message as a quote, line by line, its control characters escaped as the other views escape them."""
    return "\n".join(("> " + printable(line)).rstrip() for line in message.strip().split("\n")) or ">"


def _md_component(names: Snapshot | None, cid: str) -> str:
    name = names.component_name(cid) if names else None
    return f"{md_text(name)} ({md_code(cid)})" if name else md_code(cid)


def render_markdown_plan(plan: Plan, names: Snapshot | None = None, title: str = "statusfiles plan") -> str:
    shown = functools.cache(functools.partial(_md_component, names))  # the same few, many times
    lines = [f"### {title}", "", f"**{headline(plan)}** {details(plan)}", ""]
    for inc in plan.incidents:
        what = "Maintenance window" if inc.kind == "maintenance" else "Incident"
        ident = f" {code(inc.incident_id)}" if inc.incident_id else ""
        lines += [f"#### {what}{ident}" + (f" — {md_text(inc.name)}" if inc.name else ""), ""]
        d = inc.declared
        if d is not None and d.action is not None:
            lines.append(f"- {md_code(d.file.rel)} — **{_declaration_head(d, names, code, md_text)}**")
            lines += [
                f"  - {label}: {md_text(text)}"
                for label, text in declaration_lines(d, names)
                if label != "message"
            ]
            if d.action == "create":
                lines += [
                    "",
                    "\n".join(
                        "  " + line for line in _md_quote(str(d.file.payload.get("message", ""))).splitlines()
                    ),
                ]
            lines.append("")
        if (inc.posted or inc.status_before) and not (d is not None and d.action == "create"):
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
                    f"{i}. {md_code(f.rel)} is already on the page (update {code(p.remote.id)}, "
                    f"{p.adoption}): recorded, **will not be posted**.",
                    "",
                ]
                continue
            status = _status_text(before, after).replace("->", "→")
            notify = "**emails subscribers**" if f.notify else "no email"
            lines.append(f"{i}. {md_code(f.rel)} — status {status} · {notify}")
            if p.hold_until is not None:
                lines.append(f"   *(held: {_held_note(p)})*")
            elif p.unsettled:
                lines.append(
                    "   *(an earlier sync may have posted this; it is checked against the page first)*"
                )
            for cid, old, new in changes:
                lines.append(f"   - component {shown(cid)}: {_change_text(old, new).replace('->', '→')}")
            for w in f.warnings:
                lines.append(f"   - ⚠️ **{w.rule}** (line {w.line}): {md_text(w.message)}")
            lines += ["", "\n".join("   " + line for line in _md_quote(f.message).splitlines()), ""]
    if plan.moves:
        lines += ["#### Renamed (recorded, not posted)", ""]
        lines += [f"- {code(m.entry.path)} → {md_code(m.file.rel)}" for m in plan.moves]
        lines.append("")
    lines += render_markdown_diagnostics(plan.diagnostics)
    return "\n".join(lines).rstrip() + "\n"


# --- json -------------------------------------------------------------------


def _planned_json(p: Planned, before: str | None, after: str | None) -> dict[str, Any]:
    f = p.file
    return {
        "action": p.action,
        "path": f.rel,
        "file": f.display,
        "sha256": f.sha256,
        "unsettled": p.unsettled,
        # Set: an earlier post of it may still appear, so it is not posted before this time.
        "hold_until": p.hold_until.strftime("%Y-%m-%dT%H:%M:%SZ") if p.hold_until else None,
        "notify_subscribers": f.notify,
        "status_before": before,
        "status_after": after,
        "remote_update_id": p.remote.id if p.remote else None,
        # For an adoption: "statusfiles" (an intent in the ledger) or "page" (posted elsewhere).
        "origin": ("page" if p.found_elsewhere else "statusfiles") if p.action == "adopt" else None,
        "payload": f.payload,
        "warnings": [d.to_json() for d in f.warnings],
    }


def _declared_json(d: Declared) -> dict[str, Any]:
    payload = d.file.payload
    schedule = None
    if d.kind == "maintenance":
        start, end = utc(payload.get("start_at")), utc(payload.get("end_at"))
        schedule = {
            "start_at_utc": start.strftime("%Y-%m-%dT%H:%M:%SZ") if start else None,
            "end_at_utc": end.strftime("%Y-%m-%dT%H:%M:%SZ") if end else None,
        }
    return {
        "action": d.action,
        "path": d.file.rel,
        "file": d.file.display,
        "sha256": d.file.sha256,
        "object_id": d.object_id,
        "idempotency_key": d.key,
        "unsettled": d.unsettled,
        "status_page_id": payload.get("status_page_id"),
        "name": payload.get("name"),
        "changes": [{"field": n, "before": b, "after": a} for n, b, a in d.changes]
        if d.action == "put"
        else [],
        "schedule": schedule,
        "automation_notice": automation_notice(d) if d.action in ("create", "put") else None,
        "notify_subscribers": d.file.notify,
        "payload": payload,
    }


def plan_summary(plan: Plan) -> dict[str, Any]:
    """The counts of a plan's JSON document (``summary``), which the action's outputs are made of."""
    creates, errors = plan.creates, len(plan.errors)
    return {
        "publish": len(creates),
        "create": len(plan.declared("create")),
        "put": len(plan.declared("put")),
        "incidents": len(_posting(plan)),
        "notify": _notifying(creates),
        "adopt": len(plan.adopts),
        "settle": len(plan.settlements),
        "moves": len(plan.moves),
        "unchanged": plan.unchanged,
        "deleted": len(plan.deleted),
        "errors": errors,
        "warnings": len(plan.diagnostics) - errors,
        "has_changes": plan.has_changes,
        "remote_checked": plan.remote_checked,
    }


def plan_json(
    plan: Plan, extra_summary: Mapping[str, Any] | None = None, names: Snapshot | None = None
) -> dict[str, Any]:
    payloads = [p.file.payload for inc in plan.incidents for p in inc.updates]
    payloads += [inc.declared.file.payload for inc in plan.incidents if inc.declared is not None]
    return {
        "version": JSON_FORMAT_VERSION,
        "summary": {**plan_summary(plan), **(extra_summary or {})},
        "incidents": [
            {
                "id": inc.incident_id or None,
                "kind": inc.kind,
                "name": inc.name,
                "posted": inc.posted,
                "status_before": inc.status_before,
                "declaration": _declared_json(inc.declared) if inc.declared else None,
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
        # The name of every page and component the planned payloads name, from the snapshot.
        "names": names_json(names, payloads),
    }


def render_json_plan(plan: Plan, names: Snapshot | None = None) -> str:
    return json_text(plan_json(plan, names=names))


# --- the plan command's views: each returns its output and the exit status ----------------------------


def plan_status(plan: Plan, detailed: bool) -> int:
    """1 on errors; with --detailed-exitcode, 2 when something would be posted."""
    return 1 if plan.errors else 2 if detailed and plan.has_changes else 0


def plan_text(plan: Plan, names: Snapshot | None, detailed: bool, colour: bool = False) -> View:
    return render_text_plan(plan, colour, names), plan_status(plan, detailed)


def plan_markdown(plan: Plan, names: Snapshot | None, detailed: bool) -> View:
    return render_markdown_plan(plan, names), plan_status(plan, detailed)


def plan_json_view(plan: Plan, names: Snapshot | None, detailed: bool) -> View:
    return render_json_plan(plan, names), plan_status(plan, detailed)


def plan_github(
    plan: Plan, names: Snapshot | None, detailed: bool, validated: Sequence[Diagnostic] = ()
) -> View:
    """Validation's annotations on the diff lines, then the plan as text for the log (the Markdown, in the
    job summary, lists the plan's own findings)."""
    return render_github(validated) + render_text_plan(plan, False, names), plan_status(plan, detailed)


@dataclass(frozen=True, slots=True)
class NoPlan:
    """Why no plan could be made: the statusfiles, the lint configuration, the ledger or the snapshot."""

    trouble: str
    diagnostics: Sequence[Diagnostic]
    checked: int
    failed: int

    @property
    def errors(self) -> int:
        return count_errors(self.diagnostics)


def no_plan_text(no: NoPlan, colour: bool = False) -> View:
    return render_text(no.diagnostics, colour) + f"No plan: {no.trouble}\n", 1


def no_plan_markdown(no: NoPlan) -> View:
    return render_markdown_refusal("statusfiles plan", no.trouble, no.diagnostics), 1


def no_plan_json(no: NoPlan) -> View:
    summary = {
        "files_checked": no.checked,
        "files_failed": no.failed,
        "errors": no.errors,
    }
    return render_json(no.diagnostics, summary), 1


def no_plan_github(no: NoPlan) -> View:
    return render_github(no.diagnostics) + f"No plan: {no.trouble}\n", 1
