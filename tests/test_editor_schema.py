"""The generated schema in an editor: yaml-language-server (VS Code's YAML engine), driven over LSP.

The statusfile's modeline points the server at the schema; the test asks for what a person at the
keyboard gets: errors while typing, documentation on hover, completion of fields and enum values.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from queue import Empty, Queue
from typing import Any

import pytest

from tests.support.repo import REPO

SERVER = REPO / "scripts" / "yaml-language-server"
MODELINE = "# yaml-language-server: $schema=../../schemas/status-page-incident-update.schema.json\n"
SETTINGS = {"yaml": {"validate": True, "hover": True, "completion": True, "schemaStore": {"enable": False}}}
TIMEOUT = 60


class LanguageServer:
    """A minimal LSP client over stdio: requests by id, notifications into a queue."""

    def __init__(self, root: Path) -> None:
        self.proc = subprocess.Popen(
            [str(SERVER), "--stdio"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
        )
        self.next_id = 0
        self.replies: dict[int, Queue[Any]] = {}
        self.notifications: Queue[dict[str, Any]] = Queue()
        self.lock = threading.Lock()
        threading.Thread(target=self._read, daemon=True).start()
        self.request(
            "initialize",
            {
                "processId": None,
                "rootUri": root.as_uri(),
                "capabilities": {
                    "textDocument": {
                        "hover": {"contentFormat": ["markdown", "plaintext"]},
                        "completion": {"completionItem": {"snippetSupport": False}},
                    },
                    "workspace": {"configuration": True},
                },
            },
        )
        self.notify("initialized", {})
        self.notify("workspace/didChangeConfiguration", {"settings": SETTINGS})

    def _send(self, message: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        assert self.proc.stdin is not None
        with self.lock:
            self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
            self.proc.stdin.flush()

    def _read(self) -> None:
        out = self.proc.stdout
        assert out is not None
        while True:
            length = 0
            while (line := out.readline()) not in (b"\r\n", b""):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            if not line:
                return
            message = json.loads(out.read(length))
            if "method" in message and "id" in message:  # the server asks the client something
                result: Any = (
                    [SETTINGS["yaml"]] * len(message["params"]["items"])
                    if message["method"] == "workspace/configuration"
                    else None
                )
                self._send({"id": message["id"], "result": result})
            elif "method" in message:
                self.notifications.put(message)
            else:
                self.replies[message["id"]].put(message)

    def request(self, method: str, params: dict[str, Any]) -> Any:
        self.next_id += 1
        reply: Queue[Any] = Queue()
        self.replies[self.next_id] = reply
        self._send({"id": self.next_id, "method": method, "params": params})
        message = reply.get(timeout=TIMEOUT)
        assert "error" not in message, message
        return message["result"]

    def notify(self, method: str, params: dict[str, Any]) -> None:
        self._send({"method": method, "params": params})

    def open(self, path: Path, text: str) -> str:
        uri = path.as_uri()
        self.notify(
            "textDocument/didOpen",
            {"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": text}},
        )
        return uri

    def diagnostics(self, uri: str) -> list[dict[str, Any]]:
        """The first non-empty diagnostics published for ``uri``."""
        while True:
            try:
                message = self.notifications.get(timeout=TIMEOUT)
            except Empty:
                raise AssertionError(f"no diagnostics for {uri}") from None
            params = message.get("params", {})
            if (
                message["method"] == "textDocument/publishDiagnostics"
                and params["uri"] == uri
                and params["diagnostics"]
            ):
                return list(params["diagnostics"])

    def close(self) -> None:
        try:
            self.request("shutdown", {})
            self.notify("exit", {})
            self.proc.wait(timeout=10)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LanguageServer, Path]]:
    assert shutil.which("node"), "Node.js is needed to run yaml-language-server"
    root = tmp_path_factory.mktemp("editor")
    shutil.copytree(REPO / "schemas", root / "schemas")
    (root / "statusfiles" / "incident").mkdir(parents=True)
    ls = LanguageServer(root)
    yield ls, root
    ls.close()


def position(text: str, needle: str, offset: int = 0) -> dict[str, int]:
    before = text[: text.index(needle) + offset]
    return {"line": before.count("\n"), "character": len(before) - (before.rfind("\n") + 1)}


def test_typing_mistakes_are_underlined(server: tuple[LanguageServer, Path]) -> None:
    ls, root = server
    text = (
        MODELINE
        + "status_page_incident_id: 01ABC\nincident_status: fixed\nnotify_subscribers: true\nmesage: hi\n"
    )
    uri = ls.open(root / "statusfiles" / "incident" / "01-bad.yaml", text)
    found = {(d["range"]["start"]["line"], d["message"].split("\n")[0]) for d in ls.diagnostics(uri)}
    lines = {line for line, _ in found}
    assert 2 in lines, found  # incident_status: fixed is not one of the enum values
    assert 4 in lines, found  # mesage: not allowed (and message is missing)
    assert any("mesage" in message for _, message in found), found


def test_hover_shows_the_field_documentation(server: tuple[LanguageServer, Path]) -> None:
    ls, root = server
    text = (
        MODELINE
        + "status_page_incident_id: 01ABC\nincident_status: investigating\nnotify_subscribers: true\n"
        "message: hi\n"
    )
    uri = ls.open(root / "statusfiles" / "incident" / "02-hover.yaml", text)
    hover = ls.request(
        "textDocument/hover", {"textDocument": {"uri": uri}, "position": position(text, "incident_status", 3)}
    )
    contents = json.dumps(hover)
    assert "Optional new status for this status page incident" in contents


def test_completion_offers_fields_and_enum_values(server: tuple[LanguageServer, Path]) -> None:
    ls, root = server
    text = MODELINE + "status_page_incident_id: 01ABC\nincident_status: \n\n"
    uri = ls.open(root / "statusfiles" / "incident" / "03-complete.yaml", text)
    values = ls.request(
        "textDocument/completion",
        {"textDocument": {"uri": uri}, "position": position(text, "incident_status: ", 17)},
    )
    labels = {item["label"] for item in (values["items"] if isinstance(values, dict) else values)}
    assert {"investigating", "identified", "monitoring", "resolved"} <= labels
    keys = ls.request(
        "textDocument/completion", {"textDocument": {"uri": uri}, "position": {"line": 3, "character": 0}}
    )
    labels = {item["label"] for item in (keys["items"] if isinstance(keys, dict) else keys)}
    assert {"message", "notify_subscribers", "component_statuses"} <= labels


KIND_CASES = [
    # (schema file, file name, text after the modeline, the lines (0-based, modeline = 0) with errors)
    (
        "status-page-incident.schema.json",
        "incident.yaml",
        "status_page_id: 01P\nname: Elevated API errors\nincident_status: monitorin\n"
        "notify_subscribers: true\nidempotency_key: k\nmessage: hi\n",
        {3, 5},
    ),
    (
        "status-page-incident-folder-update.schema.json",
        "01-monitoring.yaml",
        "status_page_incident_id: 01ABC\nincident_status: monitoring\nnotify_subscribers: true\n"
        "message: hi\n",
        {1},
    ),
    (
        "status-page-maintenance.schema.json",
        "maintenance.yaml",
        "status_page_id: 01P\nname: Database upgrade\nmaintenance_status: maintenance_scheduled\n"
        "affected_component_ids: [01C]\nstart_at: '2026-12-01T10:00:00Z'\nend_at: '2026-12-01T12:00:00Z'\n"
        "notify_subscribers: true\nmessage: hi\nincident_status: resolved\n",
        {9},
    ),
    (
        "status-page-maintenance-update.schema.json",
        "01-started.yaml",
        "maintenance_status: maintenance_in_progress\nnotify_subscribers: true\ncomponent_statuses:\n"
        "  - component_id: 01C\n    component_status: degraded_performance\nmessage: hi\n",
        {5},
    ),
]


@pytest.mark.parametrize(("schema_file", "name", "body", "lines"), KIND_CASES, ids=[c[1] for c in KIND_CASES])
def test_each_kind_has_its_schema_in_the_editor(
    server: tuple[LanguageServer, Path], schema_file: str, name: str, body: str, lines: set[int]
) -> None:
    ls, root = server
    folder = root / "statusfiles" / f"kind-{name.removesuffix('.yaml')}"
    text = f"# yaml-language-server: $schema=../../schemas/{schema_file}\n" + body
    uri = ls.open(folder / name, text)
    found = {d["range"]["start"]["line"] for d in ls.diagnostics(uri)}
    assert found == lines


def test_maintenance_update_completion_offers_maintenance_statuses(
    server: tuple[LanguageServer, Path],
) -> None:
    ls, root = server
    text = (
        "# yaml-language-server: $schema=../../schemas/status-page-maintenance-update.schema.json\n"
        "maintenance_status: \n"
    )
    uri = ls.open(root / "statusfiles" / "incident" / "04-window.yaml", text)
    values = ls.request(
        "textDocument/completion",
        {"textDocument": {"uri": uri}, "position": position(text, "maintenance_status: ", 20)},
    )
    labels = {item["label"] for item in (values["items"] if isinstance(values, dict) else values)}
    assert {"maintenance_scheduled", "maintenance_in_progress", "maintenance_complete"} <= labels
    assert "resolved" not in labels
