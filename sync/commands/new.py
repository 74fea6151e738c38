"""``statusfiles new``: write the next statusfile, of any kind, without remembering the format."""

from __future__ import annotations

import datetime as dt
import json
import os
import posixpath
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import click

from sync import kinds, rules, schema, timefmt
from sync.commands import dir_option, echo_diagnostics
from sync.diagnostics import StatusfileError
from sync.fsutil import write_atomic
from sync.naming import message_text, next_in, slugify
from sync.statusfile import Source, Statusfile, discover, display_path, load_all, load_bytes, natural_key
from sync.yamlstrict import implicit_tag

if TYPE_CHECKING:
    from sync.snapshot import Snapshot

INCIDENT_STATUSES = ("investigating", "identified", "monitoring", "resolved")
COMPONENT_STATUSES = ("operational", "degraded_performance", "partial_outage", "full_outage")
MAINTENANCE_STATUSES = ("maintenance_scheduled", "maintenance_in_progress", "maintenance_complete")
MAINTENANCE_COMPONENT_STATUSES = ("operational", "under_maintenance")
SCISSORS = "# ------------------------ >8 ------------------------"
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


def create(path: Path, content: str) -> None:
    """Write a new file whole or not at all; never replace one (a name taken meanwhile is an error)."""
    try:
        write_atomic(path, content.encode(), exclusive=True)
    except FileExistsError:
        raise click.ClickException(f"{display_path(path)} already exists; nothing written") from None
    except OSError as exc:  # a name too long for the file system, a read-only folder
        raise click.ClickException(f"cannot write {display_path(path)}: {exc.strerror or exc}") from None


# --- where the file goes -------------------------------------------------------


def next_name(folder: Path, status: str | None) -> str:
    """Zero-padded sequence after every numbered file in ``folder``, then the status."""
    return next_in([p.name for p in folder.glob("*.y*ml")] if folder.is_dir() else [], status)


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
        first = sibling.source.path.read_text(encoding="utf-8").split("\n", 1)[0]
        if first.startswith("# yaml-language-server:") and first.endswith("/" + which.file_name):
            return first, None
    # The copy as the statusfiles are shown: relative to the cwd unless the directory was given absolute.
    return _modeline(home, folder), home if directory.is_absolute() else Path(os.path.relpath(home))


def _modeline(schema_path: Path, folder: Path) -> str:
    rel = os.path.relpath(schema_path, folder.resolve())
    return f"# yaml-language-server: $schema={Path(rel).as_posix()}"


def _editor_message(what: str, status: str | None, notify: bool) -> str:
    template = (
        "\n\n"
        f"{SCISSORS}\n"
        "# Write the update above this line, in Markdown, as subscribers will read it.\n"
        f"# {what}; status: {status or 'unchanged'}; "
        f"{'emails subscribers' if notify else 'no email'}.\n"
        "# Everything below the line is ignored; an empty message writes nothing.\n"
    )
    edited = click.edit(template, extension=".md", require_save=True)
    return (edited or "").split(SCISSORS, 1)[0]


# --- names: IDs from the snapshot ------------------------------------------------


@dataclass
class Names:
    """Pages and components as the user named them, resolved to IDs with the snapshot when there is one."""

    directory: Path
    ids: dict[str, str] = field(default_factory=dict)  # ID -> name, for the trailing comments
    _snapshot: Snapshot | None = None
    _read: bool = False

    def snapshot(self) -> Snapshot | None:
        if not self._read:
            from sync import snapshot

            self._read = True
            try:
                self._snapshot = snapshot.read(self.directory)
            except StatusfileError as exc:
                echo_diagnostics(exc.diagnostics)
                raise click.ClickException("the snapshot cannot be read: run `statusfiles pull`") from None
        return self._snapshot

    def page(self, value: str) -> str:
        snap = self.snapshot()
        if snap is None:
            return _as_id(value, "--page", "page")
        page = snap.find_page(value)
        if page is None:
            known = ", ".join(f"{p.name} ({p.id})" for p in snap.pages) or "none"
            raise click.BadParameter(
                f"no status page {value!r} in the snapshot (pages: {known}); "
                "if it is new, run `statusfiles pull`",
                param_hint="--page",
            )
        self.ids[page.id] = page.name
        return str(page.id)

    def component(self, page_id: str | None, value: str) -> str:
        """The component's ID; without ``page_id`` (an incident created elsewhere), any page's one match."""
        snap = self.snapshot()
        if snap is None:
            return _as_id(value, "--component", "component")
        pages = [page_id] if page_id is not None else [p.id for p in snap.pages]
        matches = {c.id: c for p in pages if (c := snap.find_component(p, value)) is not None}
        found = next(iter(matches.values())) if len(matches) == 1 else None
        if found is None:
            own = snap.components_of(page_id) if page_id is not None else snap.components
            known = ", ".join(f"{c.name} ({c.id})" for c in own) or "none"
            page = (snap.page_name(page_id) or page_id) if page_id is not None else "any page"
            raise click.BadParameter(
                f"no component {value!r} on {page} in the snapshot (components: {known}); "
                "if it is new, run `statusfiles pull`",
                param_hint="--component",
            )
        self.ids[found.id] = found.name
        return str(found.id)


