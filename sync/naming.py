"""How statusfiles are named and their messages written, by ``new`` and by ``import`` alike."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

_SEQ = re.compile(r"^(\d+)")
# Latin letters that are letters of their own, not a letter and an accent (NFKD leaves them whole):
# written as their languages spell them in plain ASCII (\u0131: the dotless i). Lower case: the title is
# lowered first.
_OWN_LETTERS = str.maketrans(
    {"ß": "ss", "ł": "l", "æ": "ae", "ø": "o", "đ": "d", "þ": "th", "ð": "d", "œ": "oe", "\u0131": "i"}
)


def slugify(text: str) -> str:
    """A folder name's part from a title: lower-case ASCII letters and digits between single hyphens, at
    most 60 characters, or "" when the title has none (the caller names the folder otherwise).

    Accented letters lose their accents ("Café" gives "cafe"): NFKD splits them into the letter and
    combining marks, which are dropped. Letters of their own are spelled out ("Straße" gives "strasse",
    "Łódź" "lodz"). Anything else outside a-z and 0-9 separates words.
    """
    lowered = unicodedata.normalize("NFKD", text).lower().translate(_OWN_LETTERS)
    plain = "".join(c for c in lowered if not unicodedata.combining(c))
    slug = re.sub(r"[^a-z0-9]+", "-", plain).strip("-")
    return slug[:60].rstrip("-")


def next_in(names: Iterable[str], status: str | None) -> str:
    """The name after every numbered statusfile name in ``names``, then the status: ``03-monitoring.yaml``."""
    return numbered(*numbering(names), status)


def numbering(names: Iterable[str]) -> tuple[int, int]:
    """The width of the numbers of the statusfile names in ``names`` (at least 2), and the highest (0:
    none)."""
    # Any case: validate and sync read 05-x.YAML too, and a number below it would publish before it.
    numbers = [m.group(1) for n in names if n.lower().endswith((".yaml", ".yml")) and (m := _SEQ.match(n))]
    return max([2, *(len(n) for n in numbers)]), max([0, *(int(n) for n in numbers)])


def numbered(width: int, last: int, status: str | None) -> str:
    """The name after ``last`` (numbered ``width`` digits wide, or wider), then the status."""
    label = status.removeprefix("maintenance_").replace("_", "-") if status else "update"
    return f"{last + 1:0{width}d}-{label}.yaml"


def message_text(message: str) -> str:
    """A message as statusfiles write it: trimmed, with a final newline only when it has several lines."""
    text = message.strip()
    return text + "\n" if "\n" in text else text
