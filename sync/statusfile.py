"""Finding statusfiles and loading them strictly into validated payloads.

A statusfile is one YAML file holding exactly a JSON request body: of
POST /v2/status_page_incident_updates by default, or of the create or update
its name and folder make it (see :mod:`sync.kinds`). Its identity is its path
relative to the statusfiles directory plus the SHA-256 of its canonical
payload, so reformatting or editing comments changes nothing while any change
to what would be sent does.
"""

from __future__ import annotations

import dataclasses
import errno
import functools
import json
import os
import posixpath
import re
import stat
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sync import collector, kinds, lint, rules, schema, yamlstrict
from sync.diagnostics import Diagnostic, StatusfileError, format_field, printable
from sync.fsutil import NotRegularFile, open_stat

YAML_SUFFIXES = (".yaml", ".yml")
_DIGITS = re.compile(r"(\d+)")


NaturalKey = tuple[tuple[int | str, ...], str]


@functools.lru_cache(maxsize=65536)  # paths are compared many times while sorting and planning
def natural_key(s: str) -> NaturalKey:
    """Sort key comparing runs of digits as numbers: ``2-x.yaml`` before ``10-x.yaml``."""
    parts = _DIGITS.split(s)
    return (tuple(int(p) if i % 2 else p for i, p in enumerate(parts)), s)


def canonical_json(payload: dict[str, Any]) -> bytes:
    """The exact body statusfiles sends: keys sorted, no insignificant whitespace, UTF-8."""
    return _canonical().encode(payload).encode()


@functools.cache  # what json.dumps would make anew for each of ten thousand payloads (validate needs none)
def _canonical() -> json.JSONEncoder:
    return json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def payload_sha256(payload: dict[str, Any]) -> str:
    import hashlib  # only plan and sync need digests: validate's start-up is spared loading OpenSSL

    return hashlib.sha256(canonical_json(payload)).hexdigest()


@dataclass(frozen=True, slots=True)
class Source:
    """A file to check: where it is, how to show it, and its identity path."""

    path: Path
    display: str
    rel: str  # POSIX path relative to the statusfiles directory (display path when outside it)
    problem: Diagnostic | None = None  # why discovery refused it (a symlink, a FIFO…), reported on loading


@dataclass(frozen=True, slots=True, eq=False)
class Statusfile:
    """A statusfile that passed every check."""

    source: Source
    payload: dict[str, Any]
    sha256: str
    # Where each field is, to point diagnostics at: the checked document's positions, or the file's
    # text to find them in again when first asked (a file loaded by a worker process; see _to_wire).
    located: yamlstrict.Document | str
    placement: kinds.Placement = kinds.ELSEWHERE
    warnings: tuple[Diagnostic, ...] = ()  # the linter's, shown beside the update in a plan

    @property
    def document(self) -> yamlstrict.Document:
        """The data and the positions of every field (parsed again from the text the first time, if kept)."""
        located = self.located
        if isinstance(located, str):
            located = _positions(located, self.payload)
            object.__setattr__(self, "located", located)  # frozen to callers; a cache of the same value
        return located

    def __eq__(self, other: object) -> bool:
        """Equal when everything observable is, positions included, however they are kept."""
        if not isinstance(other, Statusfile):
            return NotImplemented
        fields = ("source", "payload", "sha256", "placement", "warnings", "document")
        return all(getattr(self, name) == getattr(other, name) for name in fields)

    @property
    def rel(self) -> str:
        return self.source.rel

    @property
    def kind(self) -> kinds.Kind:
        return self.placement.kind

    @property
    def declaration(self) -> str | None:
        """Identity path of the incident.yaml / maintenance.yaml whose object this file belongs to."""
        return self.placement.declaration

    @property
    def display(self) -> str:
        return self.source.display

    @property
    def incident_id(self) -> str:
        return str(self.payload["status_page_incident_id"])

    @property
    def incident_status(self) -> str | None:
        return self.payload.get("incident_status")

    @property
    def notify(self) -> bool:
        return bool(self.payload.get("notify_subscribers"))

    @property
    def message(self) -> str:
        return str(self.payload["message"])

    @property
    def components(self) -> list[dict[str, str]]:
        return list(self.payload.get("component_statuses") or [])

    def diagnostic(self, field: tuple[str | int, ...], message: str, rule: str, **kw: Any) -> Diagnostic:
        """A diagnostic pointing at ``field`` in this file (used for plan and API errors)."""
        line, col = self.document.position(field)
        return Diagnostic(self.display, line, col, format_field(field), message, rule, **kw)