def _as_id(value: str, option: str, what: str) -> str:
    value = value.strip()
    if not value or any(c.isspace() for c in value):
        raise click.BadParameter(
            f"{value!r} is not a {what} ID, and there is no snapshot to look names up in: "
            f"run `statusfiles pull` to use names, or give the {what}'s ID",
            param_hint=option,
        )
    return value


def _component_statuses(values: tuple[str, ...], names: Names, page: str | None) -> list[dict[str, str]]:
    """``COMPONENT=STATUS`` options as the body's list; the status is the schema's to check."""
    out = []
    for value in values:
        component, sep, status = value.rpartition("=")
        if not sep or not component.strip() or not status.strip():
            raise click.BadParameter(f"{value!r}: write COMPONENT=STATUS", param_hint="--component")
        cid = names.component(page, component.strip())
        out.append({"component_id": cid, "component_status": status.strip()})
    return out


# --- what to write ------------------------------------------------------------------


@dataclass
class Target:
    """The file to write: where, of which kind, and the page its names are looked up on."""

    folder: Path
    placement: kinds.Placement
    page_id: str | None = None
    incident_id: str | None = None  # for an update to an incident created elsewhere
    siblings: list[Statusfile] = field(default_factory=list)
    fresh: bool = False  # a new folder: the declaration goes in it

    @property
    def which(self) -> schema.StatusfileSchema:
        return schema.schema_for(self.placement)


def _require_inside(folder: Path, directory: Path) -> None:
    """Refuse a folder outside the statusfiles directory: sync would never see a file written there."""
    root = directory.resolve()
    here = folder.resolve()
    if here != root and root not in here.parents:
        raise click.UsageError(
            f"{display_path(folder)} is not inside the statusfiles directory {display_path(directory)}"
        )


def _declared_folder(folder: Path, directory: Path) -> Target | None:
    """The update target for ``folder`` if it holds a declaration file, else None."""
    root = directory.resolve()
    here = folder.resolve()
    if not any((here / n).is_file() for n in kinds.DECLARATION_FILES):
        return None
    _require_inside(folder, directory)
    loaded = load_all(discover((here,), directory))
    rel = here.relative_to(root).as_posix() if here != root else ""
    files = [f for f in loaded.files if kinds.folder_of(f.rel) == rel]
    declaration = next((f for f in files if f.placement.declares), None)
    if declaration is None:
        echo_diagnostics(loaded.diagnostics)
        raise click.ClickException(
            f"{display_path(folder)} declares an incident or maintenance window that is not valid: "
            "fix it first"
        )
    kind: kinds.Kind = "incident-update" if declaration.kind == "incident" else "maintenance-update"
    updates = sorted((f for f in files if not f.placement.declares), key=lambda f: natural_key(f.rel))
    return Target(
        folder,
        kinds.Placement(kind, declaration.rel),
        page_id=str(declaration.payload["status_page_id"]),
        siblings=updates or [declaration],
    )


def _elsewhere(incident: str, slug: str | None, directory: Path) -> Target:
    """The folder an incident created elsewhere keeps its updates in (or a new one)."""
    existing = [
        f
        for f in load_all(discover((), directory)).files
        if f.declaration is None and "status_page_incident_id" in f.payload and f.incident_id == incident
    ]
    existing.sort(key=lambda f: natural_key(f.rel))
    if existing:
        folder = existing[-1].source.path.parent
    elif slug and slugify(slug):
        folder = directory / f"{_today()}-{slugify(slug)}"
    else:
        raise click.UsageError(f"incident {incident} has no statusfiles yet: pass --slug to name its folder")
    return Target(folder, kinds.ELSEWHERE, incident_id=incident, siblings=existing)


def _today() -> str:
    return dt.datetime.now(dt.UTC).date().isoformat()


