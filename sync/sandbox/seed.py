"""Demo data matching the repository's example statusfiles, so ``statusfiles sync`` has somewhere to post.

The IDs are the ones the example statusfiles (and the vendor's docs) use. Each
incident already holds the update that opened it, with a message no example
statusfile has, so a sync that compares messages never mistakes it for one of
theirs.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sync.sandbox.state import (
    Component,
    Group,
    Incident,
    State,
    StatusPage,
    Update,
    timestamp,
    track_impacts,
)

STATUS_PAGE_ID = "01FCNDV6P870EA6S7TK1DSYDG0"
API_INCIDENT_ID = "01FCNDV6P870EA6S7TK1DSYDG1"
PUBLIC_API_ID = "01FCNDV6P870EA6S7TK1DSYDG2"
DASHBOARD_INCIDENT_ID = "01FCNDV6P870EA6S7TK1DSYDG3"
DASHBOARD_EU_ID = "01FCNDV6P870EA6S7TK1DSYDG4"
WEBHOOKS_ID = "01FCNDV6P870EA6S7TK1DSYDG5"
DASHBOARDS_GROUP_ID = "01FCNDV6P870EA6S7TK1DSYDG6"


def _opened(
    incident_id: str, update_id: str, name: str, component_id: str, message: str, at: datetime
) -> Incident:
    """An incident holding the one update that opened it, built directly so that its IDs stay fixed."""
    stamp = timestamp(at)
    statuses = {component_id: "degraded_performance"}
    first = Update(
        id=update_id,
        status_page_incident_id=incident_id,
        published_at=stamp,
        message=message,
        incident_status="investigating",
        component_statuses=[{"component_id": c, "component_status": s} for c, s in statuses.items()],
        notify_subscribers=True,
    )
    incident = Incident(incident_id, STATUS_PAGE_ID, name, stamp, [first])
    track_impacts(incident.component_impacts, statuses, stamp)
    return incident


def seed_state(now: datetime) -> State:
    """The Acme Cloud status page with two open incidents, opened an hour and a day before ``now``."""
    page = StatusPage(
        STATUS_PAGE_ID,
        "Acme Cloud",
        "https://status.acme.example/",
        [
            Component(PUBLIC_API_ID, "Public API"),
            Group(DASHBOARDS_GROUP_ID, "Dashboards", [Component(DASHBOARD_EU_ID, "Dashboard (EU)")]),
            Component(WEBHOOKS_ID, "Webhooks"),
        ],
    )
    dashboards = _opened(
        DASHBOARD_INCIDENT_ID,
        "01FCNDV6P870EA6S7TK1DSYDG7",
        "Slow dashboards in the EU",
        DASHBOARD_EU_ID,
        "Some customers in Europe tell us dashboards take a long time to load. We are looking into it.",
        now - timedelta(days=1),
    )
    api = _opened(
        API_INCIDENT_ID,
        "01FCNDV6P870EA6S7TK1DSYDG8",
        "Elevated API error rates",
        PUBLIC_API_ID,
        "Some API requests are failing with server errors. Our engineers are looking into it.",
        now - timedelta(hours=1),
    )
    return State([page], {dashboards.id: dashboards, api.id: api})