# --- discovery --------------------------------------------------------------


class DiscoveryError(Exception):
    """A path the user named does not exist: a usage error, not an invalid file."""


def display_path(path: Path | str) -> str:
    """Relative to the working directory when inside it, so CI annotations land on the right file."""
    rel = os.path.relpath(path)
    return Path(path).as_posix() if rel.startswith("..") else Path(rel).as_posix()


def find_up(name: str, start: Path | None = None) -> Path | None:
    """The folder ``name`` in ``start`` or its nearest ancestor that has one, as git finds ``.git``.

    The search stops at the repository's root (the first folder holding ``.git``), so a
    command run anywhere inside a repository finds the repository's folder and never one
    outside it. None when there is none.
    """
    here = (start or Path.cwd()).absolute()
    for folder in (here, *here.parents):
        if (folder / name).is_dir():
            return folder / name
        if (folder / ".git").exists():
            return None
    return None


def _is_yaml(name: str) -> bool:
    return name.lower().endswith(YAML_SUFFIXES)  # x.YAML is checked too, never silently left out


# Endings a statusfile's name gets by a slip of the keyboard: left out of discovery, such a file would
# never be checked nor published, so it is named as an error instead.
_SLIPPED_SUFFIXES = (".yam", ".ym", ".ymal", ".yaml", ".yml")


def _misnamed(name: str) -> Refusal | None:
    """Why a file that is not named as a statusfile looks meant to be one, if it does."""
    low = name.lower()
    if not low.rstrip(" \t.").endswith(_SLIPPED_SUFFIXES):
        return None
    return (
        "misnamed-statusfile",
        "the name does not end in .yaml or .yml, so this file would never be checked or published; "
        "rename it to end in .yaml",
    )


_NOT_REGULAR = "is {}, not a regular file; only regular files are statusfiles"


def _special(mode: int) -> str:
    """What a file that is not a regular file is, in words."""
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "a folder" if stat.S_ISDIR(mode) else "a special file"


def _symlink_problem(path: str) -> str:
    try:
        target = f" to {printable(os.readlink(path))}"
    except OSError:
        target = ""
    if os.path.isdir(path):
        return (
            f"is a symlink{target}, which is not followed, so the statusfiles there would never be "
            "published; move them here instead"
        )
    return f"is a symlink{target}; a statusfile must be a regular file: commit the file itself"


Refusal = tuple[str, str]  # (rule, message): why a path found is not read as a statusfile


