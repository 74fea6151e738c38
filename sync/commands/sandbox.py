"""``statusfiles sandbox``: a local incident.io Status Pages API to sync against, for demos and tests."""

from __future__ import annotations

import signal
import sys
import threading
from pathlib import Path
from typing import Any

import click

from sync.apiconfig import MIN_KEY_LENGTH
from sync.netaddr import is_loopback


@click.command("sandbox")
@click.option("--host", default="127.0.0.1", show_default=True, help="The address to listen on.")
@click.option(
    "--port", type=click.IntRange(0, 65535), default=8484, show_default=True, help="0 picks a free port."
)
@click.option(
    "--api-key",
    default=None,
    help="The API key to accept as a Bearer token.  [default: any non-empty token]",
)
@click.option(
    "--read-only-key",
    "read_only_keys",
    multiple=True,
    help="A key that may read but not write (403 on writes). Repeatable.",
)
@click.option(
    "--state",
    "state_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Keep the state in this JSON file across restarts.  [default: in memory]",
)
@click.option(
    "--rate-limit",
    type=click.IntRange(min=1),
    default=1200,
    show_default=True,
    help="Requests a minute per API key.",
)
@click.option(
    "--burst",
    type=click.IntRange(min=1),
    default=None,
    help="Requests a key may make at once (the bucket's size).  [default: the rate limit]",
)
@click.option("--no-seed", is_flag=True, help="Start empty, without the demo status page and incidents.")
def command(
    host: str,
    port: int,
    api_key: str | None,
    read_only_keys: tuple[str, ...],
    state_path: Path | None,
    rate_limit: int,
    burst: int | None,
    no_seed: bool,
) -> None:
    """Run a local stand-in for incident.io's Status Pages V2 API.

    It serves the status-page endpoints statusfiles uses, checks requests as
    the real API does (auth, validation, rate limits, the 100-update limit),
    and shows its status pages as subscribers would see them at /. The first
    line on stdout is the address; requests are logged to stderr.
    SIGTERM or Ctrl-C stops it.

    \b
    Examples:
      statusfiles sandbox --port 0
      statusfiles sandbox --api-key sandbox-key --state .sandbox.json
    """
    from sync.sandbox import Sandbox, SandboxConfig  # only this command pays for the server

    if not is_loopback(host):
        click.echo(
            f"warning: listening on {host}: the sandbox has no real security and its /_sandbox/ "
            "endpoints need no key; anyone who can reach it can change it",
            err=True,
        )
    short = [k for k in (api_key, *read_only_keys) if k is not None and len(k) < MIN_KEY_LENGTH]
    if short:
        click.echo(
            f"warning: statusfiles refuses an API key shorter than {MIN_KEY_LENGTH} characters, so it cannot "
            f"use {'this key' if len(short) == 1 else 'these keys'} with the sandbox: give a longer one",
            err=True,
        )
    config = SandboxConfig(
        host=host,
        port=port,
        api_key=api_key,
        read_only_keys=read_only_keys,
        state_path=state_path,
        rate_limit=rate_limit,
        burst=burst,
        seed=not no_seed,
    )
    try:
        sandbox = Sandbox(config, log=sys.stderr).start()
    except (OSError, ValueError) as exc:  # the port is taken, or the state file is not one
        raise click.ClickException(f"cannot start the sandbox: {exc}") from None
    stop = threading.Event()

    def on_signal(signum: int, frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    click.echo(f"statusfiles sandbox listening on {sandbox.base_url}")
    sys.stdout.flush()  # whoever started us reads this line to learn the port
    try:
        stop.wait()
    finally:
        sandbox.stop()
