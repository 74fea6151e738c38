"""``statusfiles schema``: regenerate (or check) the JSON Schemas from the vendored OpenAPI document."""

from __future__ import annotations

import difflib
import os
from pathlib import Path

import click

from sync.commands import echo_out
from sync.fsutil import NotRegularFile, read_regular, write_atomic
from sync.schema import SPEC_NAME, SpecError, generate_texts, load_spec
from sync.statusfile import find_up


def _stale(path: Path, current: str, text: str, spec_path: Path) -> str:
    diff = difflib.unified_diff(
        current.splitlines(keepends=True),
        text.splitlines(keepends=True),
        fromfile=f"{path} (committed)",
        tofile=f"{path} (generated from {spec_path})",
    )
    return "".join(diff)


def _current(path: Path) -> str:
    """The committed schema's text, "" when there is none; never waits on a FIFO or replaces a folder."""
    try:
        return read_regular(path).decode("utf-8")
    except FileNotFoundError:
        return ""
    except NotRegularFile:  # a folder too
        raise click.ClickException(f"{path} is not a regular file: remove it") from None
    except OSError as exc:
        raise click.ClickException(f"{path} cannot be read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        return ""  # not the generated text: stale, and rewritten


@click.command("schema")
@click.option(
    "--spec",
    "spec_path",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    default=None,
    help=f"The OpenAPI document.  [default: schemas/{SPEC_NAME} in this folder or the nearest parent "
    "folder with a schemas/, up to the repository's root]",
)
@click.option(
    "--out-dir",
    "out_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Where to write the schemas.  [default: that same schemas/]",
)
@click.option(
    "--check", is_flag=True, help="Write nothing; exit 1 and show a diff if any file is out of date."
)
def command(spec_path: Path | None, out_dir: Path | None, check: bool) -> None:
    """Generate the statusfile JSON Schemas from the vendored OpenAPI document.

    One schema per kind of statusfile, each a request body of the API as JSON
    Schema 2020-12 with closed objects, for editors and validators: an incident
    update (POST /v2/status_page_incident_updates); incident.yaml and
    maintenance.yaml (POST /v2/status_page_incidents, /v2/status_page_maintenances,
    without the idempotency key statusfiles derives); and the updates beside them
    (without the ID of the incident or window their folder creates).

    \b
    Examples:
      statusfiles schema           # regenerate after updating the vendored spec
      statusfiles schema --check   # in CI: fail if a committed schema is stale
    """
    if spec_path is None or out_dir is None:
        # The working tree's schemas, never the installed package's copy: that is what gets committed.
        found = find_up("schemas")
        if found is None:
            raise click.UsageError(
                "no schemas/ folder here or in a parent folder up to the repository's root: "
                "run this in a checkout of statusfiles, or pass --spec and --out-dir"
            )
        spec_path = spec_path or Path(os.path.relpath(found / SPEC_NAME))
        out_dir = out_dir or Path(os.path.relpath(found))
    if not spec_path.exists():
        raise click.UsageError(f"{spec_path} does not exist: pass --spec")
    if not spec_path.is_file():  # a FIFO or a device would block or never end
        raise click.UsageError(f"{spec_path} is not a regular file: pass --spec")
    try:
        spec = load_spec(spec_path)
        generated = [(out_dir / name, text) for name, text in generate_texts(spec)]
    except (SpecError, ValueError) as exc:  # ValueError: not JSON, or not UTF-8
        raise click.ClickException(f"{spec_path}: {exc}") from None
    stale = []
    said: list[str] = []  # printed once every file is written: output that fails never leaves a file stale
    for path, text in generated:
        current = _current(path)
        if current == text:
            if not check:
                said.append(f"{path} is already up to date.\n")
            continue
        stale.append(path)
        if check:
            said.append(_stale(path, current, text, spec_path))
        else:
            try:
                write_atomic(path, text.encode())
            except OSError as exc:  # a folder that cannot be made, a full disk: said after what was written
                echo_out("".join(said))
                raise click.ClickException(f"cannot write {path}: {exc.strerror or exc}") from None
            said.append(f"wrote {path}\n")
    echo_out("".join(said))
    if not check:
        return
    if not stale:
        echo_out(f"{len(generated)} schemas in {out_dir} are up to date with {spec_path}.\n")
        return
    names = ", ".join(str(p) for p in stale)
    verb = "is" if len(stale) == 1 else "are"
    click.echo(f"{names} {verb} out of date: run `statusfiles schema` and commit the result.", err=True)
    raise SystemExit(1)
