"""The ledger: an append-only record of what has been posted, committed to git beside the statusfiles.

One JSON object per line, each with the format version ``v`` and an ``event``:

``intent``
    written and fsynced *before* a POST: ``path``, ``sha256``, ``incident``, ``payload``.
``posted``
    the POST succeeded: ``path``, ``sha256``, ``incident``, ``update_id``, ``published_at``.
``adopted``
    found already on the status page (a lost response, a crash, a lost ledger) and recorded without
    posting: the fields of ``posted`` plus ``payload``, and ``origin`` (see ``ORIGINS``) when no
    intent of statusfiles' own preceded it.
``unknown``
    the POST's outcome could not be learned (the response was lost and the update was not visible
    when read back): ``path``, ``sha256``, ``incident``, ``error``.
``rejected``
    the API refused the POST (a 4xx) or could not be reached, so it was certainly not applied:
    ``path``, ``sha256``, ``incident``, ``error``.
``moved``
    a posted statusfile was renamed: ``from``, ``path``, ``sha256``, ``incident``.

An update to a maintenance window names it in ``maintenance`` instead of ``incident``; an update in a
declared folder names the object its declaration created. Since format 2, declarations
(``incident.yaml``, ``maintenance.yaml``) have records of their own, with ``object`` (``incident`` or
``maintenance``):

``create``
    written and fsynced *before* the create POST: ``path``, ``sha256``, ``object``, ``key`` (the
    idempotency key, reused by every retry), ``payload`` (the file's, without the key).
``created``
    the object exists (created, or found on the page and adopted): the fields of ``create`` plus
    ``id`` and ``published_at``.
``create-unknown`` / ``create-rejected``
    the create's outcome could not be learned / the API refused it: ``path``, ``sha256``, ``object``,
    ``key``, ``error``.
``put``
    a rename or reschedule succeeded (a PUT sets state, so it is recorded after): ``path``, ``sha256``
    and ``payload`` of the declaration as it now is, ``object``, ``id``.

Every record also has ``at`` (UTC time) and ``run`` (one id per sync run). An intent without a
later ``posted``/``adopted`` is *unsettled*: sync reads the incident back before posting anything
more to it. A torn last line (a crash mid-write: a cut-off record after the last newline) is
tolerated and reported, then removed on the next append, and only it: a complete record that lacks
only its newline is kept, whatever its length. Any other malformed line is an error naming the line.
"""

from __future__ import annotations

import datetime as dt
import errno
import fcntl
import json
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from sync import collector
from sync.fsutil import NotRegularFile, fsync_dir, open_regular, read_regular
from sync.jsonvalue import JSON, JSONObject

# ``origin`` on an adopted / created record: who put it on the page when statusfiles did not. Absent, or
# after statusfiles' own intent, statusfiles posted it.
ORIGINS = {
    "page": "found on the page matching a statusfile, never posted by statusfiles",
    "import": "posted elsewhere (the dashboard, Slack); its statusfile was written by import",
}
FORMAT_VERSION = 2  # 2: declarations (create / created / put records) and maintenance updates
LEDGER_NAME = "ledger.jsonl"

Event = Literal[
    "intent",
    "posted",
    "adopted",
    "unknown",
    "rejected",
    "moved",
    "create",
    "created",
    "create-unknown",
    "create-rejected",
    "put",
]
_FIELDS: dict[str, tuple[str, ...]] = {
    "intent": ("path", "sha256", "incident", "payload"),
    "posted": ("path", "sha256", "incident", "update_id", "published_at"),
    "adopted": ("path", "sha256", "incident", "update_id", "published_at", "payload"),
    "unknown": ("path", "sha256", "incident", "error"),
    "rejected": ("path", "sha256", "incident", "error"),
    "moved": ("from", "path", "sha256", "incident"),
    "create": ("path", "sha256", "object", "key", "payload"),
    "created": ("path", "sha256", "object", "key", "id", "published_at", "payload"),
    "create-unknown": ("path", "sha256", "object", "key", "error"),
    "create-rejected": ("path", "sha256", "object", "key", "error"),
    "put": ("path", "sha256", "object", "id", "payload"),
}
# Each event's required fields with the type each must have: the payload an object, the rest strings.
_TYPED_FIELDS = {
    event: tuple((name, dict if name == "payload" else str) for name in names)
    for event, names in _FIELDS.items()
}
_OBJECT_EVENTS = frozenset(("create", "created", "create-unknown", "create-rejected", "put"))
OBJECT_KINDS = ("incident", "maintenance")
_ORDER = (
    "v",
    "event",
    "at",
    "run",
    "from",
    "path",
    "sha256",
    "object",
    "key",
    "id",
    "incident",
    "maintenance",
    "update_id",
    "published_at",
    "origin",
    "error",
)


