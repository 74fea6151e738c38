"""The account's status pages and their components, as committed to git by ``statusfiles pull``.

The snapshot lets ``validate``, ``plan`` and ``new`` work with names offline (on a fork's pull
request, without a key): a page or component ID is checked against it and shown beside its name.
It lives in ``statusfiles/snapshot.json``, which discovery never reads as a statusfile (only
``.yaml``/``.yml`` are). Its text is a function of its content alone, sorted and one component per
line, so pulling an unchanged account rewrites the same bytes and a change is a small git diff.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, NamedTuple, TypeVar, overload

from sync.diagnostics import Diagnostic, StatusfileError, format_field, printable
from sync.fsutil import read_regular
from sync.jsonvalue import TooDeep, loads

SNAPSHOT_NAME = "snapshot.json"
FORMAT_VERSION = 1
RULE = "snapshot-invalid"


# Page and Component are NamedTuples, not dataclasses: cheaper to define, and defined in every validate.
class Page(NamedTuple):
    id: str
    name: str


class Component(NamedTuple):
    id: str
    name: str
    group: str | None  # the group it is shown in on the page, if any
    page_id: str
    sub_page: str | None = None  # the sub-page it is shown on, if any

    @property
    def place(self) -> str:
        """Where the page shows it: ``Sub-page / Group``, or '' for the top level."""
        return " / ".join(p for p in (self.sub_page, self.group) if p)


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Pages and components, each sorted; lookups by ID and by name (a name matches case-insensitively)."""

    pages: tuple[Page, ...] = ()
    components: tuple[Component, ...] = ()
    _pages: Mapping[str, Page] = field(init=False, repr=False, compare=False)
    _components: Mapping[str, Component] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        pages = tuple(sorted(self.pages, key=lambda p: (p.name.casefold(), p.name, p.id)))
        components = tuple(sorted(self.components, key=_component_order))
        object.__setattr__(self, "pages", pages)
        object.__setattr__(self, "components", components)
        object.__setattr__(self, "_pages", {p.id: p for p in pages})
        object.__setattr__(self, "_components", {c.id: c for c in components})

    def page(self, page_id: str) -> Page | None:
        return self._pages.get(page_id)

    def component(self, component_id: str) -> Component | None:
        return self._components.get(component_id)

    def page_name(self, page_id: str) -> str | None:
        page = self._pages.get(page_id)
        return page.name if page else None

    def component_name(self, component_id: str) -> str | None:
        component = self._components.get(component_id)
        return component.name if component else None

    def components_of(self, page_id: str) -> list[Component]:
        return [c for c in self.components if c.page_id == page_id]

    def find_page(self, name_or_id: str) -> Page | None:
        """The page with this ID, else the one page with this name (None when none or several)."""
        if name_or_id in self._pages:
            return self._pages[name_or_id]
        return _one(self.pages_named(name_or_id))

    def pages_named(self, name: str) -> list[Page]:
        """The pages with this name (any case)."""
        return [p for p in self.pages if _same(p.name, name)]

    def find_component(self, page_id: str, name_or_id: str) -> Component | None:
        """The page's component with this ID, else its one component with this name.

        A name may also be written ``Group / Name`` (as the page shows it) to tell apart two
        components with the same name in different groups.
        """
        found = self._components.get(name_or_id)
        if found is not None and found.page_id == page_id:
            return found
        own = self.components_of(page_id)
        return _one(c for c in own if _same(c.name, name_or_id)) or _one(
            c for c in own if c.place and _same(f"{c.place} / {c.name}", name_or_id)
        )

    def to_json(self) -> str:
        """The file's text: deterministic, one page header and one component per line."""
        dumps = _dumps
        lines = ["{", f'  "version": {FORMAT_VERSION},', '  "pages": [']
        for i, page in enumerate(self.pages):
            lines += ["    {", f'      "id": {dumps(page.id)},', f'      "name": {dumps(page.name)},']
            own = self.components_of(page.id)
            if not own:
                lines.append('      "components": []')
            else:
                lines.append('      "components": [')
                for j, c in enumerate(own):
                    item: dict[str, Any] = {"id": c.id, "name": c.name, "group": c.group}
                    if c.sub_page is not None:
                        item["sub_page"] = c.sub_page
                    lines.append(f"        {dumps(item)}{',' if j < len(own) - 1 else ''}")
                lines.append("      ]")
            lines.append("    }" + ("," if i < len(self.pages) - 1 else ""))
        lines += ["  ]", "}"]
        return "\n".join(lines) + "\n"