def _not_regular(path: str, mode: int) -> Refusal | None:
    """Why the entry at ``path`` (of ``lstat`` mode ``mode``) cannot be read as a statusfile, if it cannot."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISLNK(mode):
        return "not-a-regular-file", _symlink_problem(path)
    return "not-a-regular-file", _NOT_REGULAR.format(_special(mode))


def _walk(folder: Path) -> Iterator[tuple[str, str, Refusal | None]]:
    """(path, display path, why it is refused) for each candidate statusfile under ``folder``.

    Entries are classified without following symlinks or opening anything, so a
    FIFO or a device in the tree is reported, never read.
    """
    pending = [(str(folder), display_path(folder))]
    while pending:
        real, shown = pending.pop()
        prefix = "" if shown == "." else shown + "/"
        # A folder outside the working directory may hold it: its folders are shown as display_path shows
        # them, so that a file in the working directory is never shown through ../ (as `new` shows it).
        outside = shown.startswith("..") or os.path.isabs(shown)
        try:
            with os.scandir(real) as entries:
                listing = list(entries)
        except OSError as exc:
            yield real, shown, ("unreadable", f"cannot read the folder: {exc.strerror or exc}")
            continue
        for entry in listing:
            name = entry.name
            if name.startswith("."):
                continue
            try:
                if entry.is_dir(follow_symlinks=False):
                    pending.append((entry.path, display_path(entry.path) if outside else prefix + name))
                elif entry.is_file(follow_symlinks=False):
                    if _is_yaml(name):
                        yield entry.path, prefix + name, None
                    elif (slip := _misnamed(name)) is not None:
                        yield entry.path, prefix + name, slip
                elif entry.is_symlink():
                    if _is_yaml(name) or os.path.isdir(entry.path):
                        yield entry.path, prefix + name, ("not-a-regular-file", _symlink_problem(entry.path))
                elif _is_yaml(name):
                    yield (
                        entry.path,
                        prefix + name,
                        _not_regular(entry.path, entry.stat(follow_symlinks=False).st_mode),
                    )
            except OSError as exc:
                yield (
                    entry.path,
                    prefix + name,
                    ("unreadable", f"cannot read the file: {exc.strerror or exc}"),
                )


def discover(paths: Sequence[Path], root: Path) -> list[Source]:
    """Statusfiles under ``root``, or under/at ``paths``; hidden files and folders are skipped.

    A file named explicitly is checked whatever its name (pre-commit passes
    exactly the files it wants checked). Anything that cannot be a statusfile
    (a symlink, a FIFO, a device, a folder that cannot be read, a name with a
    control character) is returned with the diagnostic that says so.
    """
    found: list[tuple[str, str, Refusal | None]] = []
    if not paths:
        if not root.is_dir():
            raise DiscoveryError(f"statusfiles directory {printable(display_path(root))} does not exist")
        found.extend(_walk(root))
    for p in paths:
        if p.is_dir():
            found.extend(_walk(p))
        elif os.path.lexists(p):
            found.append((str(p), display_path(p), _not_regular(str(p), os.lstat(p).st_mode)))
        else:
            raise DiscoveryError(f"{printable(display_path(p))} does not exist")
    root_abs = os.path.abspath(root)
    # A folder as found -> its absolute path and its path relative to root, each ending in a separator
    # (none for root itself): worked out once per folder, as abspath asks the OS for the working directory.
    folders: dict[str, tuple[str, str]] = {}
    sources: dict[str, Source] = {}
    for real, shown, why in found:
        folder, _, name = real.rpartition(os.sep)
        where = folders.get(folder)
        if where is None:
            folder_abs = os.path.abspath(folder or os.curdir)
            folder_rel = os.path.relpath(folder_abs, root_abs)
            where = (
                os.path.join(folder_abs, ""),
                "" if folder_rel == os.curdir else os.path.join(folder_rel, ""),
            )
            folders[folder] = where
        absolute, rel = where[0] + name, where[1] + name
        identity = shown if rel.startswith("..") else rel.replace(os.sep, "/")
        display = printable(shown)
        # The name inside the directory is what must be clean (it is the identity the ledger keeps); the
        # directory's own path, shown escaped, is no file's to rename.
        if why is None and printable(identity) != identity:
            why = (
                "bad-file-name",
                "the name holds a control character or bytes that are not UTF-8 (shown escaped); rename it",
            )
        problem = Diagnostic(display, 0, 0, "", why[1], why[0]) if why else None
        sources.setdefault(absolute, Source(Path(real), display, identity, problem))
    return sorted(sources.values(), key=lambda s: natural_key(s.rel))


# --- loading ----------------------------------------------------------------

# Opened so that nothing can follow a link swapped in since discovery (open_stat never blocks).
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)


def _too_large(display: str) -> StatusfileError:
    return StatusfileError(
        [
            Diagnostic(
                display,
                1,
                1,
                "",
                f"the file is larger than {yamlstrict.MAX_BYTES // 1024} KiB; "
                "a statusfile holds one short update",
                "file-too-large",
            )
        ]
    )


def read_capped(path: Path, display: str) -> bytes:
    """The bytes of a regular file, never more than one byte past the cap (so a huge file costs nothing).

    Opening never blocks (a FIFO is opened non-blocking, then refused) and
    never follows a symlink.
    """
    try:
        fd, info = open_stat(path, _OPEN_FLAGS)
    except NotRegularFile as exc:  # put there since discovery
        raise _not_a_regular_file(display, _special(exc.mode)) from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise _not_a_regular_file(display, "a symlink") from None
        raise _unreadable(display, exc) from None
    try:
        if info.st_size > yamlstrict.MAX_BYTES:
            raise _too_large(display)
        chunks = []
        left = yamlstrict.MAX_BYTES + 1
        while left > 0:
            chunk = os.read(fd, left)
            chunks.append(chunk)
            if len(chunk) < left:  # a short read of a regular file: its end
                break
            left -= len(chunk)
        return b"".join(chunks)
    except OSError as exc:
        raise _unreadable(display, exc) from None
    finally:
        os.close(fd)


def _not_a_regular_file(display: str, kind: str) -> StatusfileError:
    return StatusfileError([Diagnostic(display, 0, 0, "", _NOT_REGULAR.format(kind), "not-a-regular-file")])


def _unreadable(display: str, exc: OSError) -> StatusfileError:
    return StatusfileError(
        [Diagnostic(display, 0, 0, "", f"cannot read the file: {exc.strerror or exc}", "unreadable")]
    )


def decode(data: bytes, display: str) -> str:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise StatusfileError(
            [
                Diagnostic(
                    display,
                    line,
                    col,
                    "",
                    f"the file is not UTF-8 (byte 0x{data[exc.start]:02x}); save it as UTF-8",
                    "not-utf8",
                )
            ]
        ) from None
    return text.removeprefix("\ufeff")


def _diagnostic(display: str, p: yamlstrict.Problem) -> Diagnostic:
    return Diagnostic(display, p.line, p.column, format_field(p.path), p.message, p.rule)


def parse(text: str, display: str, *, pure: bool = False) -> yamlstrict.Document:
    try:
        return yamlstrict.load(text, pure=pure)
    except yamlstrict.YAMLProblems as exc:
        raise StatusfileError([_diagnostic(display, p) for p in exc.problems]) from None


# Free text: a comment after an unquoted value silently cuts what would be published. Elsewhere (an ID,
# a status, a boolean) `# why` after the value is a fine thing to write.
TEXT_FIELDS: tuple[tuple[str], ...] = (("message",), ("name",))


def _cut_by_comments(doc: yamlstrict.Document) -> Iterator[yamlstrict.Problem]:
    for path in TEXT_FIELDS:
        at = doc.comments.get(path)
        if at is None:
            continue
        value = doc.data.get(path[0]) if len(path) == 1 else None
        if isinstance(value, str) and value:
            kept = value if len(value) <= 40 else "…" + value[-39:]
            what = f"so only {kept!r} would be published"
        else:
            what = "so the value is empty"
        yield yamlstrict.Problem(
            at[0],
            at[1],
            path,
            f"a '#' after a space starts a comment, {what}; quote the {path[-1]}"
            + (" or use `message: |`" if path == ("message",) else ""),  # a | block would end a name in \n
            "yaml-trailing-comment",
        )


def check_document(
    doc: yamlstrict.Document, display: str, placement: kinds.Placement = kinds.ELSEWHERE
) -> list[Diagnostic]:
    """Every problem of a loaded document, each located in the file.

    A YAML problem that leaves a value (a duplicate key, ``yes``…) is reported
    beside the schema's and the rules' problems elsewhere in the file; at and
    under its own field it is the only one, since the others would be its echo.
    """
    yaml_problems = [*doc.problems, *_cut_by_comments(doc)] if doc.problems or doc.comments else []
    out = [_diagnostic(display, p) for p in yaml_problems]
    covered = {p.path for p in yaml_problems if p.path}
    ruled = list(rules.check(doc.data, placement))
    # A field a rule explains (one statusfiles fills in itself) is not also an unknown field.
    explained = {p.path for p in ruled if p.at_key}
    checked = [p for p in schema.check(doc.data, placement) if p.path not in explained]
    for p in [*checked, *ruled, *rules.limits(doc.data)]:
        if covered and any(p.path[:n] in covered for n in range(1, len(p.path) + 1)):  # at or under one
            continue
        line, col = doc.position(p.path, key=p.at_key)
        out.append(Diagnostic(display, line, col, format_field(p.path), p.message, p.rule))
    out.sort(key=Diagnostic.sort_key)
    return out


def _checked(
    data: bytes,
    source: Source,
    *,
    pure: bool,
    placement: kinds.Placement,
    linter: lint.Linter | None,
) -> tuple[yamlstrict.Document, list[Diagnostic], str]:
    """The document of a valid statusfile, its lint warnings, and the text it was parsed from: what
    :func:`load_bytes` checks. Raises :class:`StatusfileError` only; lint warnings alone do not fail a file.
    """
    if len(data) > yamlstrict.MAX_BYTES:
        raise _too_large(source.display)
    text = decode(data, source.display)
    doc = parse(text, source.display, pure=pure)
    problems = check_document(doc, source.display, placement)
    notes = linter.check(doc, text, source.display) if linter is not None else []
    if problems or any(d.is_error for d in notes):
        raise StatusfileError(sorted([*problems, *notes], key=Diagnostic.sort_key))
    return doc, notes, text


def load_bytes(
    data: bytes,
    source: Source,
    *,
    pure: bool = False,
    placement: kinds.Placement = kinds.ELSEWHERE,
    linter: lint.Linter | None = None,
    keep_positions: bool = True,
) -> Statusfile:
    """Everything from raw bytes to a validated (and, given a linter, linted) statusfile of its kind.

    Without ``keep_positions`` the file keeps its text instead of its document's positions, which
    are found again only if a diagnostic needs them: what a worker process sends back is then a
    fraction as costly to take in. Raises :class:`StatusfileError` only; lint warnings alone do not
    fail a file.
    """
    doc, notes, text = _checked(data, source, pure=pure, placement=placement, linter=linter)
    return Statusfile(
        source=source,
        payload=doc.data,
        sha256=payload_sha256(doc.data),
        located=_kept(doc) if keep_positions else text,
        placement=placement,
        warnings=tuple(notes),
    )


def _kept(doc: yamlstrict.Document, data: dict[str, Any] | None = None) -> yamlstrict.Document:
    """Of a checked document, what a loaded file keeps: the data (``data``, when given: the same values,
    already kept), and where each field is to point diagnostics at (the spans and comments served the
    checks)."""
    return yamlstrict.Document(doc.data if data is None else data, doc.positions, doc.key_positions)


def _positions(text: str, payload: dict[str, Any]) -> yamlstrict.Document:
    """The kept document of a checked statusfile's ``text`` (whose data is ``payload``), parsed again."""
    return _kept(yamlstrict.load(text), payload)


