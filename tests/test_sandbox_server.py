"""The sandbox's HTTP server and the `statusfiles sandbox` command."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from sync.netaddr import is_loopback
from tests.support.sandbox_api import TLS, UPDATES, Api, update


def test_connections_are_kept_alive(api: Api) -> None:
    first = api.get("/v2/status_pages")
    second = api.get("/v2/status_pages")
    assert first.http_version == second.http_version == "HTTP/1.1"
    assert "close" not in (second.headers.get("connection") or "")


def start_cli(*args: str) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "sync", "sandbox", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    match = re.fullmatch(r"statusfiles sandbox listening on (http://127\.0\.0\.1:\d+)\n", line)
    assert match, (line, proc.stderr.read() if proc.stderr else "")
    return proc, match[1]


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_the_command_serves_until_signalled(signum: signal.Signals) -> None:
    proc, url = start_cli("--api-key", "cli-secret-key")
    try:
        with httpx.Client(base_url=url, verify=TLS) as client:
            r = client.get("/v2/status_pages", headers={"Authorization": "Bearer cli-secret-key"})
        assert r.status_code == 200
    finally:
        proc.send_signal(signum)
        out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err
    assert out == ""  # nothing after the one line
    assert "GET /v2/status_pages" in err
    assert "cli-secret-key" not in err
    assert "warning" not in err


@pytest.mark.parametrize("args", [("--api-key", "dev"), ("--read-only-key", "ro")])
def test_a_key_statusfiles_would_refuse_is_warned_of(args: tuple[str, ...]) -> None:
    proc, _ = start_cli(*args)
    proc.terminate()
    _, err = proc.communicate(timeout=10)
    assert "warning: statusfiles refuses an API key shorter than 8 characters, so it cannot use this" in err


def test_the_command_options_reach_the_server(tmp_path: Path) -> None:
    path = tmp_path / "sandbox.json"
    proc, url = start_cli(
        "--no-seed", "--state", str(path), "--read-only-key", "ro", "--rate-limit", "1", "--burst", "2"
    )
    try:
        with httpx.Client(base_url=url, headers={"Authorization": "Bearer ro"}, verify=TLS) as reader:
            r = reader.get("/v2/status_pages")
            assert (r.json()["status_pages"], r.headers["x-ratelimit-limit"]) == ([], "1")
            assert reader.post(UPDATES, json=update()).status_code == 403
            assert reader.get("/v2/status_pages").status_code == 429
        assert json.loads(path.read_text())["incidents"] == []
    finally:
        proc.terminate()
        proc.communicate(timeout=10)
    assert proc.returncode == 0


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("localhost", True),
        ("LocalHost", True),
        ("api.localhost", False),  # a resolver may ask DNS for it
        ("::1", True),
        ("0.0.0.0", False),
        ("192.0.2.1", False),
        ("example.com", False),
    ],
)
def test_only_loopback_hosts_are_quiet(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


@pytest.mark.parametrize("special", ["fifo", "device", "nested"])
def test_a_state_file_that_cannot_be_one_stops_the_command_at_once(tmp_path: Path, special: str) -> None:
    path = tmp_path / "sandbox.json"
    if special == "fifo":
        os.mkfifo(path)  # opened blocking, it would wait for a writer for ever
    elif special == "device":
        path.symlink_to("/dev/zero")  # read to the end, it would never end
    else:
        path.write_text("[" * 100_000 + "]" * 100_000)
    proc = subprocess.run(
        [sys.executable, "-m", "sync", "sandbox", "--port", "0", "--state", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (proc.returncode, proc.stdout) == (1, ""), proc.stderr
    why = "nested too deeply" if special == "nested" else "not a regular file"
    assert proc.stderr == f"Error: cannot start the sandbox: {path} is not a sandbox state file ({why})\n"
