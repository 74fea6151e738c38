"""A scripted HTTP server on 127.0.0.1 that answers whatever a test tells it to, however wrong.

By default it serves one status page incident correctly (GET it, POST updates
to it); a test then scripts the misbehaviour it wants for the requests that
match a method and path prefix: a body of the wrong shape, an echo of the
Authorization header, a response dripped a byte at a time, a body larger than
any client should read. It speaks raw HTTP/1.1 over sockets so that nothing
it sends is tidied up on the way, and it records every request it receives.

Waits inside the server (between dripped bytes) end at once when the server
stops or the client goes away; tests never sleep.
"""

from __future__ import annotations

import abc
import contextlib
import gzip
import json
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from tests.support.payloads import INCIDENT

DRIP_INTERVAL = 0.1  # seconds between dripped bytes: far below any --timeout the CLI accepts (>= 1 s)


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]  # names lower-cased
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class Reply(abc.ABC):
    """Something to send back: ``send`` writes it on the connection (and may take as long as it likes)."""

    @abc.abstractmethod
    def send(self, conn: socket.socket, server: Hostile) -> None: ...


@dataclass
class Raw(Reply):
    """A complete response: status, body as given (an object becomes JSON), headers, then close."""

    status: int
    body: Any = b""
    headers: dict[str, str] = field(default_factory=dict)

    def send(self, conn: socket.socket, server: Hostile) -> None:
        body = self.body
        content_type = "text/html; charset=utf-8"
        if not isinstance(body, bytes | str):
            body, content_type = json.dumps(body), "application/json"
        data = body.encode() if isinstance(body, str) else body
        # One request per connection, said out loud: a client must never reuse a socket this server closes.
        headers = {"Content-Type": content_type, "Content-Length": str(len(data)), "Connection": "close"}
        headers |= self.headers
        conn.sendall(_head(self.status, headers) + data)


@dataclass
class Drip(Reply):
    """A response sent one byte per DRIP_INTERVAL, for ever (until the client hangs up or the server stops).

    ``stage="headers"`` drips the header block itself; ``"body"`` sends the
    headers at once, announcing a body far longer than will ever be sent.
    """

    stage: str = "body"

    def send(self, conn: socket.socket, server: Hostile) -> None:
        # A length within any size cap: 10 bytes a second would take more than a day to send it.
        head = _head(
            200, {"Content-Type": "application/json", "Content-Length": str(10**6), "Connection": "close"}
        )
        if self.stage == "body":
            conn.sendall(head)
            stream: Iterator[bytes] = _forever(b" ")
        else:
            stream = _forever(head[:-4], b"X-Padding: x")  # the blank line that ends the headers never comes
        for piece in stream:
            for i in range(len(piece)):
                if server.stopping.wait(DRIP_INTERVAL):
                    return
                conn.sendall(piece[i : i + 1])