def component_fields(payload: Mapping[str, Any]) -> list[tuple[tuple[str | int, ...], str]]:
    """Where a statusfile's payload names a component, and the ID it gives there."""
    out: list[tuple[tuple[str | int, ...], str]] = [
        (("component_statuses", i, "component_id"), str(item["component_id"]))
        for i, item in enumerate(payload.get("component_statuses") or [])
    ]
    out += [
        (("affected_component_ids", i), str(c))
        for i, c in enumerate(payload.get("affected_component_ids") or [])
    ]
    return out


def label(name: str | None, ident: str) -> str:
    """How output shows an object: ``Name (ID)``, or the ID alone when its name is not known.

    Both come from the account or a snapshot in a pull request: their control characters are escaped, so
    that neither can start a line of its own (a GitHub workflow command) or drive a terminal.
    """
    return f"{printable(name)} ({printable(ident)})" if name else printable(ident)


def page_label(names: Snapshot | None, page_id: str) -> str:
    return label(names.page_name(page_id) if names else None, page_id)


def component_label(names: Snapshot | None, component_id: str) -> str:
    return label(names.component_name(component_id) if names else None, component_id)


def names_json(names: Snapshot | None, payloads: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """``{"pages": {id: name}, "components": {id: name}}``: the names of the IDs ``payloads`` give."""
    pages: dict[str, str] = {}
    components: dict[str, str] = {}
    if names is None:
        return {"pages": pages, "components": components}
    for payload in payloads:
        page_id = str(payload.get("status_page_id", ""))
        if name := names.page_name(page_id):
            pages[page_id] = name
        for _, cid in component_fields(payload):
            if name := names.component_name(cid):
                components[cid] = name
    return {"pages": dict(sorted(pages.items())), "components": dict(sorted(components.items()))}


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def _component_order(c: Component) -> tuple[str, ...]:
    return (
        c.page_id,
        (c.sub_page or "").casefold(),
        (c.group or "").casefold(),
        c.name.casefold(),
        c.name,
        c.id,
    )


def _same(name: str, wanted: str) -> bool:
    return name.strip().casefold() == wanted.strip().casefold()


_T = TypeVar("_T")


def _one(items: Iterable[_T]) -> _T | None:
    found = list(items)
    return found[0] if len(found) == 1 else None


def path_in(directory: Path) -> Path:
    return directory / SNAPSHOT_NAME


def display(directory: Path) -> str:
    """The snapshot's path as diagnostics show it."""
    from sync.statusfile import display_path

    return display_path(path_in(directory))


# --- reading ------------------------------------------------------------------


def read(directory: Path) -> Snapshot | None:
    """The snapshot in the statusfiles ``directory``; None when there is none.

    Raises :class:`StatusfileError` (one ``snapshot-invalid`` diagnostic naming the file and line)
    when it cannot be read or is not a snapshot this version understands.
    """
    shown = display(directory)
    try:
        data = read_regular(path_in(directory))  # a FIFO named like it is refused, never waited on
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise _error(shown, 0, 0, f"the snapshot cannot be read: {exc.strerror or exc}") from None
    return parse(data, shown)


def parse(data: bytes, display: str) -> Snapshot:
    """A snapshot from the file's bytes; raises :class:`StatusfileError` naming ``display`` and the line."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise _error(display, line, 1, "the snapshot is not UTF-8") from None
    try:
        doc = loads(text)
    except json.JSONDecodeError as exc:
        raise _error(display, exc.lineno, exc.colno, f"the snapshot is not valid JSON ({exc.msg})") from None
    except TooDeep:  # no snapshot is
        raise _error(display, 1, 1, "the snapshot is nested too deeply to be one") from None
    try:
        return _from_json(doc)
    except _Shape as exc:
        line, col = _locate(text, exc.path)
        raise _error(display, line, col, exc.message, exc.path) from None


class _Shape(Exception):
    def __init__(self, path: tuple[str | int, ...], message: str) -> None:
        super().__init__(message)
        self.path = path
        self.message = message


@overload
def _text(value: Any, path: tuple[str | int, ...], *, optional: Literal[False] = False) -> str: ...
@overload
def _text(value: Any, path: tuple[str | int, ...], *, optional: Literal[True]) -> str | None: ...
def _text(value: Any, path: tuple[str | int, ...], *, optional: bool = False) -> str | None:
    if optional and value is None:
        return None
    if not isinstance(value, str) or not value:
        raise _Shape(path, "must be a non-empty string")
    return value


def _mapping(value: Any, path: tuple[str | int, ...]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _Shape(path, "must be an object")
    return value


def _list(value: Any, path: tuple[str | int, ...]) -> list[Any]:
    if not isinstance(value, list):
        raise _Shape(path, "must be a list")
    return value


def _from_json(doc: Any) -> Snapshot:
    root = _mapping(doc, ())
    version = root.get("version")
    if version != FORMAT_VERSION:
        if isinstance(version, int) and not isinstance(version, bool) and version > FORMAT_VERSION:
            message = (
                f"{version} is newer than this statusfiles reads ({FORMAT_VERSION}): upgrade statusfiles"
            )
        else:
            message = f"must be {FORMAT_VERSION}"
        raise _Shape(("version",), message)
    pages: list[Page] = []
    components: list[Component] = []
    seen_pages: set[str] = set()
    seen_components: set[str] = set()
    for i, raw in enumerate(_list(root.get("pages"), ("pages",))):
        at: tuple[str | int, ...] = ("pages", i)
        item = _mapping(raw, at)
        page = Page(_text(item.get("id"), (*at, "id")), _text(item.get("name"), (*at, "name")))
        if page.id in seen_pages:
            raise _Shape((*at, "id"), f"page {page.id} is listed twice")
        seen_pages.add(page.id)
        pages.append(page)
        for j, craw in enumerate(_list(item.get("components"), (*at, "components"))):
            cat = (*at, "components", j)
            c = _mapping(craw, cat)
            component = Component(
                id=_text(c.get("id"), (*cat, "id")),
                name=_text(c.get("name"), (*cat, "name")),
                group=_text(c.get("group"), (*cat, "group"), optional=True),
                page_id=page.id,
                sub_page=_text(c.get("sub_page"), (*cat, "sub_page"), optional=True),
            )
            if component.id in seen_components:
                raise _Shape((*cat, "id"), f"component {component.id} is listed twice")
            seen_components.add(component.id)
            components.append(component)
    return Snapshot(tuple(pages), tuple(components))


def _locate(text: str, path: tuple[str | int, ...]) -> tuple[int, int]:
    """Line and column of ``path`` in the JSON text (JSON is YAML, whose nodes keep their marks)."""
    import yaml

    try:
        node = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError:
        return (1, 1)
    for part in path:
        if isinstance(node, yaml.MappingNode):
            found = [v for k, v in node.value if k.value == part]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            found = [node.value[part]]
        else:
            found = []
        if not found:
            break
        node = found[-1]
    if node is None:
        return (1, 1)
    return (node.start_mark.line + 1, node.start_mark.column + 1)


def _error(
    display: str, line: int, col: int, message: str, path: tuple[str | int, ...] = ()
) -> StatusfileError:
    hint = (
        message if "upgrade" in message else f"{message}; run `statusfiles pull` to write the snapshot again"
    )
    return StatusfileError([Diagnostic(display, line, col, format_field(path), hint, RULE)])


# --- building from the API ---------------------------------------------------------------


def build(pages: Iterable[Page], structures: Mapping[str, Iterable[Component]]) -> Snapshot:
    """The snapshot of ``pages``, each with the components its structure lists (by page ID)."""
    pages = tuple({p.id: p for p in pages}.values())
    components: dict[str, Component] = {}
    for page in pages:
        for c in structures.get(page.id, ()):
            components.setdefault(c.id, c)  # an ID is one component, wherever else it is listed
    return Snapshot(pages, tuple(components.values()))
