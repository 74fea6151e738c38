"""Finding statusfiles and loading them strictly into validated payloads.

A statusfile is one YAML file holding exactly a JSON request body: of
POST /v2/status_page_incident_updates by default, or of the create or update
its name and folder make it (see :mod:`sync.kinds`). Its identity is its path
relative to the statusfiles directory plus the SHA-256 of its canonical
payload, so reformatting or editing comments changes nothing while any change
to what would be sent does.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import posixpath
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sync import kinds, rules, schema, yamlstrict
from sync.diagnostics import Diagnostic, StatusfileError, format_field

YAML_SUFFIXES = (".yaml", ".yml")
_DIGITS = re.compile(r"(\d+)")


@functools.lru_cache(maxsize=65536)  # paths are compared many times while sorting and planning
def natural_key(s: str) -> tuple[Any, ...]:
    """Sort key comparing runs of digits as numbers: ``2-x.yaml`` before ``10-x.yaml``."""
    parts = _DIGITS.split(s)
    return (tuple(int(p) if i % 2 else p for i, p in enumerate(parts)), s)


def canonical_json(payload: dict[str, Any]) -> bytes:
    """The exact body statusfiles sends: keys sorted, no insignificant whitespace, UTF-8."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def payload_sha256(payload: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(payload)).hexdigest()


@dataclass(frozen=True, slots=True)
class Source:
    """A file to check: where it is, how to show it, and its identity path."""

    path: Path
    display: str
    rel: str  # POSIX path relative to the statusfiles directory (display path when outside it)


@dataclass(frozen=True, slots=True)
class Statusfile:
    """A statusfile that passed every check."""

    source: Source
    payload: dict[str, Any]
    sha256: str
    document: yamlstrict.Document
    placement: kinds.Placement = kinds.ELSEWHERE

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


def _walk(folder: Path) -> Iterable[str]:
    """Paths of YAML files under ``folder``, spelled as they will be displayed (cheap: no Path per file)."""
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        shown = display_path(dirpath)
        for name in filenames:
            if not name.startswith(".") and name.endswith(YAML_SUFFIXES):
                yield f"{shown}/{name}" if shown != "." else name


def discover(paths: Sequence[Path], root: Path) -> list[Source]:
    """Statusfiles under ``root``, or under/at ``paths``; hidden files and folders are skipped.

    A file named explicitly is checked whatever its name (pre-commit passes
    exactly the files it wants checked).
    """
    found: list[str] = []
    if not paths:
        if not root.is_dir():
            raise DiscoveryError(f"statusfiles directory {display_path(root)} does not exist")
        found.extend(_walk(root))
    for p in paths:
        if p.is_dir():
            found.extend(_walk(p))
        elif p.exists():
            found.append(display_path(p))
        else:
            raise DiscoveryError(f"{display_path(p)} does not exist")
    root_abs = os.path.abspath(root)
    sources: dict[str, Source] = {}
    for shown in found:
        absolute = os.path.abspath(shown)
        rel = os.path.relpath(absolute, root_abs)
        identity = shown if rel.startswith("..") else rel.replace(os.sep, "/")
        sources.setdefault(absolute, Source(path=Path(shown), display=shown, rel=identity))
    return sorted(sources.values(), key=lambda s: natural_key(s.rel))


# --- loading ----------------------------------------------------------------


def read_capped(path: Path, display: str) -> bytes:
    """The file's bytes, never more than one byte past the cap (so a huge file costs nothing)."""
    try:
        with open(path, "rb") as f:
            return f.read(yamlstrict.MAX_BYTES + 1)
    except OSError as exc:
        raise StatusfileError(
            [Diagnostic(display, 0, 0, "", f"cannot read the file: {exc.strerror or exc}", "unreadable")]
        ) from None


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


def parse(text: str, display: str, *, pure: bool = False) -> yamlstrict.Document:
    try:
        return yamlstrict.load(text, pure=pure)
    except yamlstrict.YAMLProblems as exc:
        raise StatusfileError(
            [
                Diagnostic(display, p.line, p.column, format_field(p.path), p.message, p.rule)
                for p in exc.problems
            ]
        ) from None


def check_document(
    doc: yamlstrict.Document, display: str, placement: kinds.Placement = kinds.ELSEWHERE
) -> list[Diagnostic]:
    """Schema and rule problems of a well-formed document, each located in the file."""
    out = []
    ruled = list(rules.check(doc.data, placement))
    # A field a rule explains (one statusfiles fills in itself) is not also an unknown field.
    explained = {p.path for p in ruled if p.at_key}
    checked = [p for p in schema.check(doc.data, placement) if p.path not in explained]
    for p in [*checked, *ruled, *rules.limits(doc.data)]:
        line, col = doc.position(p.path, key=p.at_key)
        out.append(Diagnostic(display, line, col, format_field(p.path), p.message, p.rule))
    out.sort(key=Diagnostic.sort_key)
    return out


def load_bytes(
    data: bytes,
    source: Source,
    *,
    pure: bool = False,
    placement: kinds.Placement = kinds.ELSEWHERE,
) -> Statusfile:
    """Everything from raw bytes to a validated statusfile; raises :class:`StatusfileError` only."""
    if len(data) > yamlstrict.MAX_BYTES:
        raise StatusfileError(
            [
                Diagnostic(
                    source.display,
                    1,
                    1,
                    "",
                    f"the file is larger than {yamlstrict.MAX_BYTES // 1024} KiB; "
                    "a statusfile holds one short update",
                    "file-too-large",
                )
            ]
        )
    doc = parse(decode(data, source.display), source.display, pure=pure)
    problems = check_document(doc, source.display, placement)
    if problems:
        raise StatusfileError(problems)
    return Statusfile(
        source=source, payload=doc.data, sha256=payload_sha256(doc.data), document=doc, placement=placement
    )


def load_statusfile(source: Source, placement: kinds.Placement | None = None) -> Statusfile:
    """Load one file; without ``placement``, its kind follows from its name and its folder on disk."""
    if placement is None:
        placement = kinds.place(source.rel, declarations([source]))
    return load_bytes(read_capped(source.path, source.display), source, placement=placement)


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
        for name in kinds.DECLARATION_FILES:
            rel = posixpath.join(folder, name)
            if rel not in found and (source.path.parent / name).is_file():
                declared[folder] = sorted([*found, rel])
                found = declared[folder]
    return declared


@dataclass(slots=True)
class LoadResult:
    files: list[Statusfile]
    diagnostics: list[Diagnostic]
    checked: int
    failed: int


def load_all(sources: Iterable[Source]) -> LoadResult:
    """Load every source, collecting every diagnostic rather than stopping at the first bad file."""
    sources = list(sources)
    declared = declarations(sources)
    files: list[Statusfile] = []
    diagnostics: list[Diagnostic] = []
    checked = failed = 0
    for source in sources:
        checked += 1
        problems = _second_declaration(source, declared)
        try:
            loaded = load_statusfile(source, kinds.place(source.rel, declared))
        except StatusfileError as exc:
            problems.extend(exc.diagnostics)
        if problems:
            failed += 1
            diagnostics.extend(sorted(problems, key=Diagnostic.sort_key))
        else:
            files.append(loaded)
    return LoadResult(files, diagnostics, checked, failed)


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
