"""Statusfiles as ``new`` and ``import`` write them: YAML that reads back exactly, and the schema line.

Rendering is pure; the schema line reads only what is already on disk. Writing the file, and telling the
user what went wrong, is the commands' (``sync.commands.write_statusfile``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from sync import kinds, schema
from sync.diagnostics import StatusfileError
from sync.fsutil import read_regular
from sync.statusfile import Source, Statusfile, load_bytes
from sync.yamlstrict import implicit_tag

# The order people read a statusfile in, whatever its kind; the message last.
FIELD_ORDER = (
    "status_page_id",
    "status_page_incident_id",
    "name",
    "incident_status",
    "maintenance_status",
    "start_at",
    "end_at",
    "automate_maintenance_status",
    "notify_subscribers",
    "affected_component_ids",
    "component_statuses",
    "message",
)


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


def _comment(value: str, names: dict[str, str]) -> str:
    """``  # Name`` after an ID whose name is known, so a reviewer reads what the ID means."""
    name = names.get(value)
    if not name:
        return ""
    return "  # " + " ".join("".join(c if c.isprintable() else " " for c in name).split())


def dump(
    payload: dict[str, Any],
    modeline: str | None,
    *,
    literal: bool = True,
    names: dict[str, str] | None = None,
) -> str:
    """A statusfile as a person would write it: fields in a readable order, IDs named, the message last."""
    names = names or {}
    out = [f"{modeline}\n"] if modeline else []
    for key in sorted(payload, key=lambda k: FIELD_ORDER.index(k) if k in FIELD_ORDER else len(FIELD_ORDER)):
        value = payload[key]
        if key == "message":
            out.append(f"message: {_message(value, literal)}")
        elif isinstance(value, bool):
            out.append(f"{key}: {'true' if value else 'false'}\n")
        elif key == "component_statuses":
            out.append("component_statuses:\n")
            for c in value:
                cid = c["component_id"]
                out.append(f"  - component_id: {_scalar(cid)}{_comment(cid, names)}\n")
                out.append(f"    component_status: {_scalar(c['component_status'])}\n")
        elif isinstance(value, list):
            out.append(f"{key}:\n" if value else f"{key}: []\n")
            out.extend(f"  - {_scalar(item)}{_comment(item, names)}\n" for item in value)
        else:
            out.append(f"{key}: {_scalar(value)}{_comment(value, names)}\n")
    return "".join(out)


def render(
    payload: dict[str, Any],
    modeline: str | None,
    source: Source,
    placement: kinds.Placement = kinds.ELSEWHERE,
    names: dict[str, str] | None = None,
) -> tuple[str, Statusfile]:
    """YAML text for ``payload``, proven by loading it back strictly; raises StatusfileError if invalid.

    A message the block form cannot carry exactly (odd whitespace, control characters) is
    written double-quoted instead.
    """
    text = dump(payload, modeline, names=names)
    try:
        loaded = load_bytes(text.encode(), source, placement=placement)
    except StatusfileError:
        loaded = None
    if loaded is None or loaded.payload != payload:
        text = dump(payload, modeline, literal=False, names=names)
        loaded = load_bytes(text.encode(), source, placement=placement)
    return text, loaded


def modeline_for(
    folder: Path, directory: Path, siblings: list[Statusfile], which: schema.StatusfileSchema = schema.UPDATE
) -> tuple[str, Path | None]:
    """Point the editor at the kind's schema: the repository's copy, else what siblings use.

    A repository without either (one that runs statusfiles as an action) gets a copy of the
    installed package's schema in ``schemas/`` beside the statusfiles directory, returned as the
    file to write: the schema line must name a file that every clone has.
    """
    home = directory.resolve().parent / "schemas" / which.file_name
    for candidate in (home, Path.cwd() / "schemas" / which.file_name):
        if candidate.is_file():
            return _modeline(candidate, folder), None
    for sibling in reversed(siblings):
        try:  # read again: gone, or replaced by a FIFO, since it was loaded, it has nothing to show
            first = read_regular(sibling.source.path).split(b"\n", 1)[0].decode("utf-8", "replace")
        except OSError:
            continue
        if first.startswith("# yaml-language-server:") and first.endswith("/" + which.file_name):
            return first, None
    # The copy as the statusfiles are shown: relative to the cwd unless the directory was given absolute.
    return _modeline(home, folder), home if directory.is_absolute() else Path(os.path.relpath(home))


def _modeline(schema_path: Path, folder: Path) -> str:
    rel = os.path.relpath(schema_path, folder.resolve())
    return f"# yaml-language-server: $schema={Path(rel).as_posix()}"
