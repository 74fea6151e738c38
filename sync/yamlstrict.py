"""A strict, safe YAML reader that remembers where every value came from.

PyYAML's loaders build Python objects recursively and forget positions. This
reads the event stream instead (libyaml's C parser when present, the pure
parser otherwise — both are iterative, so hostile nesting cannot overflow the
stack) and builds plain ``dict``/``list``/``str``/``bool``/``None`` values with
an explicit stack, rejecting every YAML feature a status update never needs and
that could make the file mean something other than what it looks like.

Limits (documented in docs/file-format.md):

* ``MAX_BYTES`` — a statusfile is at most 128 KiB;
* ``MAX_DEPTH`` — collections nest at most 8 deep (a statusfile needs 3).
"""

from __future__ import annotations

import bisect
import functools
import itertools
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from sync.lazyre import LazyPattern

if TYPE_CHECKING:
    import yaml

MAX_BYTES = 128 * 1024
MAX_DEPTH = 8

Path = tuple[str | int, ...]
Position = tuple[int, int]  # 1-based line, column
# Where a scalar value's source text is: start and end offsets in the text, and its style
# ("" plain, "'" or '"' quoted, "|" or ">" block), so text inside a value can be located.
Span = tuple[int, int, str]

_TAG = "tag:yaml.org,2002:"

# YAML 1.1's implicit types as PyYAML's resolver has them (yaml/resolver.py, its verbose patterns
# written on one line, matched from the start): the type, the first characters it applies to ("" is
# the empty scalar) and the pattern, in PyYAML's order. Kept here so that a file the fast path reads
# never imports yaml (a fifth of a one-file validate); tests/test_loader_fastpath.py checks that every
# scalar gets PyYAML's type.
_IMPLICIT: tuple[tuple[str, tuple[str, ...], str], ...] = (
    (
        "bool",
        tuple("yYnNtTfFoO"),
        r"(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$",
    ),
    (
        "float",
        tuple("-+0123456789."),
        r"(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?"
        r"|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
    ),
    (
        "int",
        tuple("-+0123456789"),
        r"(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+"
        r"|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$",
    ),
    ("merge", ("<",), r"(?:<<)$"),
    ("null", (*"~nN", ""), r"(?:~|null|Null|NULL|)$"),
    (
        "timestamp",
        tuple("0123456789"),
        r"(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]"
        r"|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9]"
        r"(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$",
    ),
    ("value", ("=",), r"(?:=)$"),
    ("yaml", tuple("!&*"), r"(?:!|&|\*)$"),
)


@functools.cache
def _resolvers() -> dict[str, list[tuple[str, LazyPattern]]]:
    """The patterns by a scalar's first character, each compiled when first matched."""
    table: dict[str, list[tuple[str, LazyPattern]]] = {}
    for name, firsts, pattern in _IMPLICIT:
        compiled = LazyPattern(pattern)
        for first in firsts:
            table.setdefault(first, []).append((_TAG + name, compiled))
    return table


def _parsers() -> tuple[type, type]:
    """libyaml's loader (PyYAML's pure one when libyaml is missing) and PyYAML's pure loader, importing
    yaml the first time a file needs its parser."""
    global yaml
    import yaml

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader), yaml.SafeLoader


# A NamedTuple, not a dataclass: it is defined in every run and made only when something is wrong,
# and a dataclass costs several times more start-up time to define.
class Problem(NamedTuple):
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
    """The loaded mapping, where each of its values (and keys) starts, and what is wrong with it.

    ``problems`` are the YAML problems that still leave a value (a duplicate
    key, an anchor, a surprising scalar…): the caller reports them beside the
    schema's, so one run shows everything. ``comments`` maps each unquoted
    value followed by a comment on its own line to where that comment starts:
    whether that is a mistake depends on the field (``# …`` cuts free text).
    """

    data: dict[str, Any]
    positions: dict[Path, Position] = field(default_factory=dict)
    key_positions: dict[Path, Position] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    comments: dict[Path, Position] = field(default_factory=dict)
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
    tag = yaml11_tag(value)
    if tag == _TAG + "str" and _YAML12_NUMBER.fullmatch(value):
        return _TAG + "float"
    return tag


