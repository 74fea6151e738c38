"""Refusals: why the API says no, as the error body's ``errors`` entries, raised with the HTTP status.

Named after the spec's ``ErrorSingle``, and distinct from the client's errors (:mod:`sync.api`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sync.diagnostics import format_field


@dataclass(frozen=True, slots=True)
class ErrorSingle:
    """One reason the API refuses a request: an ErrorSingle of the error body."""

    code: str
    message: str
    path: tuple[str | int, ...] | None = None  # the field it is about, if any

    def to_api(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.path is not None:
            pointer = "".join(f"/{str(p).replace('~', '~0').replace('/', '~1')}" for p in self.path)
            out["source"] = {"field": format_field(self.path), "pointer": pointer}
        return out


class Refusal(Exception):
    """The request is refused with HTTP ``status`` for every one of ``problems``.

    ``headers`` go on the response; ``extra`` holds further members of the
    error body (the 429's ``rate_limit``).
    """

    def __init__(
        self,
        status: int,
        problems: Sequence[ErrorSingle],
        *,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        self.status = status
        self.problems = list(problems)
        self.headers = headers or {}
        self.extra = extra or {}
        super().__init__("; ".join(p.message for p in self.problems))


def not_found(what: str, ident: str, path: tuple[str | int, ...] | None = None) -> Refusal:
    return Refusal(404, [ErrorSingle("not_found", f"no {what} with ID {ident!r}", path)])