def _new_folder(directory: Path, name: str, slug: str | None, kind: kinds.ObjectKind) -> Target:
    label = slugify(slug or name)
    if not label:
        raise click.UsageError("the name has no letters or digits to name the folder with: pass --slug")
    folder = directory / f"{_today()}-{label}"
    if folder.exists() and any(folder.iterdir()):
        raise click.ClickException(
            f"{display_path(folder)} already exists; nothing written (pass --slug to name another folder)"
        )
    file = kinds.INCIDENT_FILE if kind == "incident" else kinds.MAINTENANCE_FILE
    return Target(folder, kinds.Placement(kind, f"{folder.name}/{file}"), fresh=True)


def _time(value: str | None, option: str) -> str | None:
    if value is None:
        return None
    value = value.strip()
    if timefmt.instant(value) is None:
        raise click.BadParameter(
            f"{value!r} is not an RFC 3339 time with an offset; write it like {rules.EXAMPLE_TIME} "
            "(Z for UTC, or the zone's offset such as +01:00)",
            param_hint=option,
        )
    return value


def _read_message(
    message: str | None, message_file: IO[str] | None, what: str, status: str | None, notify: bool
) -> str:
    if message_file is not None:
        try:
            message = message_file.read()
        except UnicodeDecodeError as exc:
            where = "standard input" if message_file.name == "<stdin>" else message_file.name
            raise click.BadParameter(
                f"{where} is not UTF-8 text (byte {exc.start}); save it as UTF-8", param_hint="--message-file"
            ) from None
    elif message is None:
        message = _editor_message(what, status, notify)
    if not message.strip():
        raise click.ClickException("the message is empty; nothing written")
    return message_text(message)


@click.command("new")
@click.option("--page", help="New incident or window: its status page, by name or ID.")
@click.option("--name", help="New incident or window: the title subscribers see.")
@click.option("--maintenance", is_flag=True, help="Declare a maintenance window rather than an incident.")
@click.option(
    "--start", help="New window: when it starts (RFC 3339 with an offset, e.g. 2026-12-01T10:00:00Z)."
)
@click.option("--end", help="New window: when it ends.")
@click.option(
    "--automate", is_flag=True, help="New window: move it to in progress and complete at its times."
)
@click.option(
    "--folder",
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    help="The next update in this folder.  [default: the current folder, when it holds incident.yaml "
    "or maintenance.yaml]",
)
@click.option("--incident", "incident", help="An incident created elsewhere: the next update to it, by ID.")
@click.option(
    "--status",
    type=click.Choice(INCIDENT_STATUSES + MAINTENANCE_STATUSES),
    help="Incident or window status (omit in an update: unchanged).",
)
@click.option(
    "--component",
    "components",
    multiple=True,
    metavar="COMPONENT[=STATUS]",
    help="A component by name or ID, and its status: incident "
    f"{', '.join(COMPONENT_STATUSES)}; window update {', '.join(MAINTENANCE_COMPONENT_STATUSES)}; "
    "a new window takes the affected components without a status. Repeatable.",
)
@click.option("--notify/--no-notify", default=False, show_default=True, help="Email the page's subscribers.")
@click.option("-m", "--message", help="The text (Markdown).")
@click.option(
    "--message-file", type=click.File("r", encoding="utf-8"), help="Read the text from a file (- for stdin)."
)
@click.option("--slug", help="The new folder is <date>-<slug>.  [default: from --name]")
@dir_option
def command(
    page: str | None,
    name: str | None,
    maintenance: bool,
    start: str | None,
    end: str | None,
    automate: bool,
    folder: Path | None,
    incident: str | None,
    status: str | None,
    components: tuple[str, ...],
    notify: bool,
    message: str | None,
    message_file: IO[str] | None,
    slug: str | None,
    directory: Path,
) -> None:
    """Write the next statusfile and print its path.

    \b
    With --page and --name: a new folder <date>-<slug> declaring an incident
      (incident.yaml), or with --maintenance a maintenance window
      (maintenance.yaml).
    In a folder holding either (or with --folder): its next update.
    With --incident: the next update to an incident created elsewhere.

    Pages and components are names or IDs; with a snapshot (statusfiles pull)
    names are looked up and the file holds the ID with the name beside it.
    The file is validated before it is written and never overwrites one.
    Without -m or --message-file, $EDITOR opens. The linter of public text
    then checks it as validate does, its findings on standard error.

    \b
    Examples:
      statusfiles new --page "Acme Cloud" --name "Elevated API errors" \\
        --status investigating --component "Public API=degraded_performance" -m "We are investigating."
      statusfiles new --folder statusfiles/2026-11-27-elevated-api-errors --status monitoring \\
        --component "Public API=operational" -m "A fix is deployed; we are monitoring."
      statusfiles new --maintenance --page "Acme Cloud" --name "Database upgrade" \\
        --start 2026-12-01T10:00:00Z --end 2026-12-01T12:00:00Z --component "Public API" -m "…"
      statusfiles new --incident 01FCNDV6P870EA6S7TK1DSYDG1 --slug api-errors --status resolved -m "Resolved."

    \b
    Exit status: 0 written, 1 nothing written, or written with a lint error
    (edit the file before committing it), 2 usage error.
    """
    if message is not None and message_file is not None:
        raise click.UsageError("give the message with -m or --message-file, not both")
    if not directory.is_dir():
        raise click.UsageError(f"statusfiles directory {display_path(directory)} does not exist")
    declaring = maintenance or page is not None or name is not None
    if declaring and (folder is not None or incident is not None):
        raise click.UsageError(
            "--page/--name/--maintenance start a new folder: leave out --folder and --incident"
        )
    if not maintenance and (start or end or automate):
        raise click.UsageError(
            "--start, --end and --automate are for a new maintenance window: add --maintenance"
        )
    names = Names(directory)
    if declaring:
        if page is None or name is None:
            raise click.UsageError("a new incident or maintenance window needs --page and --name")
        target = _new_folder(directory, name, slug, "maintenance" if maintenance else "incident")
        payload = _declaration(
            target, names.page(page), name, status, components, names, (start, end, automate)
        )
        what = f"New {'maintenance window' if maintenance else 'incident'} {name!r}"
    else:
        target = _update_target(folder, incident, slug, directory)
        payload = {}
        if target.incident_id is not None:
            payload["status_page_incident_id"] = target.incident_id
        if status:
            payload[_status_field(target.placement)] = status
        if components:
            payload["component_statuses"] = _component_statuses(components, names, target.page_id)
        what = (
            f"Incident {target.incident_id}"
            if target.incident_id
            else f"Update in {display_path(target.folder)}"
        )
    payload["notify_subscribers"] = notify
    payload["message"] = _read_message(message, message_file, what, status, notify)
    _write(target, payload, directory, names)


