"""What a statusfile declares, read from its name and the folder it is in.

A folder holding ``incident.yaml`` declares a new status-page incident: that
file is the body of POST /v2/status_page_incidents (without the idempotency
key, which statusfiles derives), and every other statusfile directly in the
folder is an update to the incident it creates, without an incident ID. A
folder holding ``maintenance.yaml`` declares a maintenance window in the same
way. Any other folder holds updates to incidents created elsewhere, each naming
its incident by ID. Only a file's own folder counts: a subfolder of a declared
folder is a folder of its own.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Mapping
from typing import Literal, NamedTuple

INCIDENT_FILE = "incident.yaml"
MAINTENANCE_FILE = "maintenance.yaml"
DECLARATION_FILES = (INCIDENT_FILE, MAINTENANCE_FILE)

Kind = Literal["incident", "maintenance", "incident-update", "maintenance-update"]
ObjectKind = Literal["incident", "maintenance"]

IDEMPOTENCY_PREFIX = "statusfiles-"


class Placement(NamedTuple):  # not a dataclass: a NamedTuple costs every run less start-up time
    """A statusfile's kind, and the declaration whose object it belongs to (None: an ID names it)."""

    kind: Kind
    declaration: str | None = None  # identity path of the folder's incident.yaml / maintenance.yaml

    @property
    def declares(self) -> bool:
        return self.kind in ("incident", "maintenance")


# An update to an incident created elsewhere, naming it by ID: what a statusfile is unless placed.
ELSEWHERE = Placement("incident-update")


def folder_of(rel: str) -> str:
    """The folder part of an identity path ('' for a file at the top of the statusfiles directory)."""
    return posixpath.dirname(rel)


def declarations(rels: Iterable[str]) -> dict[str, list[str]]:
    """Folder -> the declaration files it holds (a folder holding both is an error the loader reports)."""
    out: dict[str, list[str]] = {}
    for rel in rels:
        if posixpath.basename(rel) in DECLARATION_FILES:
            out.setdefault(folder_of(rel), []).append(rel)
    for found in out.values():
        found.sort()
    return out


def place(rel: str, declared: Mapping[str, list[str]]) -> Placement:
    """The kind of the statusfile at ``rel``, given :func:`declarations` of the whole tree.

    When a folder holds both declaration files, the first (``incident.yaml``) decides the meaning of
    its other files; the loader reports the conflict on the second.
    """
    name = posixpath.basename(rel)
    if name == INCIDENT_FILE:
        return Placement("incident", rel)
    if name == MAINTENANCE_FILE:
        return Placement("maintenance", rel)
    found = declared.get(folder_of(rel))
    if not found:
        return Placement("incident-update")
    declaration = found[0]
    if posixpath.basename(declaration) == INCIDENT_FILE:
        return Placement("incident-update", declaration)
    return Placement("maintenance-update", declaration)


def idempotency_key(kind: ObjectKind, status_page_id: str, folder: str) -> str:
    """The idempotency key for creating the object declared in ``folder``.

    Derived from the files alone (never from git history or the clock), so a re-run, a retry after a
    lost response or a run with a lost ledger sends the same key and the API returns the original
    object instead of creating a second one. A folder renamed after the create keeps the key the
    ledger recorded for it.
    """
    import hashlib  # only creating needs it: validate's start-up is spared loading OpenSSL

    digest = hashlib.sha256(f"{kind}\0{status_page_id}\0{folder}".encode()).hexdigest()
    return f"{IDEMPOTENCY_PREFIX}{kind}-{digest[:40]}"
