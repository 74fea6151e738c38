"""A local stand-in for incident.io's Status Pages V2 API, for the demo and as the tests' real server.

``statusfiles sandbox`` runs it from the command line; tests start it in-process::

    with Sandbox(SandboxConfig(api_key="k")) as sb:
        httpx.get(f"{sb.base_url}/v2/status_pages", headers={"Authorization": "Bearer k"})
"""

from sync.sandbox.server import Fault, Sandbox, SandboxConfig

__all__ = ["Fault", "Sandbox", "SandboxConfig"]