def load_statusfile(
    source: Source,
    placement: kinds.Placement | None = None,
    linter: lint.Linter | None = None,
    *,
    keep_positions: bool = True,
) -> Statusfile:
    """Load one file; without ``placement``, its kind follows from its name and its folder on disk."""
    data = _read_source(source)
    if placement is None:
        placement = kinds.place(source.rel, declarations([source]))
    return load_bytes(data, source, placement=placement, linter=linter, keep_positions=keep_positions)


def _read_source(source: Source) -> bytes:
    """The bytes of ``source``; StatusfileError when discovery refused it or it cannot be read."""
    if source.problem is not None:
        raise StatusfileError([source.problem])
    return read_capped(source.path, source.display)


def declarations(sources: Sequence[Source]) -> dict[str, list[str]]:
    """:func:`kinds.declarations` of ``sources``, plus declaration files beside them on disk.

    A run over some files only (pre-commit passes the changed ones) must still read an update
    beside an unchanged ``incident.yaml`` as that incident's update.
    """
    declared = kinds.declarations(s.rel for s in sources)
    looked: set[str] = set()
    for source in sources:
        folder = kinds.folder_of(source.rel)
        if folder in looked:
            continue
        looked.add(folder)
        found = declared.get(folder, [])
        if len(found) == len(kinds.DECLARATION_FILES):
            continue
        beside = os.path.dirname(source.path)
        for name in kinds.DECLARATION_FILES:
            rel = posixpath.join(folder, name)
            if rel not in found and os.path.isfile(os.path.join(beside, name)):
                declared[folder] = sorted([*found, rel])
                found = declared[folder]
    return declared


