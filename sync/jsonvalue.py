"""The type of parsed JSON: response bodies, ledger records, statusfile payloads; and parsing it.

Not a recursive union: each reader checks the values it uses with isinstance where it reads them,
and a precise union would demand a check at every step through data the schema already accepted.
"""

import json
from typing import Any, TypeAlias

JSON: TypeAlias = Any
JSONObject: TypeAlias = dict[str, JSON]


class TooDeep(ValueError):
    """JSON nested past the parser's depth: text that is not JSON we can read, like any other ValueError."""


def loads(text: str | bytes | bytearray, **options: Any) -> JSON:
    """:func:`json.loads`, where brackets nested past the parser's depth raise :class:`TooDeep`.

    ``json.loads`` raises RecursionError for them, which is no ValueError, so every reader of untrusted
    JSON would need a second handler.
    """
    try:
        return json.loads(text, **options)
    except RecursionError:
        raise TooDeep("nested too deeply") from None
