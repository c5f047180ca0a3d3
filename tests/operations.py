"""The operations the tests send, loaded from ``graphql/*.graphql`` (one named operation each).

A file may hold several operations and fragments; a request sends the whole file with the
``operationName`` of the one it runs.
"""

import re
from functools import cache
from pathlib import Path

GRAPHQL_DIR = Path(__file__).resolve().parent.parent / "graphql"
_OPERATION = re.compile(r"^\s*(?:query|mutation|subscription)\s+(\w+)", re.MULTILINE)


@cache
def _documents() -> dict[str, str]:
    by_name: dict[str, str] = {}
    for path in sorted(GRAPHQL_DIR.glob("*.graphql")):
        text = path.read_text()
        for name in _OPERATION.findall(text):
            if name in by_name:
                raise ValueError(f"operation {name} is defined twice (in {path.name})")
            by_name[name] = text
    return by_name


def document(name: str) -> str:
    return _documents()[name]


def operation_names() -> list[str]:
    return sorted(_documents())
