"""Which hosts are this machine: where plain HTTP and an unauthenticated server are acceptable."""

from __future__ import annotations

import ipaddress


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 and localhost: traffic that never leaves the machine.

    Not a name under .localhost: RFC 6761 reserves them for loopback, but a resolver that does not follow it
    asks DNS, whose answer could send the API key in the clear anywhere.
    """
    host = host.strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # any other name may resolve anywhere
