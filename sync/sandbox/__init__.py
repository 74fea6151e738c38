"""A local stand-in for incident.io's Status Pages V2 API, for the demo and as the tests' real server.

``statusfiles sandbox`` runs it from the command line; tests start it in-process::

    with Sandbox(SandboxConfig(api_key="k")) as sb:
        httpx.get(f"{sb.base_url}/v2/status_pages", headers={"Authorization": "Bearer k"})

Modules: ``state`` (the model and its file), ``seed`` (the demo data),
``bodies`` (request checks), ``routes`` (what each endpoint does), ``faults``,
``ratelimit``, ``app`` (auth, limits, faults, the request log), ``page`` (the
HTML status page) and ``server`` (HTTP).
"""

from sync.sandbox.app import SandboxConfig
from sync.sandbox.faults import Fault
from sync.sandbox.server import Sandbox

__all__ = ["Fault", "Sandbox", "SandboxConfig"]
