"""The status page as subscribers see it, with every object's ID beside it for the people writing statusfiles:
one self-contained HTML document, every text escaped."""

from __future__ import annotations

import html
from collections.abc import Iterable

from sync.sandbox.incidents import Incident
from sync.sandbox.maintenances import Maintenance
from sync.sandbox.pages import Group, StatusPage
from sync.sandbox.state import State
from sync.sandbox.statuses import (
    COMPLETE,
    COMPONENT_STATUSES,
    IN_PROGRESS,
    OPERATIONAL,
    RESOLVED,
    UNDER_MAINTENANCE,
)

_CSS = """
body { font: 16px/1.5 system-ui, sans-serif; max-width: 46rem; margin: 2rem auto; padding: 0 1rem; }
h1 { margin-bottom: .25rem; } h2 { margin: 0; font-size: 1.15rem; } h3 { margin: 1.5rem 0 .5rem; }
.muted, .id { color: #666; font-size: .9rem; } .id { font-family: ui-monospace, monospace; }
.components { list-style: none; padding: 0; border: 1px solid #ddd; border-radius: 6px; }
.components li { display: flex; justify-content: space-between; gap: 1rem; padding: .5rem .75rem; }
.components li + li { border-top: 1px solid #eee; } .components .member { padding-left: 2rem; }
article { border: 1px solid #ddd; border-radius: 6px; padding: .75rem 1rem; margin: 1rem 0; }
ol { list-style: none; padding: 0; } ol li { border-top: 1px solid #eee; padding: .5rem 0; }
.message { white-space: pre-wrap; margin: .25rem 0; }
.operational { color: #1a7f37; } .degraded_performance { color: #9a6700; }
.partial_outage { color: #bc4c00; } .full_outage { color: #cf222e; } .under_maintenance { color: #0969da; }
"""
# Worse is later: under maintenance is shown over operational, and any outage over maintenance.
_SEVERITY = (OPERATIONAL, UNDER_MAINTENANCE, *COMPONENT_STATUSES[1:])

e = html.escape


def _severity(status: str) -> int:
    """Worse is greater; a status this sandbox does not know counts as the worst."""
    return _SEVERITY.index(status) if status in _SEVERITY else len(_SEVERITY)


def _label(status: str) -> str:
    return status.removeprefix("maintenance_").replace("_", " ").capitalize()


def _status(status: str) -> str:
    # The status goes into a class attribute too: escape it, an unknown one included.
    return f'<span class="{e(status)}">{e(_label(status))}</span>'


def _id(ident: str) -> str:
    return f'<span class="id">{e(ident)}</span>'


def _time(stamp: str) -> str:
    return f'<time datetime="{e(stamp)}">{e(stamp)}</time>'


def _current(
    page: StatusPage, incidents: Iterable[Incident], windows: Iterable[Maintenance]
) -> dict[str, str]:
    """Each component's status now: the worst any open incident or running maintenance gives it."""
    current = {c.component_id: OPERATIONAL for c in page.components()}
    affecting = [i.component_statuses() for i in incidents if i.incident_status != RESOLVED]
    affecting += [m.component_statuses() for m in windows if m.maintenance_status == IN_PROGRESS]
    for statuses in affecting:
        for cid, status in statuses.items():
            current[cid] = max(current.get(cid, OPERATIONAL), status, key=_severity)
    return current


def _structure(page: StatusPage, current: dict[str, str]) -> list[str]:
    out = ['<ul class="components">']
    for item in page.items:
        members = item.components if isinstance(item, Group) else [item]
        if isinstance(item, Group):
            out.append(f"<li><strong>{e(item.name)}</strong>{_id(item.id)}</li>")
        for c in members:
            css = ' class="member"' if isinstance(item, Group) else ""
            name = f"<span>{e(c.name)} {_id(c.component_id)}</span>"
            out.append(f"<li{css}>{name}{_status(current[c.component_id])}</li>")
    out.append("</ul>")
    return out


def _affected(names: dict[str, str], statuses: Iterable[dict[str, str]]) -> str:
    text = ", ".join(
        f"{e(names.get(c['component_id'], c['component_id']))}: {_status(c['component_status'])}"
        for c in statuses
    )
    return f'<div class="muted">{text}</div>' if text else ""


# An update as shown: ID, status, published at, message, component statuses.
Shown = tuple[str, str, str, str, list[dict[str, str]]]


def _updates(names: dict[str, str], updates: Iterable[Shown]) -> str:
    """The updates, newest first."""
    rows = [
        f'<li><strong>{_status(status)}</strong> <span class="muted">{_time(at)}</span> {_id(ident)}'
        f'<div class="message">{e(message)}</div>{_affected(names, statuses)}</li>'
        for ident, status, at, message, statuses in reversed(list(updates))
    ]
    return "<ol>" + "".join(rows) + "</ol>"


def _maintenance(window: Maintenance, names: dict[str, str]) -> str:
    affected = ", ".join(e(names.get(cid, cid)) for cid in window.affected_component_ids)
    automated = " · moves itself on schedule" if window.automate_maintenance_status else ""
    updates = (
        (u.id, u.maintenance_status, u.published_at, u.message, u.component_statuses) for u in window.updates
    )
    return (
        f"<article><h2>{e(window.name)}</h2>"
        f'<p class="muted">{_status(window.maintenance_status)} · {_time(window.start_at)} to '
        f"{_time(window.end_at)}{automated}<br>{affected or 'No components'} · {_id(window.id)}</p>"
        f"{_updates(names, updates)}</article>"
    )


def _incident(incident: Incident, names: dict[str, str]) -> str:
    updates = (
        (u.id, u.incident_status, u.published_at, u.message, u.component_statuses) for u in incident.updates
    )
    return (
        f"<article><h2>{e(incident.name)}</h2>"
        f'<p class="muted">{_status(incident.incident_status)} · opened {_time(incident.published_at)} · '
        f"{_id(incident.id)}</p>{_updates(names, updates)}</article>"
    )


def render_html(state: State) -> str:
    """Every status page: its components, maintenance windows and incidents (newest first), with IDs."""
    out = [
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>Status pages (statusfiles sandbox)</title><style>{_CSS}</style></head><body>",
    ]
    for page in state.status_pages:
        names = {c.component_id: c.name for c in page.components()}
        incidents = [i for i in reversed(state.incidents.values()) if i.status_page_id == page.id]
        windows = [m for m in reversed(state.maintenances.values()) if m.status_page_id == page.id]
        out.append(f"<section><h1>{e(page.name)}</h1><p>{_id(page.id)}</p>")
        out += _structure(page, _current(page, incidents, windows))
        out.append("<h3>Maintenance</h3>")
        upcoming = [m for m in windows if m.maintenance_status != COMPLETE]
        out += [_maintenance(m, names) for m in upcoming + [m for m in windows if m not in upcoming]]
        if not windows:
            out.append('<p class="muted">No maintenance windows.</p>')
        out.append("<h3>Incidents</h3>")
        out += [_incident(i, names) for i in incidents]
        if not incidents:
            out.append('<p class="muted">No incidents.</p>')
        out.append("</section>")
    if not state.status_pages:
        out.append('<p class="muted">No status pages.</p>')
    out.append("</body></html>\n")
    return "".join(out)