@dataclass(slots=True)
class LoadResult:
    files: list[Statusfile]
    diagnostics: list[Diagnostic]
    checked: int
    failed: int


# Loading is spread over processes from this many files on (a fork costs ~10 ms and each result is
# copied back, so small trees stay in one process); STATUSFILES_PARALLEL_FROM overrides it, 0 never.
PARALLEL_FROM = 2000
PARALLEL_ENV = "STATUSFILES_PARALLEL_FROM"
_PIECE = 250  # files loaded and sent back at a time: small enough that every process finishes together

# A file's outcome: whether it passed; the file itself, when the caller keeps files; and what to show
# for it in order (its problems, or its lint warnings when it passed).
Outcome = tuple[bool, Statusfile | None, list[Diagnostic]]


# What every worker process needs, inherited when it is forked: the sources in pieces, which pieces a
# process has taken (a multiprocessing RawArray of one flag a piece, and the Lock guarding it), the
# declarations, the linter, and whether the caller keeps the loaded files. A tuple, not a class: every
# run would pay for defining one.
_Job = tuple[list[list[Source]], Any, Any, dict[str, list[str]], lint.Linter | None, bool]
_job: _Job | None = None


def _load_one(
    source: Source,
    declared: dict[str, list[str]],
    linter: lint.Linter | None,
    keep: bool = True,
    *,
    keep_positions: bool = True,
) -> Outcome:
    problems = _second_declaration(source, declared)
    loaded = None
    notes: list[Diagnostic] = []
    try:
        placement = kinds.place(source.rel, declared)
        if keep:
            loaded = load_statusfile(source, placement, linter, keep_positions=keep_positions)
            notes = list(loaded.warnings)
        else:  # only the verdict: no payload digest, no Statusfile
            notes = _checked(_read_source(source), source, pure=False, placement=placement, linter=linter)[1]
    except StatusfileError as exc:
        problems.extend(_misnamed_declaration(source, declared, linter) or exc.diagnostics)
    if problems:
        return False, None, sorted(problems, key=Diagnostic.sort_key)
    return True, loaded, notes


