"""Everything statusfiles writes for GitHub Actions: the job summary, step outputs and annotations.

Annotations are diagnostics as workflow commands (``diagnostics.render_github``) on stdout; the job summary
and the step outputs are files the runner names in ``GITHUB_STEP_SUMMARY`` and ``GITHUB_OUTPUT``. Outside
Actions (neither set) nothing here writes anything.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path

import click

from sync.fsutil import NotRegularFile, open_regular

# A comment or issue body holds at most 65,536 characters, and workflows pass the Markdown output through one
# environment variable and one argument, each at most 128 KiB: cut by characters and by bytes, leaving room
# for what a workflow adds.
MARKDOWN_CHARS = 60_000
MARKDOWN_BYTES = 100_000
COUNTS = ("publish", "incidents", "notify", "moves", "errors")
CUT_NOTE = "\n\n*Cut short here: the run's job summary has all of it.*\n"
# GitHub drops a step's whole job summary when its file ends up larger than 1 MiB: what does not fit is cut.
SUMMARY_BYTES = 1024 * 1024
SUMMARY_CUT_NOTE = "\n\n*Cut short here: GitHub keeps at most 1 MiB of a step's job summary.*\n"


def counts(plan_summary: Mapping[str, object] | None, errors: int = 0) -> dict[str, object]:
    """The step outputs a workflow reads: from a plan's JSON summary, or (no plan) only the errors."""
    if plan_summary is None:
        return {"has-changes": "false", **{k: errors if k == "errors" else 0 for k in COUNTS}}
    changes = "true" if plan_summary.get("has_changes") else "false"
    return {"has-changes": changes, **{k: int(str(plan_summary.get(k) or 0)) for k in COUNTS}}


class OutputFileError(click.ClickException):
    """A file statusfiles was told to write for the job (exit status 1): a summary, outputs, a report."""

    def __init__(self, what: str, path: str | Path, exc: OSError) -> None:
        why = "not a regular file" if isinstance(exc, NotRegularFile) else exc.strerror or str(exc)
        super().__init__(f"cannot write to {what} ({path}): {why}")


def write_text(what: str, path: str | Path, text: str, *, append: bool = False) -> None:
    """Write (or append) ``text`` to ``path``, which ``what`` named; never waits on a FIFO or writes into
    a device. Raises :class:`OutputFileError` when it cannot."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if append else os.O_TRUNC)
    try:
        with os.fdopen(open_regular(path, flags), "w", encoding="utf-8") as f:
            f.write(text)
    except OSError as exc:
        raise OutputFileError(what, path, exc) from None


def append_summary(markdown: str, redact: Callable[[str], str] = str) -> None:
    """Append to the job summary, when there is one, cut to what is left of its SUMMARY_BYTES."""
    path = os.environ.get("GITHUB_STEP_SUMMARY")
    if not path:
        return
    data = (redact(markdown) + "\n").encode("utf-8")
    try:
        with os.fdopen(open_regular(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND), "wb") as f:
            f.write(_fit(data, SUMMARY_BYTES - os.fstat(f.fileno()).st_size))
    except OSError as exc:
        raise OutputFileError("GITHUB_STEP_SUMMARY", path, exc) from None


def _fit(data: bytes, room: int) -> bytes:
    """``data`` when it fits in ``room`` bytes; otherwise its whole lines that fit, with SUMMARY_CUT_NOTE."""
    if len(data) <= room:
        return data
    note = SUMMARY_CUT_NOTE.encode("utf-8")
    if room < len(note):
        return b""
    head = data[: room - len(note)]
    return head[: head.rfind(b"\n") + 1] + note


def cut(markdown: str) -> str:
    """At most MARKDOWN_CHARS characters and MARKDOWN_BYTES bytes, saying so when it was cut."""
    short = markdown[:MARKDOWN_CHARS].encode("utf-8")[:MARKDOWN_BYTES].decode("utf-8", "ignore")
    return markdown if short == markdown else short + CUT_NOTE


def output_text(values: Mapping[str, object], markdown: str | None = None) -> str:
    """``name=value`` lines, and the Markdown under a random delimiter: it quotes statusfiles a pull
    request's author wrote, so a fixed delimiter could be forged to set other outputs."""
    lines = [f"{name}={value}" for name, value in values.items()]
    if markdown is not None:
        import secrets  # only Markdown needs a delimiter (secrets costs start-up time)

        delimiter = f"statusfiles_{secrets.token_hex(16)}"
        lines.append(f"markdown<<{delimiter}\n{cut(markdown)}\n{delimiter}")
    return "".join(line + "\n" for line in lines)


def set_outputs(values: Mapping[str, object], markdown: str | None = None) -> None:
    """Append step outputs, when the step has an output file."""
    path = os.environ.get("GITHUB_OUTPUT")
    if path:
        write_text("GITHUB_OUTPUT", path, output_text(values, markdown), append=True)
