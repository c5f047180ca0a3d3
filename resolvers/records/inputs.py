"""Builds a record input type (create or update) from its static members and the company's
generated ``custom`` input."""

from typing import Any

import strawberry
from strawberry import UNSET

# The default of a member that has none: the client must give it.
REQUIRED = object()


def make_input(name: str, members: dict[str, tuple[Any, Any]], custom: type | None) -> type:
    """An input type of the static ``members`` plus, when the company has custom fields, a
    ``custom`` member of its generated type (required when some custom field is)."""
    annotations = {attr: annotation for attr, (annotation, _) in members.items()}
    namespace: dict[str, Any] = {
        attr: default for attr, (_, default) in members.items() if default is not REQUIRED
    }
    if custom is not None:
        annotations["custom"] = custom | None
        namespace["custom"] = UNSET
    namespace["__annotations__"] = annotations
    return strawberry.input(type(name, (), namespace), name=name)
