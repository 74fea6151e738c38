"""The sandbox's HTTP server: keep-alive HTTP/1.1 on a background thread, stopped at once when asked.

``Sandbox`` is what tests and ``statusfiles sandbox`` use; :class:`~sync.sandbox.app.App` does the rest.
"""

from __future__ import annotations

import contextlib
import socket
import socketserver
import sys
import threading
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TextIO

from sync.sandbox.app import App, SandboxConfig
from sync.sandbox.faults import Fault
from sync.sandbox.refusals import ErrorSingle, Refusal
from sync.sandbox.routes import Reply
from sync.sandbox.state import State

MAX_BODY_BYTES = 1 << 20


class _Handler(BaseHTTPRequestHandler):
    # HTTP/1.1 with Content-Length on every reply keeps connections alive, as clients expect.
    protocol_version = "HTTP/1.1"
    server_version = "statusfiles-sandbox"
    sys_version = ""
    disable_nagle_algorithm = True  # headers and body go out as two writes; don't let Nagle hold the second
    timeout = 120  # an idle keep-alive connection is closed in the end
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection, add=True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.track(self.connection, add=False)

    def _dispatch(self) -> None:
        app = self.server.app
        body = self._read_body()
        if body is None:
            self.close_connection = True
            return
        req = app.request(self.command, self.path, self.headers, body if isinstance(body, bytes) else b"")
        if isinstance(body, Refusal):
            self.close_connection = True  # the unread body makes the rest of the stream meaningless
            self._send(app.error_reply(req, body))
            return
        reply = app.handle(req)
        if reply is None:
            self.close_connection = True  # a drop fault: no response at all
            return
        self._send(reply)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _dispatch

    def _read_body(self) -> bytes | Refusal | None:
        """The request body; a refusal when it cannot be read; None when the client went away."""
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            return Refusal(
                400, [ErrorSingle("invalid_request", "send the body with a Content-Length header")]
            )
        length = (self.headers.get("Content-Length") or "0").strip()
        if not length.isdigit():
            return Refusal(
                400, [ErrorSingle("invalid_request", f"Content-Length {length!r} is not a number")]
            )
        if int(length) > MAX_BODY_BYTES:
            message = f"the request body is larger than {MAX_BODY_BYTES} bytes"
            return Refusal(413, [ErrorSingle("payload_too_large", message)])
        body = self.rfile.read(int(length))
        return body if len(body) == int(length) else None

    def _send(self, reply: Reply) -> None:
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(reply.body)

    def log_message(self, format: str, *args: Any) -> None:
        # The request line and status only: never a header, so never the API key.
        if self.server.app.log is not None:
            self.server.app.write_log(f"{self.address_string()} {format % args}")


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # a handler blocked on a client never keeps the process alive
    block_on_close = False
    request_queue_size = 128  # benchmarks open many connections at once

    def __init__(self, address: tuple[str, int], app: App) -> None:
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.app = app
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind looks up the host's FQDN, which can stall on DNS; nothing here needs it.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)

    def track(self, conn: socket.socket, *, add: bool) -> None:
        with self._connections_lock:
            if add:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)

    def close_connections(self) -> None:
        """Wake every handler waiting on an idle keep-alive connection, so that stopping is immediate."""
        with self._connections_lock:
            conns = list(self._connections)
        for conn in conns:
            with contextlib.suppress(OSError):  # already closed by the client
                conn.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            return  # the client went away or idled out: nothing to report
        self.app.write_log(traceback.format_exc())


class Sandbox:
    """The sandbox on a background thread: ``with Sandbox(SandboxConfig()) as sb: ... sb.base_url``."""

    def __init__(self, config: SandboxConfig | None = None, *, log: TextIO | None = None) -> None:
        self.config = config or SandboxConfig()
        self._app = App(self.config, log)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> Sandbox:
        if self._server is not None:
            raise RuntimeError("the sandbox is already running")
        self._server = _Server((self.config.host, self.config.port), self._app)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            # How long stop() may wait for the accept loop: short, since tests start and stop it a lot.
            kwargs={"poll_interval": 0.02},
            name="statusfiles-sandbox",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        self._app.stopping.set()
        server.shutdown()
        server.close_connections()
        server.server_close()
        if self._thread is not None:
            self._thread.join()

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("the sandbox is not running")
        address, port = self._server.server_address[:2]
        host = str(address)  # a str for the IPv4 and IPv6 sockets the sandbox binds
        return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"

    @property
    def state(self) -> State:
        return self._app.state

    def add_fault(self, fault: Fault) -> None:
        self._app.add_fault(fault)

    def clear_faults(self) -> int:
        return self._app.clear_faults()

    def wait_struck(self, count: int, timeout: float = 60.0) -> bool:
        """Block until ``count`` faults have struck since the sandbox started: a fault is a sync point.

        A ``delay`` fault has struck once its request is held (for stage "after", once it is stored).
        """
        return self._app.wait_struck(count, timeout)

    def faults(self) -> list[Fault]:
        return self._app.faults()

    def updates(self, incident_id: str) -> list[dict[str, Any]]:
        """The incident's stored updates as the API shows them, in posting order."""
        return self._app.updates(incident_id)

    def maintenance_updates(self, maintenance_id: str) -> list[dict[str, Any]]:
        """The maintenance window's stored updates as the API shows them, in posting order."""
        return self._app.maintenance_updates(maintenance_id)

    def requests(self) -> list[dict[str, Any]]:
        """The request log, oldest first: method, path, parsed body, status (None if dropped), fault."""
        return self._app.requests()

    def reset(self) -> None:
        self._app.reset()
