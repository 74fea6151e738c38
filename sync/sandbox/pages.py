"""Status pages and their structure: components, alone or in groups, in display order."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from sync.sandbox.refusals import ErrorSingle


@dataclass(slots=True)
class Component:
    component_id: str
    name: str


@dataclass(slots=True)
class Group:
    id: str
    name: str
    components: list[Component]


@dataclass(slots=True)
class StatusPage:
    id: str
    name: str
    public_url: str
    items: list[Component | Group]  # top-level structure, in display order

    def components(self) -> list[Component]:
        out: list[Component] = []
        for item in self.items:
            out.extend(item.components if isinstance(item, Group) else [item])
        return out

    def unknown_components(self, ids: Iterable[str], field: str) -> list[ErrorSingle]:
        """A 422 reason for each of ``ids`` (the values of list ``field``) that is not on this page."""
        known = {c.component_id for c in self.components()}
        return [
            ErrorSingle(
                "invalid_value",
                f"component {cid!r} is not a component of status page {self.name!r}",
                (field, i, "component_id") if field == "component_statuses" else (field, i),
            )
            for i, cid in enumerate(ids)
            if cid not in known
        ]

    def to_api(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "public_url": self.public_url}

    def structure_to_api(self) -> dict[str, Any]:
        items = [
            {"group": asdict(item)} if isinstance(item, Group) else {"component": asdict(item)}
            for item in self.items
        ]
        return {"items": items}

    def to_json(self) -> dict[str, Any]:
        return {**self.to_api(), **self.structure_to_api()}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> StatusPage:
        items: list[Component | Group] = []
        for item in data["items"]:
            if "group" in item:
                g = item["group"]
                items.append(Group(g["id"], g["name"], [Component(**c) for c in g["components"]]))
            else:
                items.append(Component(**item["component"]))
        return cls(data["id"], data["name"], data["public_url"], items)