def yaml11_tag(value: str) -> str:
    """The type YAML 1.1 gives an unquoted scalar, as PyYAML's resolver does."""
    for tag, regexp in _resolvers().get(value[0] if value else "", ()):
        if regexp.match(value):
            return tag
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


def _tag_message(ev: Any) -> str:
    """What to write instead of an explicit tag, which names it as written (``!!str``, not its long form)."""
    tag = str(ev.tag)
    shown = "!!" + tag.removeprefix(_TAG) if tag.startswith(_TAG) else tag
    if tag in (_TAG + "str", "!") and type(ev) is yaml.ScalarEvent and not ev.style:  # "!" is text too
        # JSON string syntax is YAML's double-quoted form: the advice reads back as this text, quotes and all
        quoted = json.dumps(ev.value, ensure_ascii=False)
        return f"explicit tag {shown} is not allowed; quote the text instead: {quoted}"
    return f"explicit tag {shown} is not allowed; remove it"


class _Frame:
    __slots__ = ("container", "key", "path")

    def __init__(self, container: dict[str, Any] | list[Any], path: Path) -> None:
        self.container = container
        self.path = path
        self.key: str | None = None  # for mappings: the key waiting for its value


# YAML 1.1 ends a line at these as at a newline, but editors and diffs show nothing there: text after
# one would be read as a new line (a new field) that a reviewer never saw.
HIDDEN_BREAKS = {"\x85": "NEXT LINE", "\u2028": "LINE SEPARATOR", "\u2029": "PARAGRAPH SEPARATOR"}
_HIDDEN_BREAK = re.compile("[\x85\u2028\u2029]")
_SURROGATE = LazyPattern("[\ud800-\udfff]")
_EDITOR_LINE_END = LazyPattern(r"\r\n|\r|\n")
_BLANKS = frozenset(" \t")
# An inline lint allowance is a comment meant as one: it never cuts a value by mistake.
ALLOWANCE = LazyPattern(r"#[ \t]*statusfiles:[ \t]*allow\b[ \t]*([^\r\n]*)")


class _Lines:
    """Offsets to (line, column) as an editor counts lines, where a hidden break starts none."""

    def __init__(self, text: str) -> None:
        self.starts = [0, *(m.end() for m in _EDITOR_LINE_END.finditer(text))]

    def locate(self, index: int) -> Position:
        line = bisect.bisect_right(self.starts, index)
        return line, index - self.starts[line - 1] + 1


# A block scalar's header as YAML (and PyYAML) has it: the indicators, then spaces and a comment or nothing,
# then the line's end. libyaml also takes a comment with no space before it (``|#``).
_BREAKS = "\0\r\n\x85\u2028\u2029"
_BLOCK_HEADER = LazyPattern(
    rf"(?:[!&][^ \t{_BREAKS}]*[ \t]+)*"  # a tag or an anchor first: the node starts there
    rf"[|>](?:[+-][1-9]?|[1-9][+-]?)?(?:[ ]+(?:#[^{_BREAKS}]*)?)?"
)


def _bad_block_header(text: str, start: int) -> bool:
    """Whether PyYAML refuses the header of the block scalar at ``start``, which libyaml took."""
    header = _BLOCK_HEADER.match(text, start)
    end = header.end() if header is not None else start
    return end < len(text) and text[end] not in _BREAKS


class _Stop(Exception):
    """A problem after which nothing more in the file can be trusted."""

    def __init__(self, problem: Problem, index: int) -> None:
        super().__init__(problem.message)
        self.problem = problem
        self.index = index


_FIELD = LazyPattern(r"[ ]*(?:- +)*([A-Za-z_][\w-]*):[ \t]")