class LedgerError(Exception):
    """The ledger cannot be trusted: a malformed line, or a format this version does not know."""

    def __init__(self, path: Path | str, line: int, message: str) -> None:
        super().__init__(f"{path}:{line}: {message}")
        self.path = str(path)
        self.line = line
        self.message = message


class LedgerLocked(Exception):
    """Another sync holds the ledger."""


Status = Literal["pending", "posted", "unknown", "rejected"]


@dataclass(slots=True)
class Entry:
    """Everything the ledger knows about one statusfile identity (path when posted + payload SHA)."""

    path: str  # where the file is now (after moves)
    posted_path: str  # where it was when it was posted: publish order is judged against this
    sha256: str
    incident: str  # the ID of the incident, or of the maintenance window (kind), the update belongs to
    payload: JSONObject | None
    status: Status = "pending"
    kind: str = "incident"  # "maintenance": an update to a maintenance window
    update_id: str | None = None
    published_at: str | None = None
    seq: int = 0  # line of the latest outcome: orders "most recently posted"
    line: int = 0  # line of the latest record about this entry
    origin: str | None = None  # None: posted by statusfiles; see ORIGINS
    at: str | None = None  # when its latest record was written: how long its outcome has been unknown

    @property
    def imported(self) -> bool:
        """Written by ``import`` from an update posted elsewhere: no part of git's publish order."""
        return self.origin == "import"

    @property
    def posted(self) -> bool:
        return self.status == "posted"

    @property
    def unsettled(self) -> bool:
        """An intent whose outcome nobody knows: the update may or may not be on the page."""
        return self.status in ("pending", "unknown")


ObjectStatus = Literal["pending", "created", "unknown", "rejected"]


@dataclass(slots=True)
class ObjectEntry:
    """What the ledger knows about one declaration (``incident.yaml`` / ``maintenance.yaml``)."""

    path: str
    sha256: str  # of the declaration as last created or PUT
    kind: str  # "incident" or "maintenance"
    key: str  # the idempotency key its create used (and any retry reuses)
    payload: JSONObject  # as last created or PUT: the name (and schedule) the page shows
    status: ObjectStatus = "pending"
    id: str | None = None
    published_at: str | None = None
    line: int = 0
    origin: str | None = None  # None: created by statusfiles; see ORIGINS

    @property
    def created(self) -> bool:
        return self.status == "created"

    @property
    def unsettled(self) -> bool:
        """A create whose outcome nobody knows (retrying it with the same key is safe)."""
        return self.status in ("pending", "unknown")


@dataclass(slots=True)
class LedgerState:
    """The ledger folded into one entry per identity, keyed by current path."""

    entries: dict[str, Entry] = field(default_factory=dict)
    objects: dict[str, ObjectEntry] = field(default_factory=dict)  # declaration path -> its object
    records: int = 0
    torn_line: int | None = None  # line number of an ignored, partially written last line

    def posted(self) -> Iterator[Entry]:
        return (e for e in self.entries.values() if e.posted)

    def unsettled(self) -> Iterator[Entry]:
        return (e for e in self.entries.values() if e.unsettled)

    def claimed_update_ids(self) -> set[str]:
        return {e.update_id for e in self.entries.values() if e.update_id}

    def claimed_object_ids(self) -> set[str]:
        """Incidents and windows some declaration created or adopted: never adopted by another."""
        return {o.id for o in self.objects.values() if o.id}


