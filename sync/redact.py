"""Keeping the API key out of everything that leaves the process.

Light on purpose (no httpx): the crash handler uses it at start-up cost, and the API client uses it on
every response.
"""

from __future__ import annotations

import io
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO
from urllib.parse import quote

from sync.jsonvalue import JSON


class Redactor:
    """Removes the API key from text that leaves the process.

    A server may echo the Authorization header in an error body, and from
    there it would reach the output, the job summary and the ledger. Every
    string in a response passes through :meth:`value` before anything reads
    it, and a command's output goes through :meth:`text` as a last guard.
    """

    MARK = "[redacted]"

    def __init__(self, secret: str | None) -> None:
        forms = sorted({f for f in (secret, quote(secret or "", safe="")) if f}, key=len, reverse=True)
        self._pattern = re.compile("|".join(map(re.escape, forms))) if forms else None

    def text(self, text: str) -> str:
        return self._pattern.sub(self.MARK, text) if self._pattern else text

    def value(self, value: JSON) -> JSON:
        """A parsed JSON value with the key removed from every string in it, keys included."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.value(v) for v in value]
        if isinstance(value, dict):
            return {self.text(k): self.value(v) for k, v in value.items()}
        return value

    @contextmanager
    def guarding_output(self) -> Iterator[None]:
        """Standard output and error pass through :meth:`text` while the block runs."""
        saved = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = _RedactingStream(saved[0], self.text), _RedactingStream(saved[1], self.text)
        try:
            yield
        finally:
            sys.stdout, sys.stderr = saved


class _RedactingStream(io.TextIOBase):
    def __init__(self, inner: TextIO, redact: Callable[[str], str]) -> None:
        self._inner = inner
        self._redact = redact

    def write(self, text: str) -> int:
        self._inner.write(self._redact(text))
        return len(text)

    def flush(self) -> None:
        self._inner.flush()

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return self._inner.isatty()

    def fileno(self) -> int:
        return self._inner.fileno()

    # io.TextIOBase's encoding and errors are read-only properties at run time; typeshed declares them
    # as plain attributes, hence the two ignores.
    @property
    def encoding(self) -> str:  # type: ignore[override]
        return self._inner.encoding

    @property
    def errors(self) -> str | None:  # type: ignore[override]
        return self._inner.errors
