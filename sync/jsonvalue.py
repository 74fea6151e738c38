"""The type of parsed JSON: response bodies, ledger records, statusfile payloads.

Not a recursive union: each reader checks the values it uses with isinstance where it reads them,
and a precise union would demand a check at every step through data the schema already accepted.
"""

from typing import Any, TypeAlias

JSON: TypeAlias = Any
JSONObject: TypeAlias = dict[str, JSON]