def now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _check(record: object, path: Path | str, line: int) -> JSONObject:
    if not isinstance(record, dict):
        raise LedgerError(path, line, "a ledger record must be a JSON object")
    version = record.get("v")
    if not isinstance(version, int) or isinstance(version, bool):
        raise LedgerError(path, line, "the record has no format version (v)")
    if version > FORMAT_VERSION:
        raise LedgerError(
            path,
            line,
            f"written by a newer statusfiles (ledger format v{version}; this one reads v{FORMAT_VERSION}); "
            "upgrade statusfiles",
        )
    event = record.get("event")
    if not isinstance(event, str) or event not in _FIELDS or (event in _OBJECT_EVENTS and version < 2):
        raise LedgerError(path, line, f"unknown event {event!r}")
    if event not in _OBJECT_EVENTS and version >= 2 and isinstance(record.get("maintenance"), str):
        if "incident" in record:
            raise LedgerError(path, line, f"{event} record names both an incident and a maintenance window")
        record = {**record, "incident": record["maintenance"], "kind": "maintenance"}
    for name, expected in _TYPED_FIELDS[event]:
        if not isinstance(record.get(name), expected):
            raise LedgerError(path, line, f"{event} record lacks {name!r}")
    if event in _OBJECT_EVENTS and record["object"] not in OBJECT_KINDS:
        raise LedgerError(path, line, f"{event} record has an unknown object {record['object']!r}")
    return record


def _origin(record: JSONObject) -> str | None:
    """Who put a created / adopted record's object or update on the page when statusfiles did not."""
    origin = record.get("origin")
    return origin if isinstance(origin, str) else None


def apply(state: LedgerState, record: JSONObject, line: int) -> None:
    """Fold one record into the state (records are applied in file order).

    A change to how intent or posted records fold must be made in :func:`_fold_usual` too (its fast
    path); tests/test_ledger_fold.py fails when the two disagree.
    """
    event = record["event"]
    state.records += 1
    if event in _OBJECT_EVENTS:
        _apply_object(state, record, line)
        return
    if event == "moved":
        entry = state.entries.pop(record["from"], None)
        if entry is None or entry.sha256 != record["sha256"]:
            if entry is not None:
                state.entries[record["from"]] = entry
            raise LedgerError(
                "", line, f"moved record for {record['from']!r}, which the ledger does not hold"
            )
        entry.path = record["path"]
        entry.line = line
        state.entries[entry.path] = entry
        return
    path, sha = record["path"], record["sha256"]
    entry = state.entries.get(path)
    if entry is None or entry.sha256 != sha:
        if entry is not None and entry.posted:
            # A posted entry is never replaced: its path now holds other content, which the planner reports.
            raise LedgerError(
                "", line, f"{event} record for {path!r} conflicts with the update posted from it"
            )
        entry = Entry(
            path=path,
            posted_path=path,
            sha256=sha,
            incident=record["incident"],
            payload=record.get("payload"),
            kind=record.get("kind", "incident"),
        )
        state.entries[path] = entry
    entry.line = line
    at = record.get("at")
    entry.at = at if isinstance(at, str) else None
    if "payload" in record:
        entry.payload = record["payload"]
    if event == "intent":
        if not entry.posted:
            entry.status = "pending"
    elif event in ("posted", "adopted"):
        entry.status = "posted"
        entry.update_id = record["update_id"]
        entry.published_at = record["published_at"]
        entry.origin = _origin(record)
        entry.seq = line
    elif event in ("unknown", "rejected") and not entry.posted:
        entry.status = event


