"""A strict, safe YAML reader that remembers where every value came from.

PyYAML's loaders build Python objects recursively and forget positions. This
reads the event stream instead (libyaml's C parser when present, the pure
parser otherwise — both are iterative, so hostile nesting cannot overflow the
stack) and builds plain ``dict``/``list``/``str``/``bool``/``None`` values with
an explicit stack, rejecting every YAML feature a status update never needs and
that could make the file mean something other than what it looks like.

Limits (documented in the README):

* ``MAX_BYTES`` — a statusfile is at most 128 KiB;
* ``MAX_DEPTH`` — collections nest at most 8 deep (a statusfile needs 3).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.resolver import Resolver

MAX_BYTES = 128 * 1024
MAX_DEPTH = 8

Path = tuple[str | int, ...]
Position = tuple[int, int]  # 1-based line, column
# Where a scalar value's source text is: start and end offsets in the text, and its style
# ("" plain, "'" or '"' quoted, "|" or ">" block), so text inside a value can be located.
Span = tuple[int, int, str]

_FAST_LOADER: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_PURE_LOADER: type = yaml.SafeLoader

_TAG = "tag:yaml.org,2002:"
_RESOLVERS: dict[Any, list[tuple[str, re.Pattern[str]]]] = Resolver.yaml_implicit_resolvers


@dataclass(frozen=True, slots=True)
class Problem:
    """A problem located in the text; the caller turns it into a Diagnostic with the file name."""

    line: int
    column: int
    path: Path
    message: str
    rule: str


class YAMLProblems(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(problems[0].message)
        self.problems = problems


@dataclass(slots=True)
class Document:
    """The loaded mapping and where each of its values (and keys) starts."""

    data: dict[str, Any]
    positions: dict[Path, Position] = field(default_factory=dict)
    key_positions: dict[Path, Position] = field(default_factory=dict)
    spans: dict[Path, Span] = field(default_factory=dict)  # scalar values only

    def position(self, path: Path, *, key: bool = False) -> Position:
        """Where ``path`` is, or the nearest enclosing value that exists (for a missing field)."""
        if key and path in self.key_positions:
            return self.key_positions[path]
        while path not in self.positions:
            if not path:
                return (1, 1)
            path = path[:-1]
        return self.positions[path]


# YAML 1.2 core schema numbers that YAML 1.1 reads as text (1e3, 0o17): editors
# speaking YAML 1.2 would call them numbers, so they are no safer unquoted.
_YAML12_NUMBER = re.compile(
    r"[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+|[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?"
    r"|[-+]?\.(inf|Inf|INF)|\.nan|\.NaN|\.NAN"
)


@functools.lru_cache(maxsize=4096)  # the same IDs and enum values recur in every file
def implicit_tag(value: str) -> str:
    """The type an unquoted scalar gets: YAML 1.1 as PyYAML resolves it, or a YAML 1.2 number."""
    resolvers = _RESOLVERS.get(value[0] if value else "", [])
    for tag, regexp in [*resolvers, *_RESOLVERS.get(None, [])]:
        if regexp.match(value):
            return tag
    if _YAML12_NUMBER.fullmatch(value):
        return _TAG + "float"
    return _TAG + "str"


_SURPRISES = {
    _TAG + "int": "a number",
    _TAG + "float": "a number",
    _TAG + "timestamp": "a date",
    _TAG + "value": "a special YAML value",
    _TAG + "merge": "a merge key",
}


def _plain_scalar(value: str, line: int, col: int, path: Path, problems: list[Problem]) -> Any:
    tag = implicit_tag(value)
    if tag == _TAG + "str":
        return value
    if tag == _TAG + "null":
        return None
    if tag == _TAG + "bool":
        if value in ("true", "false"):
            return value == "true"
        problems.append(
            Problem(
                line,
                col,
                path,
                f"{value} is a boolean in YAML 1.1 but text in YAML 1.2; write true or false "
                f'(or quote it, "{value}", if you mean the text)',
                "yaml-boolean",
            )
        )
        return value
    problems.append(
        Problem(
            line,
            col,
            path,
            f'unquoted {value} is read as {_SURPRISES.get(tag, tag)}, not text; quote it: "{value}"',
            "yaml-implicit-type",
        )
    )
    return value


class _Frame:
    __slots__ = ("container", "key", "path")

    def __init__(self, container: dict[str, Any] | list[Any], path: Path) -> None:
        self.container = container
        self.path = path
        self.key: str | None = None  # for mappings: the key waiting for its value


def _syntax_problem(exc: yaml.YAMLError, text: str) -> Problem:
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        what = exc.problem or exc.context or "invalid YAML"
        if exc.context and exc.problem:
            what = f"{exc.problem} ({exc.context})"
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        return Problem(line, col, (), f"invalid YAML: {what}", "yaml-syntax")
    # ReaderError: a character YAML does not allow, located by offset.
    pos = min(getattr(exc, "position", 0), len(text))
    line = text.count("\n", 0, pos) + 1
    col = pos - (text.rfind("\n", 0, pos) + 1) + 1
    reason = getattr(exc, "reason", "unacceptable character")
    char = getattr(exc, "character", None)
    code = f" (U+{char:04X})" if isinstance(char, int) else ""
    return Problem(line, col, (), f"invalid YAML: {reason}{code}", "yaml-syntax")


class _Builder:
    """Turns the event stream into plain values, positions and problems, without recursion."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.doc = Document(data={})
        self.stack: list[_Frame] = []
        self.root: Any = None
        self.documents = 0

    def fatal(self, line: int, col: int, path: Path, message: str, rule: str) -> YAMLProblems:
        return YAMLProblems([*self.problems, Problem(line, col, path, message, rule)])

    def attach(self, value: Any, path: Path, pos: Position) -> None:
        """Put a finished value into its parent (a duplicate key keeps its first value)."""
        self.doc.positions.setdefault(path, pos)
        if not self.stack:
            self.root = value
            return
        top = self.stack[-1]
        if isinstance(top.container, list):
            top.container.append(value)
            return
        assert top.key is not None
        top.container.setdefault(top.key, value)
        top.key = None

    def node(self, ev: Any) -> None:
        """A scalar or the start of a collection."""
        line, col = ev.start_mark.line + 1, ev.start_mark.column + 1
        parent = self.stack[-1] if self.stack else None
        is_key = False
        if parent is None:
            here: Path = ()
        elif isinstance(parent.container, list):
            here = (*parent.path, len(parent.container))
        elif parent.key is None:
            is_key, here = True, parent.path
        else:
            here = (*parent.path, parent.key)
        if ev.anchor is not None:
            self.problems.append(
                Problem(
                    line, col, here, f"anchor &{ev.anchor} is not allowed; write the value out", "yaml-anchor"
                )
            )
        if ev.tag is not None:
            self.problems.append(
                Problem(line, col, here, f"explicit tag {ev.tag} is not allowed; remove it", "yaml-tag")
            )
        if type(ev) is yaml.ScalarEvent:
            if not is_key:
                self.doc.spans.setdefault(here, (ev.start_mark.index, ev.end_mark.index, ev.style or ""))
            if is_key:
                assert parent is not None
                self.key(parent, ev.value, bool(ev.style), line, col)
            elif ev.style:
                self.attach(ev.value, here, (line, col))
            else:
                self.attach(_plain_scalar(ev.value, line, col, here, self.problems), here, (line, col))
            return
        if is_key:
            raise self.fatal(
                line, col, here, "keys must be plain text, not a mapping or a list", "yaml-complex-key"
            )
        if len(self.stack) >= MAX_DEPTH:
            raise self.fatal(line, col, here, f"nested more than {MAX_DEPTH} levels deep", "yaml-too-deep")
        if parent is None and type(ev) is not yaml.MappingStartEvent:
            raise self.fatal(
                line, col, (), "the file must be a mapping of field: value, not a list", "not-a-mapping"
            )
        self.stack.append(_Frame({} if type(ev) is yaml.MappingStartEvent else [], here))
        self.doc.positions.setdefault(here, (line, col))

    def key(self, parent: _Frame, key: str, quoted: bool, line: int, col: int) -> None:
        if not quoted and implicit_tag(key) == _TAG + "merge":
            self.problems.append(
                Problem(
                    line,
                    col,
                    parent.path,
                    "merge keys (<<) are not allowed; write the fields out",
                    "yaml-merge-key",
                )
            )
        key_path = (*parent.path, key)
        first = self.doc.key_positions.get(key_path)
        if first is not None:
            self.problems.append(
                Problem(
                    line,
                    col,
                    key_path,
                    f"duplicate key {key!r} (first on line {first[0]})",
                    "yaml-duplicate-key",
                )
            )
        else:
            self.doc.key_positions[key_path] = (line, col)
        parent.key = key

    def alias(self, ev: Any) -> None:
        line, col = ev.start_mark.line + 1, ev.start_mark.column + 1
        parent = self.stack[-1] if self.stack else None
        message = f"alias *{ev.anchor} is not allowed; write the value out"
        if parent is None or (isinstance(parent.container, dict) and parent.key is None):
            raise self.fatal(line, col, parent.path if parent else (), message, "yaml-alias")
        if isinstance(parent.container, list):
            here: Path = (*parent.path, len(parent.container))
        else:
            here = (*parent.path, parent.key or "")
        self.problems.append(Problem(line, col, here, message, "yaml-alias"))
        self.attach(None, here, (line, col))

    def feed(self, text: str, loader: type) -> None:
        parser = loader(text)
        try:
            self._feed(iter(parser.get_event, None))  # get_event returns None after StreamEnd
        finally:
            parser.dispose()

    def _feed(self, events: Iterator[Any]) -> None:
        for ev in events:
            kind = type(ev)
            if kind is yaml.ScalarEvent or kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
                self.node(ev)
            elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
                frame = self.stack.pop()
                self.attach(frame.container, frame.path, self.doc.positions[frame.path])
            elif kind is yaml.AliasEvent:
                self.alias(ev)
            elif kind is yaml.DocumentStartEvent:
                self.documents += 1
                if self.documents > 1:
                    mark = ev.start_mark
                    raise self.fatal(
                        mark.line + 1,
                        mark.column + 1,
                        (),
                        "a second YAML document; a statusfile holds exactly one update",
                        "yaml-multiple-documents",
                    )


