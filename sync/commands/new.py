"""``statusfiles new``: write the next statusfile for an incident without remembering the format."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from pathlib import Path
from typing import Any

import click

from sync import schema
from sync.commands import dir_option, echo_diagnostics
from sync.diagnostics import StatusfileError
from sync.fsutil import write_atomic
from sync.statusfile import Source, Statusfile, discover, display_path, load_all, load_bytes, natural_key
from sync.yamlstrict import implicit_tag

INCIDENT_STATUSES = ("investigating", "identified", "monitoring", "resolved")
COMPONENT_STATUSES = ("operational", "degraded_performance", "partial_outage", "full_outage")
SCISSORS = "# ------------------------ >8 ------------------------"
_SEQ = re.compile(r"^(\d+)")


# --- writing YAML that reads back exactly ------------------------------------


def _plain_ok(value: str) -> bool:
    """Whether ``value`` reads back as exactly this text when written unquoted."""
    return (
        bool(value)
        and value == value.strip()
        and value[0] not in "-?:,[]{}#&*!|>'\"%@`"
        and ": " not in value
        and " #" not in value
        and not value.endswith(":")
        and value.isprintable()
        and implicit_tag(value).endswith(":str")
    )


def _scalar(value: str) -> str:
    """Plain when unambiguous, else double-quoted (JSON string syntax is valid YAML)."""
    return value if _plain_ok(value) else json.dumps(value, ensure_ascii=False)


def _message(message: str, literal: bool) -> str:
    """A ``|`` block for multi-line text, as people write it; otherwise a scalar."""
    body = message.removesuffix("\n")
    if literal and "\n" in message and body and not body[0].isspace() and not body.endswith("\n"):
        chomp = "" if message.endswith("\n") else "-"
        return f"|{chomp}\n" + "".join(f"  {line}\n" if line else "\n" for line in body.split("\n"))
    return _scalar(message) + "\n"


def dump(payload: dict[str, Any], modeline: str | None, *, literal: bool = True) -> str:
    """A statusfile as a person would write it: fields in a readable order, the message last."""
    out = [f"{modeline}\n"] if modeline else []
    out.append(f"status_page_incident_id: {_scalar(payload['status_page_incident_id'])}\n")
    if "incident_status" in payload:
        out.append(f"incident_status: {_scalar(payload['incident_status'])}\n")
    out.append(f"notify_subscribers: {'true' if payload['notify_subscribers'] else 'false'}\n")
    if payload.get("component_statuses"):
        out.append("component_statuses:\n")
        for c in payload["component_statuses"]:
            out.append(f"  - component_id: {_scalar(c['component_id'])}\n")
            out.append(f"    component_status: {_scalar(c['component_status'])}\n")
    out.append(f"message: {_message(payload['message'], literal)}")
    return "".join(out)


def render(payload: dict[str, Any], modeline: str | None, source: Source) -> tuple[str, Statusfile]:
    """YAML text for ``payload``, proven by loading it back strictly; raises StatusfileError if invalid.

    A message the block form cannot carry exactly (odd whitespace, control characters) is
    written double-quoted instead.
    """
    text = dump(payload, modeline)
    try:
        loaded = load_bytes(text.encode(), source)
    except StatusfileError:
        loaded = None
    if loaded is None or loaded.payload != payload:
        text = dump(payload, modeline, literal=False)
        loaded = load_bytes(text.encode(), source)
    return text, loaded


def create(path: Path, content: str) -> None:
    """Write a new file whole or not at all; never replace one (a name taken meanwhile is an error)."""
    try:
        write_atomic(path, content.encode(), exclusive=True)
    except FileExistsError:
        raise click.ClickException(f"{display_path(path)} already exists; nothing written") from None
    except OSError as exc:  # a name too long for the file system, a read-only folder
        raise click.ClickException(f"cannot write {display_path(path)}: {exc.strerror or exc}") from None


# --- where the file goes -------------------------------------------------------


def slugify(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:60].rstrip("-")


def next_name(folder: Path, status: str | None) -> str:
    """Zero-padded sequence after every numbered file in ``folder``, then the status."""
    numbers = (
        [m.group(1) for p in folder.glob("*.y*ml") if (m := _SEQ.match(p.name))] if folder.is_dir() else []
    )
    width = max([2, *(len(n) for n in numbers)])
    seq = max([0, *(int(n) for n in numbers)]) + 1
    return f"{seq:0{width}d}-{status or 'update'}.yaml"


def modeline_for(folder: Path, directory: Path, siblings: list[Statusfile]) -> tuple[str, Path | None]:
    """Point the editor at the schema: the repository's copy, else what siblings use.

    A repository without either (one that runs statusfiles as an action) gets a copy of the
    installed package's schema in ``schemas/`` beside the statusfiles directory, returned as the
    file to write: the schema line must name a file that every clone has.
    """
    home = directory.resolve().parent / "schemas" / schema.UPDATE_SCHEMA_NAME
    for candidate in (home, Path.cwd() / "schemas" / schema.UPDATE_SCHEMA_NAME):
        if candidate.is_file():
            return _modeline(candidate, folder), None
    for sibling in reversed(siblings):
        first = sibling.source.path.read_text(encoding="utf-8").split("\n", 1)[0]
        if first.startswith("# yaml-language-server:"):
            return first, None
    return _modeline(home, folder), home


def _modeline(schema_path: Path, folder: Path) -> str:
    rel = os.path.relpath(schema_path, folder.resolve())
    return f"# yaml-language-server: $schema={Path(rel).as_posix()}"


def _editor_message(incident: str, status: str | None, notify: bool) -> str:
    template = (
        "\n\n"
        f"{SCISSORS}\n"
        "# Write the update above this line, in Markdown, as subscribers will read it.\n"
        f"# Incident {incident}; status: {status or 'unchanged'}; "
        f"{'emails subscribers' if notify else 'no email'}.\n"
        "# Everything below the line is ignored; an empty message writes nothing.\n"
    )
    edited = click.edit(template, extension=".md", require_save=True)
    return (edited or "").split(SCISSORS, 1)[0]


def _components(values: tuple[str, ...]) -> list[dict[str, str]]:
    out = []
    for value in values:
        cid, sep, status = value.partition("=")
        if not sep or not cid.strip() or not status.strip():
            raise click.BadParameter(f"{value!r}: write COMPONENT_ID=STATUS", param_hint="--component")
        out.append({"component_id": cid.strip(), "component_status": status.strip()})
    return out


@click.command("new")
@click.option("--incident", "incident", required=True, help="The status page incident ID.")
@click.option("--status", type=click.Choice(INCIDENT_STATUSES), help="New incident status (omit: unchanged).")
@click.option(
    "--component",
    "components",
    multiple=True,
    metavar="ID=STATUS",
    help=f"A component's new status ({', '.join(COMPONENT_STATUSES)}); repeatable.",
)
@click.option("--notify/--no-notify", default=False, show_default=True, help="Email the page's subscribers.")
@click.option("-m", "--message", help="The update's text (Markdown).")
@click.option(
    "--message-file", type=click.File("r", encoding="utf-8"), help="Read the text from a file (- for stdin)."
)
@click.option("--slug", help="For an incident without statusfiles yet: the folder is <date>-<slug>.")
@dir_option
def command(
    incident: str,
    status: str | None,
    components: tuple[str, ...],
    notify: bool,
    message: str | None,
    message_file: Any,
    slug: str | None,
    directory: Path,
) -> None:
    """Write the next statusfile for an incident and print its path.

    The file goes in the folder the incident's statusfiles already share (or a
    new <date>-<slug> folder), named to sort after them. It is validated before
    it is written and never overwrites a file. Without -m or --message-file,
    $EDITOR opens.

    \b
    Examples:
      statusfiles new --incident 01FCNDV6P870EA6S7TK1DSYDG1 --status monitoring \\
        --component 01FCNDV6P870EA6S7TK1DSYDG2=operational -m "A fix is deployed; we are monitoring."
      statusfiles new --incident 01J... --slug "EU login failures" --status investigating --notify
    """
    if message is not None and message_file is not None:
        raise click.UsageError("give the message with -m or --message-file, not both")
    if not directory.is_dir():
        raise click.UsageError(f"statusfiles directory {display_path(directory)} does not exist")
    existing = [
        f
        for f in load_all(discover((), directory)).files
        if "status_page_incident_id" in f.payload and f.incident_id == incident
    ]
    existing.sort(key=lambda f: natural_key(f.rel))
    if existing:
        folder = existing[-1].source.path.parent
    elif slug and slugify(slug):
        folder = directory / f"{dt.datetime.now(dt.UTC).date().isoformat()}-{slugify(slug)}"
    else:
        raise click.UsageError(f"incident {incident} has no statusfiles yet: pass --slug to name its folder")

    if message_file is not None:
        try:
            message = message_file.read()
        except UnicodeDecodeError as exc:
            where = "standard input" if message_file.name == "<stdin>" else message_file.name
            raise click.BadParameter(
                f"{where} is not UTF-8 text (byte {exc.start}); save it as UTF-8", param_hint="--message-file"
            ) from None
    elif message is None:
        message = _editor_message(incident, status, notify)
    text = message.strip()
    if not text:
        raise click.ClickException("the message is empty; nothing written")
    payload: dict[str, Any] = {"status_page_incident_id": incident}
    if status:
        payload["incident_status"] = status
    payload["notify_subscribers"] = notify
    if components:
        payload["component_statuses"] = _components(components)
    payload["message"] = text + "\n" if "\n" in text else text

    path = folder / next_name(folder, status)
    source = Source(path=path, display=display_path(path), rel=path.name)
    modeline, schema_copy = modeline_for(folder, directory, existing)
    try:
        content, _ = render(payload, modeline, source)
    except StatusfileError as exc:
        echo_diagnostics(exc.diagnostics, "text")
        raise click.ClickException("not written: the update would not be valid") from None
    if schema_copy is not None:
        create(schema_copy, (schema.schemas_dir() / schema.UPDATE_SCHEMA_NAME).read_text(encoding="utf-8"))
        click.echo(f"wrote {display_path(schema_copy)} for editors: commit it with the statusfile", err=True)
    create(path, content)
    click.echo(display_path(path))
