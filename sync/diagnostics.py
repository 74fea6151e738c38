"""One error type for everything a user can get wrong, and the three ways to show it.

Every problem statusfiles reports — bad YAML, a schema violation, a rule, a plan
error, an API rejection — becomes a :class:`Diagnostic` that names the file, the
line and column, the field and a rule. Renderers turn a list of them into text
for a terminal, JSON for tools, or GitHub workflow commands that annotate the
pull-request diff.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Sequence
from enum import StrEnum
from typing import IO, Any, NamedTuple

from sync.lazyre import LazyPattern
from sync.views import View

JSON_FORMAT_VERSION = 1


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


# A NamedTuple, not a dataclass: every run defines it, and a NamedTuple is several times cheaper to define.
class Diagnostic(NamedTuple):
    """A problem found in one file, precise enough to jump to.

    ``line`` and ``column`` are 1-based; 0 means "the whole file" (e.g. it is
    not UTF-8 at all). ``field`` is a path such as
    ``component_statuses[1].component_status``, empty when the problem is not
    about one field.
    """

    file: str
    line: int
    column: int
    field: str
    message: str
    rule: str
    severity: Severity = Severity.ERROR

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.file, self.line, self.column, self.field, self.rule)

    def to_json(self) -> dict[str, Any]:
        out = self._asdict()
        out["severity"] = str(self.severity)
        return out

    @property
    def text(self) -> str:
        """The message prefixed with its field, as every renderer shows it (a key may hold any character,
        so the field is escaped)."""
        return f"{printable(self.field)}: {self.message}" if self.field else self.message


class StatusfileError(Exception):
    """Raised when input cannot be used; carries every diagnostic found.

    This is the only exception the loading and validation code lets escape for
    bad input: callers render ``diagnostics`` instead of a traceback.
    """

    def __init__(self, diagnostics: Sequence[Diagnostic]) -> None:
        if not diagnostics:
            raise ValueError("StatusfileError needs at least one diagnostic")
        self.diagnostics: tuple[Diagnostic, ...] = tuple(diagnostics)
        super().__init__("\n".join(render_text_line(d) for d in self.diagnostics))


def format_field(path: Iterable[str | int]) -> str:
    """``("component_statuses", 1, "component_status")`` -> ``component_statuses[1].component_status``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


# C0 and C1 controls (a newline, ESC…), the Unicode line separators, and the lone surrogates that stand
# for bytes of a file name that are not UTF-8: none may reach a terminal or a CI log raw, where a newline
# could start a workflow command (`::…`) and ESC could rewrite the screen.
_UNPRINTABLE = LazyPattern("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")


def _escape_char(match: re.Match[str]) -> str:
    code = ord(match.group())
    if 0xDC80 <= code <= 0xDCFF:  # a byte os.fsdecode could not decode
        return f"\\x{code - 0xDC00:02x}"
    return match.group().encode("unicode_escape").decode("ascii")


def printable(s: str) -> str:
    """``s`` with control characters and undecodable bytes escaped (``\\n``, ``\\x1b``, ``\\xff``)."""
    if s.isascii() and s.isprintable():  # the usual path: ASCII has no unprintable character but C0 and DEL
        return s
    return _UNPRINTABLE.sub(_escape_char, s)


# --- text -------------------------------------------------------------------

_COLOURS = {Severity.ERROR: "31", Severity.WARNING: "33"}