def _fold_usual(state: LedgerState, record: JSON, line: int) -> bool:
    """Fold an intent or a posted record of the shape statusfiles writes, as :func:`_check` and
    :func:`apply` would; False, having changed nothing, for anything else, which they then take.

    Nearly every record is one of these two (an update's intent, then its outcome), so this reads
    each field once and makes or updates the entry in one step. It accepts only what the full
    check accepts (exact types, so never a bool for ``v``), and leaves to it a maintenance window,
    every other event, a posted record with a payload, and an entry whose content changed: there
    the full check and apply give their results and errors.
    """
    if type(record) is not dict or "maintenance" in record:
        return False
    try:
        v, event, path, sha, incident = (
            record["v"],
            record["event"],
            record["path"],
            record["sha256"],
            record["incident"],
        )
    except KeyError:
        return False
    if (
        type(v) is not int
        or v > FORMAT_VERSION
        or type(path) is not str
        or type(sha) is not str
        or type(incident) is not str
    ):
        return False
    entries = state.entries
    entry = entries.get(path)
    if entry is not None and entry.sha256 != sha:
        return False
    get = record.get
    at = get("at")
    if type(at) is not str:
        at = None
    if event == "intent":
        payload = get("payload")
        if type(payload) is not dict:
            return False
        if entry is None:
            kind = get("kind", "incident")
            entries[path] = Entry(
                path, path, sha, incident, payload, "pending", kind, None, None, 0, line, None, at
            )
        else:
            entry.line, entry.at, entry.payload = line, at, payload
            if entry.status != "posted":
                entry.status = "pending"
    elif event == "posted":
        update_id, published_at = get("update_id"), get("published_at")
        if type(update_id) is not str or type(published_at) is not str or "payload" in record:
            return False
        origin = get("origin")
        if type(origin) is not str:
            origin = None
        if entry is None:
            kind = get("kind", "incident")
            entries[path] = Entry(
                path,
                path,
                sha,
                incident,
                None,
                "posted",
                kind,
                update_id,
                published_at,
                line,
                line,
                origin,
                at,
            )
        else:
            entry.line, entry.at, entry.status, entry.seq = line, at, "posted", line
            entry.update_id, entry.published_at, entry.origin = update_id, published_at, origin
    else:
        return False
    state.records += 1
    return True


def _apply_object(state: LedgerState, record: JSONObject, line: int) -> None:
    event, path = record["event"], record["path"]
    obj = state.objects.get(path)
    if event == "put":
        if obj is None or not obj.created or obj.id != record["id"]:
            raise LedgerError("", line, f"put record for {path!r}, whose object the ledger does not hold")
        obj.sha256, obj.payload, obj.line = record["sha256"], record["payload"], line
        return
    if event == "created":  # the object's ID under another path: the declaration's folder was renamed
        for other, entry in list(state.objects.items()):
            if other != path and entry.id == record["id"]:
                del state.objects[other]
    if obj is None:
        obj = ObjectEntry(
            path, record["sha256"], record["object"], record["key"], record.get("payload") or {}
        )
        state.objects[path] = obj
    elif obj.created:  # a repeated create of an object that exists changes nothing
        if event == "created" and record["id"] != obj.id:
            raise LedgerError("", line, f"created record for {path!r}, which already created {obj.id}")
        return
    elif event in ("create", "created"):  # the latest intent counts, for whatever the file holds now
        obj.sha256, obj.key, obj.payload = record["sha256"], record["key"], record["payload"]
    obj.line = line
    if event == "created":
        obj.status, obj.id, obj.published_at = "created", record["id"], record["published_at"]
        obj.origin = _origin(record)
        obj.sha256, obj.payload = record["sha256"], record["payload"]
    elif event == "create-unknown" and not obj.created:
        obj.status = "unknown"
    elif event == "create-rejected" and not obj.created:
        obj.status = "rejected"


_RECORD_START = b'{"v": '  # how every line :func:`encode` writes begins


def is_torn(fragment: bytes) -> bool:
    """Whether ``fragment`` (what follows the ledger's last newline) is an append cut short by a crash.

    Only a beginning of a record line that is not yet a whole JSON value counts. The reader ignores
    such a fragment and the writer removes it; anything else after the last newline is a record
    (which both keep) or an error (which the reader reports and the writer leaves alone).
    """
    if not fragment or not _RECORD_START.startswith(fragment[: len(_RECORD_START)]):
        return False
    try:
        text = fragment.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.reason != "unexpected end of data":  # bad bytes inside the line, not a character cut off
            return False
        text = fragment[: exc.start].decode("utf-8", errors="replace")
    try:
        json.JSONDecoder().raw_decode(text)
    except ValueError:
        return True
    except RecursionError:  # nested deeper than any record statusfiles writes: not its append
        return False
    return False  # a whole record (perhaps with something after it, which read() reports): never cut