def _status_field(placement: kinds.Placement) -> str:
    return (
        "maintenance_status" if placement.kind in ("maintenance", "maintenance-update") else "incident_status"
    )


def _declaration(
    target: Target,
    page_id: str,
    name: str,
    status: str | None,
    components: tuple[str, ...],
    names: Names,
    window: tuple[str | None, str | None, bool],
) -> dict[str, Any]:
    """The body of incident.yaml or maintenance.yaml, less the message and notify_subscribers."""
    payload: dict[str, Any] = {"status_page_id": page_id, "name": name}
    if target.placement.kind == "incident":
        payload["incident_status"] = status or "investigating"
        if components:
            payload["component_statuses"] = _component_statuses(components, names, page_id)
        return payload
    start, end, automate = window
    if start is None or end is None:
        raise click.UsageError("a new maintenance window needs --start and --end")
    payload["maintenance_status"] = status or "maintenance_scheduled"
    payload["start_at"] = _time(start, "--start")
    payload["end_at"] = _time(end, "--end")
    if automate:
        payload["automate_maintenance_status"] = True
    payload["affected_component_ids"] = [names.component(page_id, c) for c in components]
    return payload


def _update_target(folder: Path | None, incident: str | None, slug: str | None, directory: Path) -> Target:
    """Where the next update goes: the folder named or the current one, else the incident's folder."""
    if folder is not None:
        _require_inside(folder, directory)
        declared = _declared_folder(folder, directory)
        if declared is not None and incident is not None:
            raise click.UsageError(
                f"{display_path(folder)} declares its own incident or window: leave out --incident"
            )
        return declared or _elsewhere_folder(folder, incident, directory)
    if incident is not None:
        return _elsewhere(incident, slug, directory)
    target = _declared_folder(Path.cwd(), directory)
    if target is None:
        raise click.UsageError(
            "say what to write: --page and --name for a new incident (with --maintenance, a "
            "window); --folder, or run in a folder holding incident.yaml or maintenance.yaml, for "
            "its next update; --incident ID for an incident created elsewhere"
        )
    return target