def _fix(problem: str, char: str, line_before: str, key: str | None) -> str:
    """What to do about a syntax error, for the mistakes people make writing a status update."""
    block = f"`{key}: |` with the text on the lines below" if key else "a `|` block"
    quote = f'quote the value ("…") or use {block}'
    if char == "\t":
        return "use spaces, not tabs, to indent and after ':' (a tab inside a quoted or | value is fine)"
    if "cannot start any token" in problem:
        return f"{char} cannot start an unquoted value; {quote}"
    if "while scanning an alias" in problem or "while scanning an anchor" in problem:
        return f"a value starting with * or & is read as an alias or anchor; {quote}"
    if "sequence entries are not allowed here" in problem:
        return f"a value starting with '- ' is read as a list; {quote}"
    if "mapping keys are not allowed here" in problem:
        return f"a value starting with '? ' is read as a key; {quote}"
    if "mapping values are not allowed here" in problem:
        if re.match(r"\s*(- )*[^\s#][^#]*?:\s", line_before):
            return f"': ' inside an unquoted value starts a new field; {quote}"
        return "is a ':' missing on a line above, or is this line indented more than the fields above it?"
    if "expected the node content" in problem and char:  # else the file ends there: what was open says why
        return f"{char} cannot start an unquoted value; {quote}"
    if "flow sequence" in problem or "flow mapping" in problem or "flow node" in problem:
        return f"a value starting with [ or {{ is read as a list or mapping; if it is text, {quote}"
    if "found '<scalar>'" in problem and re.match(r"\s*(- )*[^\s#][^#]*?:\s+[\[{]", line_before):
        return f"a value starting with [ or {{ is read as a list or mapping; if it is text, {quote}"
    if "found '<scalar>'" in problem and re.search("['\"]", line_before):
        return (
            "text follows a closing quote: inside '…' write '' for a quote, inside \"…\" write \\\", "
            f"or use {block}"
        )
    if "chomping or indentation indicators" in problem:
        return "after | or > nothing may follow on the line: start the text on the next line, indented"
    if "unknown escape character" in problem:
        return "inside double quotes \\ starts an escape: write \\\\ for a backslash, or use single quotes"
    if "while scanning a quoted scalar" in problem:
        return f"the quote that starts here is never closed; close it, or use {block}"
    if "could not find expected ':'" in problem:
        return (
            "this line is not `field: value`: put ': ' after the field's name, or indent a line that "
            "continues the value above it"
        )
    if "expected <block end>" in problem or "<document start>" in problem or "expected ':'" in problem:
        return "check the indentation: the fields of one mapping start in the same column"
    return f"if the value is text, {quote}"


