"""Demo data matching the repository's example statusfiles, so ``statusfiles sync`` has somewhere to post.

The IDs are the ones the example statusfiles (and the vendor's docs) use; new
objects get new fixed IDs, so nothing that names an old one breaks. Each
incident and maintenance window already holds the update that opened it, with
a message no example statusfile has, so a sync that compares messages never
mistakes it for one of theirs. A second, smaller page shows that components
belong to one page.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sync.sandbox.ids import timestamp
from sync.sandbox.incidents import Incident, Update, track_impacts
from sync.sandbox.maintenances import Maintenance, MaintenanceUpdate
from sync.sandbox.pages import Component, Group, StatusPage
from sync.sandbox.state import State
from sync.sandbox.statuses import SCHEDULED

STATUS_PAGE_ID = "01FCNDV6P870EA6S7TK1DSYDG0"
API_INCIDENT_ID = "01FCNDV6P870EA6S7TK1DSYDG1"
PUBLIC_API_ID = "01FCNDV6P870EA6S7TK1DSYDG2"
DASHBOARD_INCIDENT_ID = "01FCNDV6P870EA6S7TK1DSYDG3"
DASHBOARD_EU_ID = "01FCNDV6P870EA6S7TK1DSYDG4"
WEBHOOKS_ID = "01FCNDV6P870EA6S7TK1DSYDG5"
DASHBOARDS_GROUP_ID = "01FCNDV6P870EA6S7TK1DSYDG6"
DASHBOARD_US_ID = "01FCNDV6P870EA6S7TK1DSYDG9"
MAINTENANCE_ID = "01FCNDV6P870EA6S7TK1DSYDGA"
INTERNAL_PAGE_ID = "01FCNDV6P870EA6S7TK1DSYDGC"
CI_RUNNERS_ID = "01FCNDV6P870EA6S7TK1DSYDGD"
OFFICE_GROUP_ID = "01FCNDV6P870EA6S7TK1DSYDGE"
VPN_ID = "01FCNDV6P870EA6S7TK1DSYDGF"


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


def _scheduled(now: datetime) -> Maintenance:
    """A window two days ahead, for two hours, on the public API and webhooks; scheduled by hand."""
    affected = [PUBLIC_API_ID, WEBHOOKS_ID]
    first = MaintenanceUpdate(
        id="01FCNDV6P870EA6S7TK1DSYDGB",
        status_page_maintenance_id=MAINTENANCE_ID,
        published_at=timestamp(now - timedelta(hours=2)),
        message="We will move our primary database to new hardware. The API may be briefly read-only.",
        maintenance_status=SCHEDULED,
        component_statuses=[{"component_id": c, "component_status": "operational"} for c in affected],
        notify_subscribers=True,
    )
    start = (now + timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
    return Maintenance(
        id=MAINTENANCE_ID,
        status_page_id=STATUS_PAGE_ID,
        name="Database hardware upgrade",
        published_at=first.published_at,
        start_at=timestamp(start),
        end_at=timestamp(start + timedelta(hours=2)),
        affected_component_ids=affected,
        automate_maintenance_status=False,
        notify_subscribers=True,
        updates=[first],
    )


def seed_state(now: datetime) -> State:
    """Acme Cloud with two open incidents (opened an hour and a day before ``now``) and a scheduled
    maintenance window; and Acme Internal, with nothing going on."""
    page = StatusPage(
        STATUS_PAGE_ID,
        "Acme Cloud",
        "https://status.acme.example/",
        [
            Component(PUBLIC_API_ID, "Public API"),
            Group(
                DASHBOARDS_GROUP_ID,
                "Dashboards",
                [Component(DASHBOARD_EU_ID, "Dashboard (EU)"), Component(DASHBOARD_US_ID, "Dashboard (US)")],
            ),
            Component(WEBHOOKS_ID, "Webhooks"),
        ],
    )
    internal = StatusPage(
        INTERNAL_PAGE_ID,
        "Acme Internal",
        "https://status.internal.acme.example/",
        [
            Component(CI_RUNNERS_ID, "CI runners"),
            Group(OFFICE_GROUP_ID, "Office", [Component(VPN_ID, "VPN")]),
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
    window = _scheduled(now)
    return State([page, internal], {dashboards.id: dashboards, api.id: api}, {window.id: window})