def _elsewhere_folder(folder: Path, incident: str | None, directory: Path) -> Target:
    """A folder of updates to an incident created elsewhere: its incident is the one its files name."""
    if incident is not None:
        return Target(folder, kinds.ELSEWHERE, incident_id=incident)
    here = folder.resolve()
    files = [
        f for f in load_all(discover((here,), directory)).files if f.source.path.resolve().parent == here
    ]
    ids = sorted({f.incident_id for f in files if "status_page_incident_id" in f.payload})
    if len(ids) != 1:
        raise click.UsageError(
            f"{display_path(folder)} holds no incident.yaml or maintenance.yaml"
            + (f" and updates to {len(ids)} incidents" if ids else "")
            + ": pass --incident ID"
        )
    return Target(
        folder, kinds.ELSEWHERE, incident_id=ids[0], siblings=sorted(files, key=lambda f: natural_key(f.rel))
    )


def _write(target: Target, payload: dict[str, Any], directory: Path, names: Names) -> None:
    if target.fresh:
        path = target.folder / posixpath.basename(str(target.placement.declaration))
    else:
        path = target.folder / next_name(
            target.folder, payload.get("incident_status") or payload.get("maintenance_status")
        )
    written, text = write_statusfile(path, payload, directory, target.placement, target.siblings, names.ids)
    click.echo(display_path(path))
    _lint(written, text, directory)


def _lint(written: Statusfile, text: str, directory: Path) -> None:
    """What the linter of public text finds in ``text``, the file just written (the same bytes: the findings
    and lines ``validate`` reports), so that whoever writes an update mid-outage sees at once that it would
    leak a secret or an internal host.

    On standard error: standard output stays the path alone. The file is kept, so a message typed in
    $EDITOR is not lost; a lint error exits 1, as ``validate`` does, since validate, plan and sync refuse
    the file until it is edited.
    """
    import sys

    from sync import lintconfig
    from sync.diagnostics import Diagnostic, count_errors, plural, render_text, use_colour

    linter, config_problems = lintconfig.linter(directory)
    try:  # as validate reads it, with the repository's .lint.yaml and any allowances in the file
        found: tuple[Diagnostic, ...] = load_bytes(
            text.encode(), written.source, placement=written.placement, linter=linter
        ).warnings
    except StatusfileError as exc:
        found = tuple(exc.diagnostics)
    diagnostics = [*config_problems, *found]
    if not diagnostics:
        return
    colour = use_colour(sys.stderr)
    click.echo(render_text(diagnostics, colour), nl=False, err=True, color=colour)
    errors, config_errors = count_errors(found), count_errors(config_problems)
    config = f"the lint configuration {display_path(lintconfig.config_path(directory))}"
    if errors and config_errors:
        raise click.ClickException(
            f"{written.display} was written, but the linter found {plural(errors, 'error')} in it and "
            f"{config} has {plural(config_errors, 'error')}: fix them before you commit it (validate, plan "
            "and sync refuse it until then)"
        )
    if errors:
        raise click.ClickException(
            f"{written.display} was written, but the linter found {plural(errors, 'error')}: edit it "
            "before you commit it (validate, plan and sync refuse it until then)"
        )
    if config_errors:  # the file may be fine: it is the configuration that stops validate, plan and sync
        raise click.ClickException(
            f"{written.display} was written, but {config} has {plural(config_errors, 'error')}: fix it "
            "(validate, plan and sync refuse to run until then)"
        )


def write_statusfile(
    path: Path,
    payload: dict[str, Any],
    directory: Path,
    placement: kinds.Placement,
    siblings: list[Statusfile],
    names: dict[str, str],
) -> tuple[Statusfile, str]:
    """Write ``payload`` to the new file ``path`` as ``new`` writes every statusfile: its kind's schema
    line, fields in reading order, IDs named; validated first, never overwriting. The file as loaded, and
    the text written."""
    rel = os.path.relpath(path.resolve(), Path(directory).resolve()).replace(os.sep, "/")
    source = Source(path=path, display=display_path(path), rel=rel)
    which = schema.schema_for(placement)
    modeline, schema_copy = modeline_for(path.parent, directory, siblings, which)
    try:
        content, loaded = render(payload, modeline, source, placement, names)
    except StatusfileError as exc:
        echo_diagnostics(exc.diagnostics)
        raise click.ClickException(
            f"{display_path(path)} not written: the statusfile would not be valid"
        ) from None
    if schema_copy is not None:
        create(schema_copy, (schema.schemas_dir() / which.file_name).read_text(encoding="utf-8"))
        click.echo(f"wrote {display_path(schema_copy)} for editors: commit it with the statusfile", err=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    create(path, content)
    return loaded, content