class _Builder:
    """Turns the event stream into plain values, positions and problems, without recursion."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.problems: list[Problem] = []
        self.doc = Document(data={})
        self.stack: list[_Frame] = []
        self.root: Any = None
        self.documents = 0
        # The parser counts a hidden break as a new line; then positions are worked out from offsets.
        self.lines = _Lines(text) if _HIDDEN_BREAK.search(text) else None
        self.quoted: list[tuple[int, int]] = []  # where quoted scalars are, when a hidden break is about
        self.may_comment = " #" in text or "\t#" in text  # a comment after a value needs a blank before it

    def position(self, mark: Any) -> Position:
        if self.lines is None:
            return mark.line + 1, mark.column + 1
        return self.lines.locate(mark.index)

    def fatal(self, mark: Any, path: Path, message: str, rule: str) -> _Stop:
        line, col = self.position(mark)
        return _Stop(Problem(line, col, path, message, rule), mark.index)

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
        mark = ev.start_mark
        line, col = (mark.line + 1, mark.column + 1) if self.lines is None else self.lines.locate(mark.index)
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
            self.problems.append(Problem(line, col, here, _tag_message(ev), "yaml-tag"))
        if type(ev) is yaml.ScalarEvent:
            value, style, end = ev.value, ev.style, ev.end_mark
            assert end is not None  # the parser marks every event it emits
            if (style == "|" or style == ">") and _bad_block_header(self.text, mark.index):
                # libyaml's alone: refused here, the file is read again by PyYAML, which says what is wrong
                raise self.fatal(mark, here, "invalid block scalar header", "yaml-syntax")
            if style:
                if style == '"' and _SURROGATE.search(value):  # only an escape can write one
                    value = self.surrogates(value, line, col, here, is_key)
                if self.lines is not None and style in ("'", '"'):
                    self.quoted.append((mark.index, end.index))
            if not is_key:
                self.doc.spans.setdefault(here, (mark.index, end.index, style or ""))
            if is_key:
                assert parent is not None
                self.key(parent, value, bool(style), line, col)
            elif style or ev.tag is not None:  # a tag, not the value's look, says its type (refused above)
                self.attach(value, here, (line, col))
            else:
                self.attach(_plain_scalar(value, line, col, here, self.problems), here, (line, col))
                if self.may_comment:
                    self.comment_after(ev.end_mark, here)
            return
        if is_key:
            raise self.fatal(
                mark, here, "keys must be plain text, not a mapping or a list", "yaml-complex-key"
            )
        if len(self.stack) >= MAX_DEPTH:
            raise self.fatal(mark, here, f"nested more than {MAX_DEPTH} levels deep", "yaml-too-deep")
        if parent is None and type(ev) is not yaml.MappingStartEvent:
            raise self.fatal(
                mark, (), "the file must be a mapping of field: value, not a list", "not-a-mapping"
            )
        self.stack.append(_Frame({} if type(ev) is yaml.MappingStartEvent else [], here))
        self.doc.positions.setdefault(here, (line, col))

    def surrogates(self, value: str, line: int, col: int, here: Path, is_key: bool) -> str:
        """Report escapes that make half a UTF-16 pair (not a character: it cannot be sent as UTF-8)."""
        half = _SURROGATE.search(value)
        assert half is not None
        shown = _SURROGATE.sub("\ufffd", value)
        path = (*here, shown) if is_key else here
        self.problems.append(
            Problem(
                line,
                col,
                path,
                f"\\u{ord(half.group()):04x} is half of a UTF-16 surrogate pair, not a character; write the "
                "character itself, or \\U and 8 hex digits for one beyond U+FFFF (\\U0001F600)",
                "yaml-surrogate",
            )
        )
        return shown

    def comment_after(self, end: Any, path: Path) -> None:
        """Note a comment on the same line as the unquoted value that ends at ``end``, before a blank."""
        text, i = self.text, end.index
        if text[i : i + 1] not in _BLANKS:  # the usual case: the line (or the file) ends with the value
            return
        eol = text.find("\n", i)
        rest = text[i : eol if eol >= 0 else len(text)]
        after = rest.lstrip(" \t")
        if after.startswith("#") and not ALLOWANCE.match(after):
            at = i + len(rest) - len(after)
            self.doc.comments[path] = (
                (end.line + 1, end.column + 1 + at - i) if self.lines is None else self.lines.locate(at)
            )

    def key(self, parent: _Frame, key: str, quoted: bool, line: int, col: int) -> None:
        key_path = (*parent.path, key)
        if not quoted and implicit_tag(key) == _TAG + "merge":
            self.problems.append(
                Problem(
                    line,
                    col,
                    key_path,
                    "merge keys (<<) are not allowed; write the fields out",
                    "yaml-merge-key",
                )
            )
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
        line, col = self.position(ev.start_mark)
        parent = self.stack[-1] if self.stack else None
        message = f"alias *{ev.anchor} is not allowed; write the value out"
        if parent is None or (isinstance(parent.container, dict) and parent.key is None):
            raise self.fatal(ev.start_mark, parent.path if parent else (), message, "yaml-alias")
        if isinstance(parent.container, list):
            here: Path = (*parent.path, len(parent.container))
        else:
            here = (*parent.path, parent.key or "")
        self.problems.append(Problem(line, col, here, message, "yaml-alias"))
        self.attach(None, here, (line, col))

    def hidden_breaks(self, until: int) -> list[Problem]:
        """Every hidden line break before ``until`` that is not inside a quoted value."""
        if self.lines is None:
            return []
        out = []
        starts = [start for start, _ in self.quoted]  # in the text's order, as the parser met them
        for m in _HIDDEN_BREAK.finditer(self.text, 0, until):
            inside = bisect.bisect_right(starts, m.start()) - 1  # the last quoted value starting before it
            if inside >= 0 and m.start() < self.quoted[inside][1]:
                continue
            char = m.group()
            line, col = self.lines.locate(m.start())
            out.append(
                Problem(
                    line,
                    col,
                    (),
                    f"U+{ord(char):04X} ({HIDDEN_BREAKS[char]}) is a line break to YAML but invisible in "
                    "editors and diffs, so what follows it is read as a new line; delete it (inside a "
                    "quoted value it is kept as text)",
                    "yaml-hidden-line-break",
                )
            )
        return out

    def syntax_problem(self, exc: yaml.YAMLError) -> tuple[Problem, int]:
        """The parser's words, located, with what to do about them; and where parsing stopped."""
        text = self.text
        if isinstance(exc, yaml.MarkedYAMLError):
            mark = exc.problem_mark or exc.context_mark
            if exc.context_mark is not None and "could not find expected ':'" in str(exc.problem):
                mark = exc.context_mark  # where the line without a ':' starts, not the line after it
            what = exc.problem or exc.context or "invalid YAML"
            if exc.context and exc.problem:
                what = f"{exc.problem} ({exc.context})"
            index = mark.index if mark else 0
            line, col = self.position(mark) if mark else (1, 1)
            start = text.rfind("\n", 0, index) + 1
            top = self.stack[-1] if self.stack else None
            key = top.key if top is not None and isinstance(top.container, dict) else None
            if key is None and (field_on_line := _FIELD.match(text, start)):  # the parser stopped before it
                key = field_on_line.group(1)
            fix = _fix(what, text[index : index + 1], text[start:index], key)
            return Problem(line, col, (), f"invalid YAML: {what}; {fix}", "yaml-syntax"), index
        # ReaderError: a character YAML does not allow, located by offset.
        index = min(getattr(exc, "position", 0), len(text))
        line, col = (self.lines or _Lines(text)).locate(index)
        reason = getattr(exc, "reason", "unacceptable character")
        char = getattr(exc, "character", None)
        code = f" (U+{char:04X})" if isinstance(char, int) else ""
        return Problem(line, col, (), f"invalid YAML: {reason}{code}", "yaml-syntax"), index

    def feed(self, loader: type) -> None:
        parser = loader(self.text)
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
                    raise self.fatal(
                        ev.start_mark,
                        (),
                        "a second YAML document; a statusfile holds exactly one update",
                        "yaml-multiple-documents",
                    )