def _misnamed_declaration(
    source: Source, declared: dict[str, list[str]], linter: lint.Linter | None
) -> list[Diagnostic]:
    """For a file named like a declaration but not exactly (``Incident.yaml``, ``incident.yml``) that fails
    as what its name makes it, in a folder that declares nothing: that its name is why, and what is wrong
    with it as the declaration it means to be. Empty for any other file: its own problems stand."""
    name = posixpath.basename(source.rel)
    meant = name.lower().removesuffix(".yml").removesuffix(".yaml") + ".yaml"
    if source.problem is not None or name in kinds.DECLARATION_FILES or meant not in kinds.DECLARATION_FILES:
        return []
    if declared.get(kinds.folder_of(source.rel)):  # beside a real declaration it is an update, as named
        return []
    kind: kinds.Kind = "incident" if meant == kinds.INCIDENT_FILE else "maintenance"
    what = "an incident" if kind == "incident" else "a maintenance window"
    message = (
        f"only a file named exactly {meant} declares {what}; "
        f"rename {name} to {meant} (named as it is, it and the files beside it are read as updates to an "
        "incident created elsewhere)"
    )
    found = [Diagnostic(source.display, 1, 1, "", message, "misnamed-declaration")]
    try:
        _checked(
            _read_source(source),
            source,
            pure=False,
            placement=kinds.Placement(kind, source.rel),
            linter=linter,
        )
    except StatusfileError as exc:
        found.extend(exc.diagnostics)
    return found


# A loaded file crosses from a worker as plain values in field order (its Source stays behind: the
# caller has it), which unpickle several times faster than the dataclass they come from. It carries
# its text, not its positions: a string is nearly free to send, and the positions are found again
# only for a file a diagnostic points into (see Statusfile.document).
_WIRE_FIELDS = tuple(f.name for f in dataclasses.fields(Statusfile) if f.name != "source")
Wire = tuple[bool, tuple[Any, ...] | None, list[Diagnostic]]


def _to_wire(outcome: Outcome) -> Wire:
    passed, loaded, shown = outcome
    if loaded is None:
        return passed, None, shown
    return passed, tuple(getattr(loaded, name) for name in _WIRE_FIELDS), shown


def _from_wire(source: Source, wire: Wire) -> Outcome:
    passed, values, shown = wire
    if values is None:
        return passed, None, shown
    return passed, Statusfile(source, *values), shown


def _take(job: _Job, index: int) -> bool:
    """Whether this process takes piece ``index``: each piece is loaded by exactly one process."""
    _, taken, lock, *_ = job
    with lock:
        if taken[index]:
            return False
        taken[index] = 1
        return True


def _load_piece(index: int) -> list[Wire] | None:
    """A worker's task: piece ``index`` sent back, or None when the main process took it first."""
    assert _job is not None
    pieces, _, _, declared, linter, keep = _job
    if not _take(_job, index):
        return None
    return [
        _to_wire(_load_one(source, declared, linter, keep, keep_positions=False)) for source in pieces[index]
    ]


def _processes(files: int) -> int:
    """How many processes to load ``files`` files with: 1 unless the tree is large and cores are idle."""
    try:
        threshold = int(os.environ.get(PARALLEL_ENV, PARALLEL_FROM))
    except ValueError:
        threshold = PARALLEL_FROM
    if threshold <= 0 or files < max(threshold, 2):
        return 1
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, files, 8))


