"""The messages of the reader's child process: one JSON line each (never pickle: the child
parses hostile data, and whatever it sends is only ever data to the service).

Cells are what calamine and the CSV reader give (str, int, float, bool, None, date, datetime,
time, timedelta); the last four travel tagged, as ``{"$d": "2024-01-31"}`` and the like. A batch
of rows is a JSON list of lists; any other message is an object.
"""

import json
from datetime import date, datetime, time, timedelta
from typing import Any


def _tagged(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, date):
        return {"$d": value.isoformat()}
    if isinstance(value, time):
        return {"$t": value.isoformat()}
    if isinstance(value, timedelta):
        return {"$td": [value.days, value.seconds, value.microseconds]}
    raise TypeError(f"A cell of type {type(value).__name__} cannot be sent.")


_UNTAG = {
    "$dt": datetime.fromisoformat,
    "$d": date.fromisoformat,
    "$t": time.fromisoformat,
    "$td": lambda parts: timedelta(*parts),
}


def _untagged(value: dict[str, Any]) -> Any:
    if len(value) == 1:
        tag, content = next(iter(value.items()))
        if tag in _UNTAG:
            return _UNTAG[tag](content)
    return value


def encode(message: Any) -> bytes:
    return json.dumps(message, separators=(",", ":"), default=_tagged).encode("ascii") + b"\n"


def decode(line: str) -> Any:
    """One message; the tags are looked for only in lines that have one (most rows do not)."""
    if '{"$' in line:
        return json.loads(line, object_hook=_untagged)
    return json.loads(line)
