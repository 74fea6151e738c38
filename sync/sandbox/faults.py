"""Faults: deterministic misbehaviour on demand, so tests and the demo can show what a client does when a
response is slow, fails, or never arrives."""

from __future__ import annotations

import math
import threading
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

FAULT_KINDS = ("delay", "error", "drop", "hang", "rate_limit")
FAULT_STAGES = ("before", "after")


@dataclass
class Fault:
    """A misbehaviour for the requests whose method and path match, applied in order, never at random.

    ``kind``: ``delay`` holds the response for ``seconds``; ``error`` answers
    ``status`` (an ErrorResponse of the matching type); ``drop`` closes the
    connection without a response; ``hang`` holds the connection for
    ``seconds`` (or until the sandbox stops) and then drops it, so a "before"
    request is never applied — a black hole a client can be killed in front
    of; ``rate_limit`` answers 429 with
    ``Retry-After: retry_after`` and never applies the request. ``stage`` says
    when the fault strikes: ``before`` the request is applied (an error or a
    drop then means it never is; a delay holds it back) or ``after`` (it is
    applied and stored, then delayed, answered with the error, or dropped: the
    ambiguous lost response). The first ``skip`` matching requests pass
    untouched; the next ``count`` get the fault, which then disappears
    (``count=None``: until cleared).
    """

    kind: str
    path: str = "/v2/"  # a prefix of the request path
    method: str | None = None  # None: any method
    stage: str = "before"
    seconds: float = 0.0
    status: int = 500
    retry_after: int = 1
    skip: int = 0
    count: int | None = 1

    def __post_init__(self) -> None:
        problems = [name for name, ok in self._checks() if not ok]
        if problems:
            raise ValueError(f"invalid fault {', '.join(problems)}: {self!r}")
        if self.method is not None:
            self.method = self.method.upper()

    def _checks(self) -> list[tuple[str, bool]]:
        def number(v: object) -> bool:
            return isinstance(v, int | float) and not isinstance(v, bool)

        def whole(v: object, low: int) -> bool:
            return number(v) and isinstance(v, int) and v >= low

        return [
            ("kind", self.kind in FAULT_KINDS),
            ("path", isinstance(self.path, str) and self.path.startswith("/")),
            ("method", self.method is None or isinstance(self.method, str)),
            ("stage", self.stage in FAULT_STAGES),
            ("seconds", number(self.seconds) and 0 <= self.seconds < math.inf),
            ("status", whole(self.status, 400) and self.status <= 599),
            ("retry_after", whole(self.retry_after, 0)),
            ("skip", whole(self.skip, 0)),
            ("count", self.count is None or whole(self.count, 1)),
        ]

    def matches(self, method: str, path: str) -> bool:
        return (self.method is None or self.method == method) and path.startswith(self.path)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Any) -> Fault:
        if not isinstance(data, dict):
            raise ValueError("a fault is a JSON object")
        unknown = set(data) - {f.name for f in fields(cls)}
        if unknown:
            raise ValueError(f"unknown fault fields: {', '.join(sorted(unknown))}")
        try:
            return cls(**data)
        except TypeError as exc:  # a missing "kind"
            raise ValueError(str(exc)) from None


class FaultBook:
    """The faults waiting to strike, in the order they were added, and how many have struck so far.

    Callers serialise :meth:`take`, :meth:`add`, :meth:`clear` and :meth:`list`
    with their own lock; the strike count has its own, since tests wait on it
    from other threads.
    """

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._struck = 0  # tests wait on this instead of guessing with sleeps
        self._struck_changed = threading.Condition()

    def take(self, method: str, path: str) -> Fault | None:
        """The fault for this request, if any, counted down (and gone once spent)."""
        for fault in self._faults:
            if not fault.matches(method, path):
                continue
            if fault.skip:
                fault.skip -= 1
                continue
            if fault.count is not None:
                fault.count -= 1
                if fault.count == 0:
                    self._faults.remove(fault)
            return fault
        return None

    def add(self, fault: Fault) -> None:
        self._faults.append(replace(fault))  # our copy counts down, not the caller's

    def clear(self) -> int:
        cleared = len(self._faults)
        self._faults.clear()
        return cleared

    def list(self) -> list[Fault]:
        return [replace(f) for f in self._faults]

    def strike(self) -> None:
        with self._struck_changed:
            self._struck += 1
            self._struck_changed.notify_all()

    def wait_struck(self, count: int, timeout: float) -> bool:
        """Block until ``count`` faults have struck in all (False if ``timeout`` seconds pass first)."""
        with self._struck_changed:
            return self._struck_changed.wait_for(lambda: self._struck >= count, timeout)
