"""Finding statusfiles and loading them strictly into validated payloads.

A statusfile is one YAML file holding exactly the JSON body of
POST /v2/status_page_incident_updates. Its identity is its path relative to the
statusfiles directory plus the SHA-256 of its canonical payload, so reformatting
or editing comments changes nothing while any change to what would be sent does.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sync import lint, rules, schema, yamlstrict
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
    warnings: tuple[Diagnostic, ...] = ()  # the linter's, shown beside the update in a plan

    @property
    def rel(self) -> str:
        return self.source.rel

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


def check_document(doc: yamlstrict.Document, display: str) -> list[Diagnostic]:
    """Schema and rule problems of a well-formed document, each located in the file."""
    out = []
    for p in [*schema.check(doc.data), *rules.check(doc.data)]:
        line, col = doc.position(p.path, key=p.at_key)
        out.append(Diagnostic(display, line, col, format_field(p.path), p.message, p.rule))
    out.sort(key=Diagnostic.sort_key)
    return out


def load_bytes(
    data: bytes, source: Source, *, pure: bool = False, linter: lint.Linter | None = None
) -> Statusfile:
    """Everything from raw bytes to a validated (and, given a linter, linted) statusfile.

    Raises :class:`StatusfileError` only; lint warnings alone do not fail a file.
    """
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
    text = decode(data, source.display)
    doc = parse(text, source.display, pure=pure)
    problems = check_document(doc, source.display)
    notes = linter.check(doc, text, source.display) if linter is not None else []
    if problems or any(d.is_error for d in notes):
        raise StatusfileError(sorted([*problems, *notes], key=Diagnostic.sort_key))
    return Statusfile(
        source=source,
        payload=doc.data,
        sha256=payload_sha256(doc.data),
        document=doc,
        warnings=tuple(notes),
    )


def load_statusfile(source: Source, linter: lint.Linter | None = None) -> Statusfile:
    return load_bytes(read_capped(source.path, source.display), source, linter=linter)


@dataclass(slots=True)
class LoadResult:
    files: list[Statusfile]
    diagnostics: list[Diagnostic]
    checked: int
    failed: int


def load_all(sources: Iterable[Source], linter: lint.Linter | None = None) -> LoadResult:
    """Load every source, collecting every diagnostic rather than stopping at the first bad file."""
    files: list[Statusfile] = []
    diagnostics: list[Diagnostic] = []
    checked = failed = 0
    for source in sources:
        checked += 1
        try:
            statusfile = load_statusfile(source, linter)
        except StatusfileError as exc:
            failed += 1
            diagnostics.extend(exc.diagnostics)
        else:
            files.append(statusfile)
            diagnostics.extend(statusfile.warnings)
    return LoadResult(files, diagnostics, checked, failed)