def use_colour(stream: IO[str]) -> bool:
    """Colour only for a person at a terminal, and never when NO_COLOR is set (no-color.org)."""
    if os.environ.get("NO_COLOR"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def render_text_line(d: Diagnostic, colour: bool = False) -> str:
    file = printable(d.file)
    if file.startswith("::"):  # a file so named in the working directory: its line would be a command
        file = "./" + file
    where = f"{file}:{d.line}:{d.column}" if d.line else file
    sev = str(d.severity)
    if colour:
        where = f"\x1b[1m{where}\x1b[0m"
        sev = f"\x1b[{_COLOURS[d.severity]}m{sev}\x1b[0m"
    first, _, rest = d.text.partition("\n")  # details (a diff) go below, indented
    details = "".join(f"\n    {line}" for line in rest.splitlines())
    return f"{where}: {sev}: {first} [{d.rule}]{details}"


def render_text(diagnostics: Iterable[Diagnostic], colour: bool = False) -> str:
    return "".join(render_text_line(d, colour) + "\n" for d in diagnostics)


# --- json -------------------------------------------------------------------


def render_json(diagnostics: Iterable[Diagnostic], summary: dict[str, Any]) -> str:
    """The stable JSON report: ``{"version": 1, "summary": {...}, "diagnostics": [...]}``."""
    doc = {
        "version": JSON_FORMAT_VERSION,
        "summary": summary,
        "diagnostics": [d.to_json() for d in diagnostics],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


# --- Markdown (a pull-request comment, the job summary) -------------------------


def md_code(text: str) -> str:
    return "`" + text.replace("`", "'") + "`"


def md_text(text: str) -> str:
    """Plain text (a value quoted in a message, a name) in Markdown: one line, and no ``<`` that GitHub would
    take for HTML, where ``<!here>`` vanishes and ``<details>`` or ``<!--`` hides the rest of the comment."""
    return printable(text).replace("<", "&lt;")


def render_markdown_diagnostics(diagnostics: Sequence[Diagnostic]) -> list[str]:
    """The lines of an Errors and a Warnings section, each diagnostic's diff in a code block."""
    lines = []
    for kind, title in (("error", "Errors"), ("warning", "Warnings")):
        chosen = [d for d in diagnostics if str(d.severity) == kind]
        if not chosen:
            continue
        lines += [f"#### {title}", ""]
        for d in chosen:
            file = printable(d.file)
            where = f"{file}:{d.line}" if d.line else file
            first, _, rest = d.text.partition("\n")
            lines.append(f"- {md_code(where)} **{d.rule}**: {md_text(first)}")
            if rest:
                lines += ["", "  ```diff", *("  " + r for r in rest.splitlines()), "  ```"]
        lines.append("")
    return lines


def render_markdown_refusal(title: str, headline: str, diagnostics: Sequence[Diagnostic]) -> str:
    """Nothing can be published, why, and every diagnostic: for a comment or the job summary."""
    lines = [f"### {title}", "", f"**Nothing can be published: {headline}**", ""]
    return "\n".join([*lines, *render_markdown_diagnostics(diagnostics)]).rstrip() + "\n"


# --- GitHub workflow commands ----------------------------------------------


def _escape_data(s: str) -> str:
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(s: str) -> str:
    return _escape_data(s).replace(":", "%3A").replace(",", "%2C")


def render_github_line(d: Diagnostic) -> str:
    """One ``::error file=…,line=…::message`` command, so the problem shows on the PR diff line."""
    props = [f"file={_escape_property(printable(d.file))}"]
    if d.line:
        props += [f"line={d.line}", f"col={d.column}"]
    props.append(f"title={_escape_property('statusfiles ' + d.rule)}")
    return f"::{d.severity} {','.join(props)}::{_escape_data(d.text)}"


def render_github(diagnostics: Iterable[Diagnostic]) -> str:
    return "".join(render_github_line(d) + "\n" for d in diagnostics)


FORMATS = ("text", "json", "github")


# --- validate's views: each returns its output and the exit status -------------------------------


class Checked(NamedTuple):  # as Diagnostic
    """What validation found in ``checked`` files, ``failed`` of them with errors.

    ``others`` are the files beside the statusfiles that validation reads (what each is, and its path as
    diagnostics show it): their findings are not a statusfile's, so the summary names them on their own.
    """

    diagnostics: Sequence[Diagnostic]
    checked: int
    failed: int
    others: Sequence[tuple[str, str]] = ()

    @property
    def errors(self) -> int:
        return count_errors(self.diagnostics)

    @property
    def status(self) -> int:
        return 1 if self.failed or self.errors else 0

    def summary_line(self) -> str:
        """``3 files checked, 1 failed (1 error); the snapshot statusfiles/snapshot.json has 1 error.``"""
        paths = {path for _, path in self.others}
        counts = _counts([d for d in self.diagnostics if d.file not in paths])
        line = f"{plural(self.checked, 'file')} checked, {self.failed} failed" + (
            f" ({counts})" if counts else ""
        )
        for what, path in self.others:
            if theirs := _counts([d for d in self.diagnostics if d.file == path]):
                line += f"; {what} {path} has {theirs}"
        return line + ".\n"


def _counts(diagnostics: Sequence[Diagnostic]) -> str:
    """``1 error, 2 warnings``; empty for none."""
    errors = count_errors(diagnostics)
    found = ((errors, "error"), (len(diagnostics) - errors, "warning"))
    return ", ".join(plural(n, word) for n, word in found if n)


def checked_text(c: Checked, colour: bool = False) -> View:
    return render_text(c.diagnostics, colour) + c.summary_line(), c.status


def checked_github(c: Checked) -> View:
    return render_github(c.diagnostics) + c.summary_line(), c.status


def checked_json(c: Checked) -> View:
    errors = c.errors
    summary = {
        "files_checked": c.checked,
        "files_failed": c.failed,
        "errors": errors,
        "warnings": len(c.diagnostics) - errors,
    }
    return render_json(c.diagnostics, summary), c.status


def count_errors(diagnostics: Iterable[Diagnostic]) -> int:
    """How many of ``diagnostics`` are errors (the rest are warnings)."""
    return sum(1 for d in diagnostics if d.is_error)


def plural(n: int, word: str) -> str:
    """``1 file``, ``2 files``."""
    return f"{n} {word}{'' if n == 1 else 's'}"


def did_you_mean(value: object, options: Sequence[str]) -> str | None:
    """The option a near-miss most likely meant: a case slip, a prefix, or a close spelling."""
    if not isinstance(value, str) or not value.strip():
        return None
    import difflib  # only needed on the error path

    v = value.strip().lower()
    for opt in options:
        if opt.lower() == v or opt.lower().replace("_", " ") == v.replace("_", " ").replace("-", " "):
            return opt
    close = difflib.get_close_matches(v, options, n=1, cutoff=0.6)
    if close:
        return close[0]
    starts = [opt for opt in options if opt.startswith(v) or v.startswith(opt)]
    return starts[0] if len(starts) == 1 else None