def load(text: str, *, pure: bool = False) -> Document:
    """Parse one YAML document into plain values, or raise :class:`YAMLProblems`.

    Problems that leave the meaning clear (a duplicate key, an anchor, a
    surprising scalar) are collected so the user sees all of them at once;
    problems after which nothing is trustworthy (a syntax error, too deep, a
    second document) stop at once.

    libyaml and PyYAML's pure parser disagree on some input: libyaml accepts a
    tab as separating whitespace where the pure parser refuses it, and they
    notice and word syntax errors differently. So text with a tab goes straight
    to the pure parser, and a file that fails is judged again by it: what a
    user is told never depends on whether libyaml is installed, while valid
    files, nearly all of them, take the fast path.
    """
    if not pure and "\t" not in text:
        try:
            return _load(text, _FAST_LOADER)
        except YAMLProblems:
            pass
    return _load(text, _PURE_LOADER)


def _load(text: str, loader: type) -> Document:
    builder = _Builder()
    try:
        builder.feed(text, loader)
    except yaml.YAMLError as exc:
        raise YAMLProblems([*builder.problems, _syntax_problem(exc, text)]) from None

    if builder.documents == 0:
        raise YAMLProblems([Problem(1, 1, (), "the file is empty: it holds no YAML document", "empty-file")])
    root = builder.root
    if not isinstance(root, dict):
        line, col = builder.doc.positions.get((), (1, 1))
        raise YAMLProblems(
            [
                *builder.problems,
                Problem(line, col, (), "the file must be a mapping of field: value", "not-a-mapping"),
            ]
        )
    if builder.problems:
        raise YAMLProblems(builder.problems)
    builder.doc.data = root
    return builder.doc