# --- the common shape, read without the parser ------------------------------
#
# Nearly every statusfile is top-level `field: plain text` lines, `field: |` blocks, lists of plain
# values or of `- field: value` mappings, comments and blank lines. `_simple` reads exactly that subset
# with regular expressions and builds the Document the event path would build (values, positions, spans,
# in the same order); on anything else (quotes, flow, anchors, tags, tabs, CR, hidden breaks, odd
# indentation, a value YAML would read as something other than text…) it declines and the parser decides.

# `key:` then a value, or nothing (a list follows); trailing spaces are not part of the value.
_KEY = re.compile(r"([A-Za-z_][A-Za-z0-9_]*):(?: +(.*[^ ]))? *")  # greedy: no backtracking per character
# A plain value that is plain text to YAML in block context: no indicator first, no comment, no ': '.
_PLAIN = re.compile(r"[A-Za-z0-9_./(][^#]*")
_ENTRY = re.compile(r"( *)- +")


def _plain(value: str) -> bool:
    return _PLAIN.fullmatch(value) is not None and ": " not in value and not value.endswith(":")


def _simple(text: str) -> Document | None:
    """The Document of ``text`` when it has the common shape and no problem; None to let the parser decide."""
    if not text.endswith("\n"):
        return None
    lines = text.split("\n")
    lines.pop()  # after the last newline
    # Printable to Python is stricter than readable as it looks to libyaml: it leaves out tab, CR,
    # controls, NEL and the other hidden line breaks, the BOM, surrogates, non-characters (and, with
    # no harm, other spaces than ' ').
    if not "".join(lines).isprintable():
        return None
    # Where each line starts, and after the last the text's length.
    starts = [length + n for n, length in enumerate(itertools.accumulate(map(len, lines), initial=0))]
    data: dict[str, Any] = {}
    positions: dict[Path, Position] = {}
    key_positions: dict[Path, Position] = {}
    spans: dict[Path, Span] = {}
    scratch: list[Problem] = []

    def scalar(value: str, path: Path, n: int, col: int) -> Any:
        """A plain value at line ``n`` (0-based), column ``col`` (0-based); raises _Decline on a surprise."""
        result = _plain_scalar(value, n + 1, col + 1, path, scratch)
        if scratch:
            raise _Decline
        start = starts[n] + col
        spans[path] = (start, start + len(value), "")
        positions[path] = (n + 1, col + 1)
        return result

    count = len(lines)
    n = 0
    try:
        while n < count:
            line = lines[n]
            if not line or line[0] == "#":
                n += 1
                continue
            m = _KEY.fullmatch(line)
            if m is None:
                return None
            key, value = m.group(1), m.group(2)
            if key in data:
                return None
            if not data:
                positions[()] = (n + 1, 1)
            path: Path = (key,)
            key_positions[path] = (n + 1, 1)
            if value == "|" or value == "|-":
                data[key], n = _block(lines, starts, n, m.start(2), value == "|", path, positions, spans)
            elif value:
                if not _plain(value):
                    return None
                data[key] = scalar(value, path, n, m.start(2))
                n += 1
            else:
                data[key], n = _sequence(lines, n + 1, path, positions, key_positions, scalar)
    except _Decline:
        return None
    if not data:
        return None
    return Document(data=data, positions=positions, key_positions=key_positions, spans=spans)