def _load_parallel(
    sources: list[Source],
    declared: dict[str, list[str]],
    linter: lint.Linter | None,
    processes: int,
    keep: bool = True,
    meanwhile: Callable[[], None] | None = None,
) -> list[Outcome] | None:
    """Outcomes of ``sources`` in their order, loaded by forked workers and by this process.

    The sources are cut into pieces. Workers load them from the first on, this process (after
    ``meanwhile``, whatever else it has to do) from the last back, each piece by whichever process
    takes it first, so all finish together however busy each core is. None where processes cannot be
    forked safely (no fork, or threads running that a fork would copy mid-step); the caller then loads
    everything itself. Output never depends on which path ran, nor on who loaded what.
    """
    import multiprocessing
    import threading
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    if threading.active_count() > 1 or "fork" not in multiprocessing.get_all_start_methods():
        return None
    global _job
    pieces = [sources[i : i + _PIECE] for i in range(0, len(sources), _PIECE)]
    context = multiprocessing.get_context("fork")
    try:
        try:
            _job = (pieces, context.RawArray("b", len(pieces)), context.Lock(), declared, linter, keep)
            # Not multiprocessing.Pool: a worker that dies (the OOM killer, a signal) loses its task there,
            # and waiting for it would never end; here every unfinished piece then fails, and is loaded below.
            pool = ProcessPoolExecutor(processes - 1, mp_context=context)
            pending = [pool.submit(_load_piece, i) for i in range(len(pieces))]  # forks before any thread
        except (OSError, ImportError):  # no semaphores (some containers), no process limit left
            return None
        with pool:
            if meanwhile is not None:
                meanwhile()
            mine: dict[int, list[Outcome]] = {}
            for i in reversed(range(len(pieces))):
                if not _take(_job, i):  # the workers have come this far: the rest is theirs
                    break
                mine[i] = [_load_one(source, declared, linter, keep) for source in pieces[i]]
            outcomes: list[Outcome] = []
            for i, (piece, result) in enumerate(zip(pieces, pending, strict=True)):
                if i in mine:
                    outcomes += mine.pop(i)
                    continue
                try:
                    wires = result.result()  # a piece this process did not take was taken by a worker
                except BrokenProcessPool:  # its worker died: loaded here instead
                    outcomes += [_load_one(source, declared, linter, keep) for source in piece]
                    continue
                assert wires is not None
                outcomes.extend(map(_from_wire, piece, wires))
        return outcomes
    finally:
        _job = None


def load_all(
    sources: Iterable[Source],
    linter: lint.Linter | None = None,
    *,
    keep: bool = True,
    meanwhile: Callable[[], None] | None = None,
) -> LoadResult:
    """Load every source, collecting every diagnostic rather than stopping at the first bad file.

    A large tree is loaded by as many processes as there are cores; the result is the same. With
    ``keep`` false only the verdicts are collected (``files`` stays empty): what a caller needs that
    reports problems and counts, at a fraction of the memory and of what workers send back.
    ``meanwhile`` is called once, in this process, while worker processes load (or first, when this
    process loads everything): other work a command has, done while the other cores load.
    """
    sources = list(sources)
    declared = declarations(sources)
    processes = _processes(len(sources))
    with collector.paused():  # documents are acyclic: plain dicts, lists and strings
        outcomes = None
        if processes > 1:
            outcomes = _load_parallel(sources, declared, linter, processes, keep, meanwhile)
            meanwhile = None if outcomes is not None else meanwhile
        if outcomes is None:
            if meanwhile is not None:
                meanwhile()
            outcomes = [_load_one(source, declared, linter, keep) for source in sources]
        if keep:  # the caller keeps them: resumed, the collector would first walk every one (~0.1 s)
            collector.keep_all()
    files: list[Statusfile] = []
    diagnostics: list[Diagnostic] = []
    failed = 0
    for passed, loaded, shown in outcomes:
        failed += not passed
        if loaded is not None:
            files.append(loaded)
        diagnostics.extend(shown)
    return LoadResult(files, diagnostics, len(sources), failed)


def _second_declaration(source: Source, declared: dict[str, list[str]]) -> list[Diagnostic]:
    """A folder declares one object: the second declaration file in it is an error."""
    found = declared.get(kinds.folder_of(source.rel), [])
    if source.rel not in found[1:]:
        return []
    first = posixpath.basename(found[0])
    message = (
        f"this folder already holds {first}: a folder declares one incident or one maintenance window; "
        f"move {posixpath.basename(source.rel)} and its updates into a folder of their own"
    )
    return [Diagnostic(source.display, 1, 1, "", message, "two-declarations")]
