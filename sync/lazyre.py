"""Regular expressions compiled on first use.

Compiling a pattern costs start-up time in every run, and most runs (every file
valid, no text that looks suspicious) never use most of the patterns a module
defines. A :class:`LazyPattern` compiles itself the first time it is asked to match.
"""

from __future__ import annotations

import functools
import re
import sys
from collections.abc import Callable, Iterator


class LazyPattern:
    """The parts of :class:`re.Pattern` statusfiles uses, compiling the pattern on first use."""

    __slots__ = ("__dict__", "flags", "pattern")

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self.pattern = pattern
        self.flags = flags

    @functools.cached_property
    def compiled(self) -> re.Pattern[str]:
        return re.compile(self.pattern, self.flags)

    def search(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        return self.compiled.search(string, pos, endpos)

    def match(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        return self.compiled.match(string, pos, endpos)

    def fullmatch(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        return self.compiled.fullmatch(string, pos, endpos)

    def finditer(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> Iterator[re.Match[str]]:
        return self.compiled.finditer(string, pos, endpos)

    def sub(self, repl: str | Callable[[re.Match[str]], str], string: str, count: int = 0) -> str:
        return self.compiled.sub(repl, string, count)

    def split(self, string: str, maxsplit: int = 0) -> list[str | None]:
        return self.compiled.split(string, maxsplit)
