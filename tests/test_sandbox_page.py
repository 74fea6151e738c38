"""The sandbox's HTML status page."""

from __future__ import annotations

import re

from sandbox_client import (
    UPDATES,
    Api,
    statuses,
    update,
)

from sync.sandbox import Sandbox
from sync.sandbox.seed import (
    WEBHOOKS_ID,
)


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