_DECODER = json.JSONDecoder()
# A line git writes into a file it could not merge. Two branches that both synced append different records
# at the same place: the records of both sides are all true, and the ledger needs every one of them.
_CONFLICT_MARKERS = ("<<<<<<<", "|||||||", "=======", ">>>>>>>")
_CONFLICT = (
    "a git merge conflict marker, not a record: keep the records of both sides, each on its own line, "
    "and delete the marker lines"
)


def _blank(line: str) -> bool:
    """A line the reader skips, and the writer ends with a newline before appending (else its record
    would be glued to a line the reader took for blank): whitespace only, as ``str.strip`` sees it."""
    return not line.strip()


def _decode_lines(body: str, path: Path | str) -> Iterable[tuple[int, JSON]]:
    """(line number, decoded record) for each non-blank line of ``body``."""
    # The usual ledger (one record a line, no blank lines) with one check a line: it is one whole value.
    # Not one parse of the lines joined by commas: a record cut inside a string, beside a line holding two
    # records, would then be read silently, with a comma in its message. Anything else is read again
    # below, for the error naming its line.
    lines = body.split("\n")
    if lines[-1] == "":
        lines.pop()
    decode = _DECODER.raw_decode
    records: list[JSON] = []
    try:
        for line in lines:
            record, end = decode(line)
            if end != len(line):
                break
            records.append(record)
        else:
            return enumerate(records, 1)
    except (ValueError, RecursionError):  # not JSON, a blank line, or space around a record
        pass
    out: list[tuple[int, JSON]] = []  # blank lines, or a line that is not one record: line by line
    for n, raw in enumerate(body.split("\n"), 1):
        if _blank(raw):
            continue
        try:
            out.append((n, json.loads(raw)))
        except json.JSONDecodeError as exc:
            if raw.startswith(_CONFLICT_MARKERS):
                raise LedgerError(path, n, _CONFLICT) from None
            raise LedgerError(path, n, f"not valid JSON ({exc.msg})") from None
        except RecursionError:  # no record statusfiles writes nests anywhere near this deep
            raise LedgerError(path, n, "nested too deeply to be a ledger record") from None
    return out


def parse(text: str, path: Path | str = LEDGER_NAME, *, torn_line: int | None = None) -> LedgerState:
    """Fold ledger text into a :class:`LedgerState`; raises :class:`LedgerError` naming the bad line.

    ``torn_line`` is the number of a torn last line already taken off ``text`` (see :func:`read`).
    """
    state = LedgerState(torn_line=torn_line)
    tail = text.rfind("\n") + 1
    if is_torn(text[tail:].encode()):  # after the final newline: an interrupted write, never acted on
        state.torn_line = text.count("\n", 0, tail) + 1
        text = text[:tail]
    with collector.paused():  # records are acyclic dicts and lists
        for n, record in _decode_lines(text, path):
            try:
                if not _fold_usual(state, record, n):
                    apply(state, _check(record, path, n), n)
            except LedgerError as exc:
                raise LedgerError(path, n, exc.message) from None
    return state


def _open_regular(path: Path, flags: int) -> int:
    """Open the ledger so that nothing can block: a FIFO or a device named like it is refused, not read."""
    with _plain_file(path):
        return open_regular(path, flags)


@contextmanager
def _plain_file(path: Path) -> Iterator[None]:
    """fsutil's refusal of anything but a regular file, as the ledger's own error."""
    try:
        yield
    except NotRegularFile:
        raise LedgerError(path, 0, "is not a regular file; the ledger must be a plain file") from None


def read(path: Path) -> LedgerState:
    """The ledger at ``path``; a missing file is an empty ledger."""
    data = read_bytes(path)
    return LedgerState() if data is None else from_bytes(data, path)


def read_bytes(path: Path) -> bytes | None:
    """The ledger file's bytes as they are, None when there is no file."""
    try:
        with _plain_file(path):
            return read_regular(path)
    except FileNotFoundError:
        return None


def from_bytes(data: bytes, path: Path) -> LedgerState:
    """The ledger file ``path`` whose bytes are ``data``."""
    torn_line = None
    tail = data.rfind(b"\n") + 1
    if is_torn(data[tail:]):  # taken off before decoding: a crash may have cut a character in two
        torn_line = data.count(b"\n") + 1
        data = data[:tail]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise LedgerError(path, data.count(b"\n", 0, exc.start) + 1, "not UTF-8") from None
    return parse(text, path, torn_line=torn_line)


