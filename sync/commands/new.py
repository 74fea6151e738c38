"""``statusfiles new``: write the next statusfile, of any kind, without remembering the format."""

from __future__ import annotations

import datetime as dt
import os
import posixpath
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from sync import kinds, rules, schema, timefmt
from sync.commands import dir_option, echo_diagnostics, echo_out, write_statusfile
from sync.diagnostics import StatusfileError, printable
from sync.fsutil import open_stat
from sync.naming import message_text, next_in, slugify
from sync.statusfile import Statusfile, discover, display_path, load_all, load_bytes, natural_key

if TYPE_CHECKING:
    from sync.snapshot import Snapshot

INCIDENT_STATUSES = ("investigating", "identified", "monitoring", "resolved")
COMPONENT_STATUSES = ("operational", "degraded_performance", "partial_outage", "full_outage")
MAINTENANCE_STATUSES = ("maintenance_scheduled", "maintenance_in_progress", "maintenance_complete")
MAINTENANCE_COMPONENT_STATUSES = ("operational", "under_maintenance")
SCISSORS = "# ------------------------ >8 ------------------------"
# The API takes at most 4096 characters, each at most 4 bytes in UTF-8: a longer file is refused whatever it
# holds, after reading one byte past this, so that a device such as /dev/zero is never read to its end.
MESSAGE_MAX_BYTES = 4 * 4096


# --- where the file goes -------------------------------------------------------


def next_name(folder: Path, status: str | None) -> str:
    """Zero-padded sequence after every numbered file in ``folder``, then the status."""
    return next_in(os.listdir(folder) if folder.is_dir() else [], status)


def _editor_message(what: str, status: str | None, notify: bool) -> str:
    template = (
        "\n\n"
        f"{SCISSORS}\n"
        "# Write the update above this line, in Markdown, as subscribers will read it.\n"
        f"# {what}; status: {status or 'unchanged'}; "
        f"{'emails subscribers' if notify else 'no email'}.\n"
        "# Everything below the line is ignored; an empty message writes nothing.\n"
    )
    try:
        edited = click.edit(template, extension=".md", require_save=True)
    except OSError as exc:  # the editor removed or replaced its file
        raise click.ClickException(
            f"the editor left no message: {exc.strerror or exc}; nothing written"
        ) from None
    except UnicodeDecodeError as exc:
        raise click.ClickException(
            f"the edited message is not UTF-8 text (byte {exc.start}); nothing written"
        ) from None
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
            from sync.snapshot import label

            known = ", ".join(label(p.name, p.id) for p in snap.pages) or "none"
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
            from sync.snapshot import label

            known = ", ".join(label(c.name, c.id) for c in own) or "none"
            page = printable(snap.page_name(page_id) or page_id) if page_id is not None else "any page"
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
    # Both resolved: a directory given through a symlink (or /tmp on macOS) would otherwise give the files
    # identities outside it, and the folder's own files would seem not to be there.
    loaded = load_all(discover((here,), root))
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


def _read_message_file(name: str) -> str:
    """The text of ``--message-file``: a file, a pipe such as ``<(cmd)``, or ``-`` for standard input.

    Opened without blocking, so that a FIFO nothing writes to reads as empty rather than waiting forever.
    """
    where = "standard input" if name == "-" else printable(name)
    try:
        if name == "-":
            data = sys.stdin.buffer.read(MESSAGE_MAX_BYTES + 1)
        else:
            fd, _ = open_stat(name, os.O_RDONLY, special_ok=True)
            with os.fdopen(fd, "rb") as f:
                data = f.read(MESSAGE_MAX_BYTES + 1)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise click.BadParameter(f"cannot read {where}: {reason}", param_hint="--message-file") from None
    if len(data) > MESSAGE_MAX_BYTES:
        raise click.BadParameter(
            f"{where} is too long: over {MESSAGE_MAX_BYTES} bytes, "
            "and a message holds at most 4096 characters",
            param_hint="--message-file",
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise click.BadParameter(
            f"{where} is not UTF-8 text (byte {exc.start}); save it as UTF-8", param_hint="--message-file"
        ) from None
    return text


def _read_message(
    message: str | None, message_file: str | None, what: str, status: str | None, notify: bool
) -> str:
    if message_file is not None:
        message = _read_message_file(message_file)
    elif message is None:
        message = _editor_message(what, status, notify)
    # Line ends as a text file is read, whichever way the text came (-m "$(cat notes.txt)" keeps a Windows
    # file's CRs); a byte order mark (Notepad writes one) marks the encoding, not text.
    message = message.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
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
    "--message-file",
    type=click.Path(dir_okay=False, allow_dash=True),
    help="Read the text from a file (- for stdin).",
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
    message_file: str | None,
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
    given = [("--page", page), ("--name", name), ("--incident", incident), ("--slug", slug)]
    given += [("--start", start), ("--end", end), *(("--component", c) for c in components)]
    _require_utf8([*given, ("--message", message)])
    if slug is not None and not slugify(slug):  # else the name's or the incident's advice says to pass one
        raise click.BadParameter(
            f"{slug!r} has no Latin letters or digits to name a folder with: pass --slug with some",
            param_hint="--slug",
        )
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


def _require_utf8(options: list[tuple[str, str | None]]) -> None:
    """Refuse text given on the command line in another encoding than UTF-8: its bytes reach Python as lone
    surrogates, which no file can hold (a Latin-1 terminal, ``-m "$(cat notes.txt)"`` of a Windows file)."""
    for option, value in options:
        bad = next((c for c in value or "" if "\udc80" <= c <= "\udcff"), None)
        if bad is not None:
            raise click.BadParameter(
                f"is not UTF-8 text (byte 0x{ord(bad) - 0xDC00:02x}); give it as UTF-8", param_hint=option
            )


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
    echo_out(display_path(path) + "\n")
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
