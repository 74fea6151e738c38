"""The status page as subscribers see it: one self-contained HTML document, every text escaped."""

from __future__ import annotations

import html

from sync.sandbox.state import COMPONENT_STATUSES, OPERATIONAL, RESOLVED, State

_CSS = """
body { font: 16px/1.5 system-ui, sans-serif; max-width: 46rem; margin: 2rem auto; padding: 0 1rem; }
h1 { margin-bottom: .25rem; } h2 { margin: 0; font-size: 1.15rem; }
.muted { color: #666; font-size: .9rem; }
.components { list-style: none; padding: 0; border: 1px solid #ddd; border-radius: 6px; }
.components li { display: flex; justify-content: space-between; padding: .5rem .75rem; }
.components li + li { border-top: 1px solid #eee; }
article { border: 1px solid #ddd; border-radius: 6px; padding: .75rem 1rem; margin: 1rem 0; }
ol { list-style: none; padding: 0; } ol li { border-top: 1px solid #eee; padding: .5rem 0; }
.message { white-space: pre-wrap; margin: .25rem 0; }
.operational { color: #1a7f37; } .degraded_performance { color: #9a6700; }
.partial_outage { color: #bc4c00; } .full_outage { color: #cf222e; }
"""


def _severity(status: str) -> int:
    """Worse is greater; a status this sandbox does not know counts as the worst."""
    return COMPONENT_STATUSES.index(status) if status in COMPONENT_STATUSES else len(COMPONENT_STATUSES)


def _label(status: str) -> str:
    return status.replace("_", " ").capitalize()


def _status(status: str) -> str:
    # The status goes into a class attribute too: escape it, an unknown one included.
    return f'<span class="{html.escape(status)}">{html.escape(_label(status))}</span>'


def render_html(state: State) -> str:
    """Every status page with its components and incidents, newest first, all text escaped."""
    e = html.escape
    out = [
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>Status pages (statusfiles sandbox)</title><style>{_CSS}</style></head><body>",
    ]
    for page in state.status_pages:
        names = {c.component_id: c.name for c in page.components()}
        incidents = [i for i in reversed(state.incidents.values()) if i.status_page_id == page.id]
        current = dict.fromkeys(names, OPERATIONAL)
        for incident in incidents:
            if incident.incident_status != RESOLVED:
                for cid, status in incident.component_statuses().items():
                    current[cid] = max(current.get(cid, OPERATIONAL), status, key=_severity)
        out.append(f'<section><h1>{e(page.name)}</h1><ul class="components">')
        out += [f"<li><span>{e(names[cid])}</span>{_status(current[cid])}</li>" for cid in names]
        out.append("</ul>")
        if not incidents:
            out.append('<p class="muted">No incidents.</p>')
        for incident in incidents:
            out.append(
                f"<article><h2>{e(incident.name)}</h2>"
                f'<p class="muted">{_status(incident.incident_status)} · opened '
                f'<time datetime="{e(incident.published_at)}">{e(incident.published_at)}</time></p><ol>'
            )
            for update in reversed(incident.updates):
                affected = ", ".join(
                    f"{e(names.get(c['component_id'], c['component_id']))}: {_status(c['component_status'])}"
                    for c in update.component_statuses
                )
                out.append(
                    f"<li><strong>{_status(update.incident_status)}</strong> "
                    f'<time class="muted" datetime="{e(update.published_at)}">{e(update.published_at)}</time>'
                    f'<div class="message">{e(update.message)}</div>'
                    + (f'<div class="muted">{affected}</div>' if affected else "")
                    + "</li>"
                )
            out.append("</ol></article>")
        out.append("</section>")
    if not state.status_pages:
        out.append('<p class="muted">No status pages.</p>')
    out.append("</body></html>\n")
    return "".join(out)