@dataclass
class Huge(Reply):
    """A 200 whose body is ``size`` bytes: declared up front, close-delimited, or gzip that inflates to it."""

    size: int
    framing: str = "content-length"  # or "close", or "gzip"

    def send(self, conn: socket.socket, server: Hostile) -> None:
        chunk = b" " * 65536
        headers = {"Content-Type": "application/json", "Connection": "close"}
        if self.framing == "gzip":
            data = gzip.compress(b" " * self.size, compresslevel=1)
            headers |= {"Content-Encoding": "gzip", "Content-Length": str(len(data))}
            conn.sendall(_head(200, headers))
            chunks: Iterator[bytes] = (data[i : i + 65536] for i in range(0, len(data), 65536))
        else:
            if self.framing == "content-length":
                headers["Content-Length"] = str(self.size)
            conn.sendall(_head(200, headers))
            chunks = (chunk for _ in range(self.size // len(chunk)))
        for piece in chunks:
            if server.stopping.is_set():
                return
            conn.sendall(piece)
            server.sent_body += len(piece)


def _forever(*pieces: bytes) -> Iterator[bytes]:
    yield from pieces[:-1]
    while True:
        yield pieces[-1]


def _head(status: int, headers: dict[str, str]) -> bytes:
    lines = [f"HTTP/1.1 {status} Scripted", *(f"{k}: {v}" for k, v in headers.items()), "", ""]
    return "\r\n".join(lines).encode()


Script = Callable[[Request, "Hostile"], Reply | None]  # None: serve it as the well-behaved page would


class Hostile:
    """The server. ``script(method, path_prefix, reply_or_callable, times=None)`` sets a misbehaviour."""

    def __init__(self, incident: str = INCIDENT) -> None:
        self.incident = incident
        self.updates: list[dict[str, Any]] = []  # newest last
        self.requests: list[Request] = []
        self.stopping = threading.Event()
        self.sent_body = 0  # body bytes sent by Huge replies
        self._scripts: list[tuple[str, str, Script, list[int | None]]] = []
        self._lock = threading.Lock()
        self._conns: list[socket.socket] = []
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.base_url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def __enter__(self) -> Hostile:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        _close(self._listener)  # shutdown wakes the accepting thread
        with self._lock:
            for conn in self._conns:
                _close(conn)
        self._thread.join(timeout=10)

    def script(self, method: str, path: str, reply: Reply | Script, times: int | None = None) -> None:
        """Answer requests matching ``method`` and the ``path`` prefix with ``reply`` (``times``: then stop).

        The latest matching script answers; a callable returning None passes the request on.
        """
        handler: Script = reply if callable(reply) and not isinstance(reply, Reply) else (lambda r, s: reply)
        self._scripts.append((method, path, handler, [times]))

    def seen(self, method: str) -> list[Request]:
        return [r for r in self.requests if r.method == method]

    # --- the well-behaved page -----------------------------------------------------

    def store(self, request: Request) -> dict[str, Any]:
        """Apply a POSTed update as the API would, and return it as the API shows it."""
        body = request.json()
        with self._lock:
            update = {
                "id": f"01UPDATE{len(self.updates):018d}",
                "status_page_incident_id": body["status_page_incident_id"],
                "published_at": f"2026-11-27T10:00:{len(self.updates):02d}.000000Z",
                "message": body["message"],
                "incident_status": body.get("incident_status", "investigating"),
                "component_statuses": body.get("component_statuses", []),
            }
            self.updates.append(update)
        return update

    def incident_body(self) -> dict[str, Any]:
        with self._lock:
            updates = list(reversed(self.updates))
        return {
            "status_page_incident": {
                "id": self.incident,
                "status_page_id": "01PAGE",
                "name": "Scripted incident",
                "published_at": "2026-11-27T09:00:00.000000Z",
                "incident_status": updates[0]["incident_status"] if updates else "investigating",
                "updates": updates,
                "component_impacts": [],
            }
        }

    def _well_behaved(self, request: Request) -> Reply:
        if request.method == "GET" and request.path == f"/v2/status_page_incidents/{self.incident}":
            return Raw(200, self.incident_body())
        if request.method == "POST" and request.path == "/v2/status_page_incident_updates":
            return Raw(201, {"status_page_incident_update": self.store(request)})
        return Raw(404, {"type": "not_found", "status": 404, "errors": [{"code": "not_found"}]})

    # --- plumbing -------------------------------------------------------------------

    def _accept(self) -> None:
        while not self.stopping.is_set():
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                self._conns.append(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            request = _read_request(conn)
            if request is None:
                return
            with self._lock:
                self.requests.append(request)
            self._reply_for(request).send(conn, self)
        except OSError:
            pass  # the client hung up: what a dripping reply waits for
        finally:
            _close(conn)

    def _reply_for(self, request: Request) -> Reply:
        for method, prefix, handler, left in reversed(self._scripts):  # the latest script wins
            if request.method != method or not request.path.startswith(prefix) or left[0] == 0:
                continue
            if left[0] is not None:
                left[0] -= 1
            reply = handler(request, self)
            if reply is not None:
                return reply
        return self._well_behaved(request)


def _read_request(conn: socket.socket) -> Request | None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    request_line, *lines = head.decode("latin-1").split("\r\n")
    method, path, _ = request_line.split(" ", 2)
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        body += chunk
    return Request(method, path, headers, body)


def _close(conn: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already gone
        conn.shutdown(socket.SHUT_RDWR)
    conn.close()


class RecordingProxy:
    """A loopback "proxy" that records every byte it is sent and answers 502: it never forwards anything."""

    def __init__(self) -> None:
        self.received = bytearray()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._lock = threading.Lock()

    def __enter__(self) -> RecordingProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        _close(self._listener)
        self._thread.join(timeout=10)

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            with conn:
                data = b""
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    data += chunk
                with self._lock:
                    self.received += data
                conn.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")

    def text(self) -> str:
        with self._lock:
            return self.received.decode("latin-1")