class _Decline(Exception):
    """Outside the common shape: the parser reads this file."""


def _block(
    lines: list[str],
    starts: list[int],
    n: int,
    col: int,
    clip: bool,
    path: Path,
    positions: dict[Path, Position],
    spans: dict[Path, Span],
) -> tuple[str, int]:
    """A top-level `|` or `|-` block whose header is on line ``n``: its text and the line after it."""
    count = len(lines)
    first = n + 1
    if first >= count or not lines[first]:
        raise _Decline  # empty, or blank lines first: the indentation would be guessed
    indent = len(lines[first]) - len(lines[first].lstrip(" "))
    if indent == 0 or indent == len(lines[first]):
        raise _Decline
    content: list[str] = []
    end = first
    while end < count:
        line = lines[end]
        if not line:
            content.append("")
        elif line[:indent].strip(" "):  # less indented: the block is over
            if line[0] == " ":
                raise _Decline
            break
        elif not line.strip(" "):
            raise _Decline  # a line of spaces: part of the text or not depends on its length
        else:
            content.append(line[indent:])
        end += 1
    while content and not content[-1]:
        content.pop()
    value = "\n".join(content) + ("\n" if clip else "")
    start = starts[n] + col
    spans[path] = (start, starts[end], "|")  # the next line's start; the text's end after the last
    positions[path] = (n + 1, col + 1)
    return value, end


