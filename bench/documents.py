"""The operations of graphql/*.graphql as a client sends them: each with just the fragments it
spreads (also those its fragments spread), not the whole file."""

import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path

GRAPHQL_DIR = Path(__file__).resolve().parent.parent / "graphql"
_DEFINITION = re.compile(r"^\s*(query|mutation|subscription|fragment)\s+(\w+)")
_SPREAD = re.compile(r"\.\.\.\s*(?!on\b)(\w+)")


def _definitions(text: str) -> Iterator[str]:
    """The top-level definitions (operations, fragments) of a GraphQL document."""
    text = re.sub(r"#[^\n]*", "", text)
    depth, start = 0, 0
    for i, char in enumerate(text):
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                yield text[start : i + 1].strip()
                start = i + 1


@cache
def operations() -> dict[str, str]:
    """Each named operation of graphql/*.graphql with just the fragments it uses: a request
    carries what a client would send, not the whole file."""
    operations, fragments = {}, {}
    for path in sorted(GRAPHQL_DIR.glob("*.graphql")):
        for definition in _definitions(path.read_text()):
            if (match := _DEFINITION.match(definition)) is not None:
                kind, name = match.groups()
                (fragments if kind == "fragment" else operations)[name] = definition
    documents = {}
    for name, operation in operations.items():
        used: list[str] = []
        pending = _SPREAD.findall(operation)
        while pending:
            fragment = pending.pop()
            if fragment not in used:
                used.append(fragment)
                pending.extend(_SPREAD.findall(fragments[fragment]))
        documents[name] = "\n\n".join([operation, *(fragments[f] for f in used)])
    return documents


def operation(name: str) -> str:
    return operations()[name]
