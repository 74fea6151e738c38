"""``statusfiles schema``: regenerate (or check) the JSON Schema from the vendored OpenAPI document."""

from __future__ import annotations

import difflib
import os
from pathlib import Path

import click

from sync.fsutil import write_atomic
from sync.schema import (
    SPEC_NAME,
    UPDATE_SCHEMA_NAME,
    SpecError,
    dumps,
    generate_update_schema,
    load_spec,
)
from sync.statusfile import find_up


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
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help=f"Where to write the schema.  [default: schemas/{UPDATE_SCHEMA_NAME}, in the same schemas/]",
)
@click.option(
    "--check", is_flag=True, help="Write nothing; exit 1 and show a diff if the file is out of date."
)
def command(spec_path: Path | None, output: Path | None, check: bool) -> None:
    """Generate the statusfile JSON Schema from the vendored OpenAPI document.

    The schema is the request body of POST /v2/status_page_incident_updates,
    as JSON Schema 2020-12 with closed objects, for editors and validators.

    \b
    Examples:
      statusfiles schema           # regenerate after updating the vendored spec
      statusfiles schema --check   # in CI: fail if the committed schema is stale
    """
    if spec_path is None or output is None:
        # The working tree's schemas, never the installed package's copy: that is what gets committed.
        found = find_up("schemas")
        if found is None:
            raise click.UsageError(
                "no schemas/ folder here or in a parent folder up to the repository's root: "
                "run this in a checkout of statusfiles, or pass --spec and --output"
            )
        spec_path = spec_path or Path(os.path.relpath(found / SPEC_NAME))
        output = output or Path(os.path.relpath(found / UPDATE_SCHEMA_NAME))
    if not spec_path.is_file():
        raise click.UsageError(f"{spec_path} does not exist: pass --spec")
    try:
        text = dumps(generate_update_schema(load_spec(spec_path)))
    except (SpecError, ValueError) as exc:
        raise click.ClickException(f"{spec_path}: {exc}") from None
    current = output.read_text(encoding="utf-8") if output.exists() else ""
    if check:
        if current == text:
            click.echo(f"{output} is up to date with {spec_path}.")
            return
        diff = difflib.unified_diff(
            current.splitlines(keepends=True),
            text.splitlines(keepends=True),
            fromfile=f"{output} (committed)",
            tofile=f"{output} (generated from {spec_path})",
        )
        click.echo("".join(diff), nl=False)
        click.echo(f"{output} is out of date: run `statusfiles schema` and commit the result.", err=True)
        raise SystemExit(1)
    if current != text:
        write_atomic(output, text.encode())
        click.echo(f"wrote {output}")
    else:
        click.echo(f"{output} is already up to date.")