def _sequence(
    lines: list[str],
    n: int,
    path: Path,
    positions: dict[Path, Position],
    key_positions: dict[Path, Position],
    scalar: Any,
) -> tuple[list[Any], int]:
    """The list of a top-level `key:` whose entries start at line ``n`` or after comments and blanks."""
    count = len(lines)
    items: list[Any] = []
    dash = -1  # the entries' column
    item: dict[str, Any] | None = None
    column = 0  # the current item mapping's keys' column
    while n < count:
        line = lines[n]
        if not line or line[0] == "#":
            n += 1
            continue
        entry = _ENTRY.match(line)
        if entry is not None and (dash < 0 or len(entry.group(1)) == dash):
            if dash < 0:
                dash = len(entry.group(1))
                positions[path] = (n + 1, dash + 1)
            here: Path = (*path, len(items))
            at = entry.end()
            m = _KEY.fullmatch(line, at)
            if m is not None:
                item, column = {}, at
                positions[here] = (n + 1, at + 1)
                items.append(item)
                _entry_field(m, item, here, n, scalar, key_positions)
            else:
                item = None
                value = line[at:].rstrip(" ")
                if not _plain(value):
                    raise _Decline
                items.append(scalar(value, here, n, at))
            n += 1
            continue
        if line[0] != " ":
            break  # the next top-level field
        if item is None or len(line) - len(line.lstrip(" ")) != column:
            raise _Decline
        m = _KEY.fullmatch(line, column)
        if m is None:
            raise _Decline
        _entry_field(m, item, (*path, len(items) - 1), n, scalar, key_positions)
        n += 1
    if not items or dash < 0:
        raise _Decline
    return items, n


def _entry_field(
    m: re.Match[str],
    item: dict[str, Any],
    here: Path,
    n: int,
    scalar: Any,
    key_positions: dict[Path, Position],
) -> None:
    """One `key: value` of a list entry's mapping."""
    key, value = m.group(1), m.group(2)
    if key in item or not value or not _plain(value):
        raise _Decline
    key_positions[(*here, key)] = (n + 1, m.start(1) + 1)
    item[key] = scalar(value, (*here, key), n, m.start(2))


def _in_order(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: (p.line, p.column))


def load(text: str, *, pure: bool = False) -> Document:
    """Parse one YAML document into plain values, or raise :class:`YAMLProblems`.

    Problems that leave the meaning clear (a duplicate key, an anchor, a
    surprising scalar) are returned in ``Document.problems`` so the user sees
    them beside the schema's; problems after which nothing is trustworthy (a
    syntax error, too deep, a second document) are raised at once.

    libyaml and PyYAML's pure parser disagree on some input: libyaml accepts a
    tab as separating whitespace where the pure parser refuses it, and they
    notice and word syntax errors differently. So text with a tab goes straight
    to the pure parser, and a file with any problem is judged again by it: what
    a user is told never depends on whether libyaml is installed, while valid
    files, nearly all of them, take the fast path.
    """
    if not pure and "\t" not in text:
        simple = _simple(text)
        if simple is not None:
            return simple
        try:
            doc = _load(text, _parsers()[0])
        except YAMLProblems:
            pass
        else:
            if not doc.problems:
                return doc
    return _load(text, _parsers()[1])


def _load(text: str, loader: type) -> Document:
    builder = _Builder(text)
    try:
        builder.feed(loader)
    except yaml.YAMLError as exc:
        stop, index = builder.syntax_problem(exc)
        raise YAMLProblems(_in_order([*builder.problems, *builder.hidden_breaks(index), stop])) from None
    except _Stop as exc:
        raise YAMLProblems(
            _in_order([*builder.problems, *builder.hidden_breaks(exc.index), exc.problem])
        ) from None

    problems = builder.problems
    if builder.lines is not None:
        problems = _in_order([*problems, *builder.hidden_breaks(len(text))])
    if builder.documents == 0:
        raise YAMLProblems([Problem(1, 1, (), "the file is empty: it holds no YAML document", "empty-file")])
    root = builder.root
    if not isinstance(root, dict):
        line, col = builder.doc.positions.get((), (1, 1))
        raise YAMLProblems(
            _in_order(
                [
                    *problems,
                    Problem(line, col, (), "the file must be a mapping of field: value", "not-a-mapping"),
                ]
            )
        )
    builder.doc.data = root
    builder.doc.problems = problems
    return builder.doc
