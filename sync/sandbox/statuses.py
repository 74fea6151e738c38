"""Every status the API knows, in one place (a test checks them against the vendored spec's enums)."""

from __future__ import annotations

INCIDENT_STATUSES = ("investigating", "identified", "monitoring", "resolved")
# Worst last: the order a status page uses to show a component hit by several incidents.
COMPONENT_STATUSES = ("operational", "degraded_performance", "partial_outage", "full_outage")
MAINTENANCE_STATUSES = ("maintenance_scheduled", "maintenance_in_progress", "maintenance_complete")
MAINTENANCE_COMPONENT_STATUSES = ("operational", "under_maintenance")

OPERATIONAL = "operational"
RESOLVED = "resolved"
UNDER_MAINTENANCE = "under_maintenance"
SCHEDULED, IN_PROGRESS, COMPLETE = MAINTENANCE_STATUSES
