"""Reading the linter's configuration, ``<statusfiles dir>/.lint.yaml``, at the edge.

The file is read like a statusfile (size cap, UTF-8, the strict YAML loader), so
its problems are diagnostics with a line and column; where it is wrong, the
defaults stand in and the run still fails on those diagnostics.
"""

from __future__ import annotations

import os
from pathlib import Path

from sync import lint
from sync.diagnostics import Diagnostic, StatusfileError, format_field
from sync.statusfile import decode, display_path, parse, read_capped


def config_path(directory: Path) -> Path:
    return directory / lint.CONFIG_NAME


def is_config(path: Path, directory: Path) -> bool:
    """Whether ``path`` is the configuration (pre-commit names it like any changed YAML file).

    The name is compared first: it rules out every statusfile without asking the OS for a path.
    """
    return path.name == lint.CONFIG_NAME and os.path.abspath(path) == os.path.abspath(config_path(directory))


def misplaced(path: Path, directory: Path) -> Diagnostic | None:
    """A configuration's name anywhere but the statusfiles directory (pre-commit passes it like any YAML
    file): nothing reads it, and checked as a statusfile it would only be told that it lacks a message."""
    if path.name != lint.CONFIG_NAME or is_config(path, directory):
        return None
    return Diagnostic(
        display_path(path),
        1,
        1,
        "",
        f"the linter reads its configuration only from {display_path(config_path(directory))}, so this file "
        "has no effect; move it there",
        lint.CONFIG_RULE,
    )


def load(directory: Path) -> tuple[lint.Settings, list[Diagnostic]]:
    """The settings of the statusfiles in ``directory`` and the configuration's problems."""
    path = config_path(directory)
    if not os.path.lexists(path):  # anything else there (a folder, a FIFO, a symlink) is refused below
        return lint.Settings(), []
    display = display_path(path)
    try:
        doc = parse(decode(read_capped(path, display), display), display)
    except StatusfileError as exc:
        if [d.rule for d in exc.diagnostics] == ["empty-file"]:
            return lint.Settings(), []  # every setting commented out: the defaults
        return lint.Settings(), list(exc.diagnostics)
    settings, problems = lint.settings_from(doc.data)
    # The YAML problems that still leave a value (a duplicate key keeps its first value, so a later,
    # stricter one would silently not apply); `off`, a YAML 1.1 boolean, is a documented severity.
    diagnostics = [
        Diagnostic(display, p.line, p.column, format_field(p.path), p.message, p.rule)
        for p in doc.problems
        if not (p.rule == "yaml-boolean" and p.path[:1] == ("rules",))
    ]
    for p in problems:
        line, col = doc.position(p.path, key=p.at_key)
        diagnostics.append(Diagnostic(display, line, col, format_field(p.path), p.message, lint.CONFIG_RULE))
    return settings, sorted(diagnostics, key=Diagnostic.sort_key)


def linter(directory: Path) -> tuple[lint.Linter, list[Diagnostic]]:
    settings, diagnostics = load(directory)
    return lint.Linter(settings), diagnostics
