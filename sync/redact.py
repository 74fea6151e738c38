"""Keeping the API key out of everything that leaves the process.

Light on purpose (no httpx): the crash handler uses it at start-up cost, and the API client uses it on
every response.
"""

from __future__ import annotations

import io
import re
import sys
import threading
from collections.abc import Iterator
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
        self._forms = tuple(forms)
        self._firsts = frozenset(f[0] for f in forms)
        self._pattern = re.compile("|".join(map(re.escape, forms))) if forms else None

    def text(self, text: str) -> str:
        return self._pattern.sub(self.MARK, text) if self._pattern else text

    def split_open(self, text: str) -> tuple[str, str]:
        """``text`` as two parts: the first redacted and safe to write now, the second (raw) the end of
        ``text`` that could be the start of a key, to be written only once the next text shows it is not.

        The second part is empty unless ``text`` ends with the start of the key: an API key contains no
        newline, so a whole line is never held back. It never starts inside a whole key.
        """
        if self._pattern is None:
            return text, ""
        matches = [m.span() for m in self._pattern.finditer(text)]
        cut = self._open_tail(text, matches)
        out: list[str] = []
        pos = 0
        for start, end in matches:
            if end > cut:
                break
            out += (text[pos:start], self.MARK)
            pos = end
        out.append(text[pos:cut])
        return "".join(out), text[cut:]

    def _open_tail(self, text: str, matches: list[tuple[int, int]]) -> int:
        """Where the longest end of ``text`` that a key could continue starts (``len(text)``: none)."""
        first = max(0, len(text) - len(self._forms[0]) + 1)
        inside = [(s, e) for s, e in matches if e > first]
        for p in range(first, len(text)):
            if text[p] not in self._firsts or any(s < p < e for s, e in inside):
                continue
            rest = text[p:]
            if any(f.startswith(rest) for f in self._forms):
                return p
        return len(text)

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
        """Standard output and error pass through :meth:`text` while the block runs, also a key written in
        pieces; what they held back is written when it ends."""
        saved = sys.stdout, sys.stderr
        guards = _RedactingStream(saved[0], self), _RedactingStream(saved[1], self)
        sys.stdout, sys.stderr = guards
        try:
            yield
        finally:
            sys.stdout, sys.stderr = saved
            for guard in guards:
                guard.release()


class _RedactingStream(io.TextIOBase):
    """Writes to ``inner`` without the key, also when the key arrives in several writes (print writes its
    arguments one by one; click.echo may print part of a line).

    The end of the text that could be the start of a key is held back until a later write shows whether it
    is one. Ordinary output is not delayed: a line's end is never held, nor text that does not end like the
    key. :meth:`flush` keeps a held tail (click.echo flushes after every piece); :meth:`release`, called
    when the guard ends, and :meth:`close` write it.
    """

    def __init__(self, inner: TextIO, redactor: Redactor) -> None:
        self._inner = inner
        self._redactor = redactor
        self._held = ""
        self._lock = threading.Lock()

    def write(self, text: str) -> int:
        with self._lock:
            ready, self._held = self._redactor.split_open(self._held + text)
            if ready:
                self._inner.write(ready)
        return len(text)

    def release(self) -> None:
        """Write the held tail: nothing follows that could make it a key."""
        with self._lock:
            held, self._held = self._held, ""
            if held:
                self._inner.write(self._redactor.text(held))

    def close(self) -> None:
        if not self.closed:
            self.release()
        super().close()  # the inner stream is not ours to close

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
