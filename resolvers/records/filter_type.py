"""Generates a record filter input (``ContactFilter``, ``OrganizationFilter``) for one company:
native members, the company's ``custom`` filter, and ``and``/``or``/``not`` of itself."""

from typing import Any

import strawberry
from strawberry import UNSET
from strawberry.annotation import StrawberryAnnotation


def record_filter_type(name: str, natives: dict[str, type], custom_filter: type | None) -> type:
    annotations: dict[str, Any] = {attr: cls | None for attr, cls in natives.items()}
    namespace: dict[str, Any] = dict.fromkeys(natives, UNSET)
    if custom_filter is not None:
        annotations["custom"] = custom_filter | None
        namespace["custom"] = UNSET
    # Placeholders: the real annotations name the class itself, which exists only afterwards.
    for attr, graphql_name in (("and_", "and"), ("or_", "or"), ("not_", "not")):
        annotations[attr] = int | None
        namespace[attr] = strawberry.field(name=graphql_name, default=UNSET)
    namespace["__annotations__"] = annotations
    cls = strawberry.input(
        type(name, (), namespace),
        name=name,
        description="All members must hold; and/or/not combine filters.",
    )
    recursive = {"and_": list[cls] | None, "or_": list[cls] | None, "not_": cls | None}
    for field in cls.__strawberry_definition__.fields:
        if field.python_name in recursive:
            field.type_annotation = StrawberryAnnotation(recursive[field.python_name])
    return cls