def encode(record: JSONObject) -> bytes:
    """One line, keys in a fixed readable order, payload last so a git diff reads left to right."""
    ordered = {k: record[k] for k in _ORDER if k in record}
    ordered.update((k, v) for k, v in record.items() if k not in ordered)
    return (json.dumps(ordered, ensure_ascii=False, separators=(", ", ": ")) + "\n").encode()


class Writer:
    """Appends records durably, holding an exclusive lock for as long as it is open.

    Each record is one ``write`` of a whole line followed by ``fsync``: after a crash the ledger
    holds every record whose append returned, and at worst one torn last line, which the next
    :meth:`open` removes (it was never acted on: a POST only follows a completed intent append).

    The lock is on the ledger's folder, not the file, so that a sync with nothing to record
    never creates the file: the ledger appears with its first record.
    """

    def __init__(self, path: Path, run: str, *, lock_timeout: float = 0.0) -> None:
        self.path = path
        self.run = run
        self.lock_timeout = lock_timeout
        self._lock_fd: int | None = None
        self._fd: int | None = None
        self.repaired: int | None = None  # bytes of a torn tail removed on open

    def open(self) -> Writer:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock_fd = os.open(self.path.parent, os.O_RDONLY | os.O_CLOEXEC)
        try:
            _lock(lock_fd, self.lock_timeout)
            if self.path.exists():
                self._fd = _open_regular(self.path, os.O_RDWR | os.O_APPEND)
                self._repair(self._fd)
        except BaseException:
            os.close(lock_fd)
            raise
        self._lock_fd = lock_fd
        return self

    def _repair(self, fd: int) -> None:
        """Make the ledger end with a newline, judging what follows the last one as :func:`read` does."""
        size = os.fstat(fd).st_size
        start = _last_line_start(fd, size)
        fragment = os.pread(fd, size - start, start)
        if not fragment:
            return
        if is_torn(fragment):
            os.ftruncate(fd, start)
            self.repaired = size - start
        elif _is_value_or_blank(fragment):
            os.write(fd, b"\n")  # a complete record whose newline was lost (e.g. an editor)
        else:
            return  # not a record: read() reports the line, and nothing is appended after it
        os.fsync(fd)

    def append(self, event: Event, **fields: JSON) -> JSONObject:
        if self._lock_fd is None:
            raise RuntimeError("ledger writer is not open")
        record = {"v": FORMAT_VERSION, "event": event, "at": now(), "run": self.run, **fields}
        _check(record, self.path, 0)
        if self._fd is None:  # the first record of a new ledger
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o644)
            fsync_dir(self.path.parent)
        view = memoryview(encode(record))
        while view:
            written = os.write(self._fd, view)
            view = view[written:]
        os.fsync(self._fd)
        return record

    def close(self) -> None:
        for fd in (self._fd, self._lock_fd):  # closing the folder releases the lock
            if fd is not None:
                os.close(fd)
        self._fd = self._lock_fd = None

    def __enter__(self) -> Writer:
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()


def _last_line_start(fd: int, size: int, chunk: int = 1 << 16) -> int:
    """The offset just after the file's last newline (0 if it has none), however long the last line."""
    end = size
    while end > 0:
        start = max(0, end - chunk)
        cut = os.pread(fd, end - start, start).rfind(b"\n")
        if cut >= 0:
            return start + cut + 1
        end = start
    return 0


def _is_value_or_blank(fragment: bytes) -> bool:
    try:
        text = fragment.decode("utf-8")
    except UnicodeDecodeError:  # the reader refuses it: nothing is appended after it
        return False
    if _blank(text):
        return True
    try:
        json.loads(text)
    except (ValueError, RecursionError):
        return False
    return True


def _lock(fd: int, timeout: float) -> None:
    import time

    deadline = time.monotonic() + timeout
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EACCES):
                raise
            if time.monotonic() >= deadline:
                raise LedgerLocked("another statusfiles sync is running with this ledger") from None
            time.sleep(0.1)
