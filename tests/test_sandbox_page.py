"""The sandbox's HTML status page."""

from __future__ import annotations

import re

from sync.sandbox import Sandbox
from sync.sandbox.pages import Group
from sync.sandbox.seed import INTERNAL_PAGE_ID, VPN_ID, WEBHOOKS_ID
from tests.support.sandbox_api import MAINTENANCES, UPDATES, Api, maintenance_body, statuses, update


def test_the_html_page_shows_updates_escaped(api: Api, sandbox: Sandbox) -> None:
    api.post(
        UPDATES,
        json=update(
            "<script>alert(1)</script> & more", component_statuses=statuses(**{WEBHOOKS_ID: "full_outage"})
        ),
    )
    r = api.client.get("/")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    page = r.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in page
    assert "<script>" not in page
    for text in [
        "Acme Cloud",
        "Elevated API error rates",
        "Slow dashboards in the EU",
        "Webhooks",
        "Full outage",
    ]:
        assert text in page
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)  # self-contained


def test_the_html_page_shows_maintenance_windows_and_every_objects_id(api: Api, sandbox: Sandbox) -> None:
    body = maintenance_body(
        "page",
        name="Network <b>swap</b>",
        maintenance_status="maintenance_in_progress",
        affected_component_ids=[VPN_ID],
    )
    window = api.post(MAINTENANCES, json=body | {"status_page_id": INTERNAL_PAGE_ID}).json()
    running = window["status_page_maintenance"]
    page = api.client.get("/").text
    assert "Network &lt;b&gt;swap&lt;/b&gt;" in page
    assert "Database hardware upgrade" in page
    assert "Under maintenance" in page  # the VPN's status while its window runs
    assert "2030-01-28T10:00:00.000000Z" in page
    state = sandbox.state
    ids = [p.id for p in state.status_pages]
    ids += [item.id for p in state.status_pages for item in p.items if isinstance(item, Group)]
    ids += [c.component_id for p in state.status_pages for c in p.components()]
    ids += [x.id for i in state.incidents.values() for x in (i, *i.updates)]
    ids += [x.id for m in state.maintenances.values() for x in (m, *m.updates)]
    assert running["id"] in ids and len(ids) == 18  # 2 pages, 2 groups, 6 components, 4 + 4 objects
    assert [i for i in ids if i not in page] == []
