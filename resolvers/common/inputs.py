"""Helpers for partial-update inputs, where an omitted field means "leave unchanged"."""

from typing import Any

import strawberry

from models.errors import Validator


def given(value: Any) -> bool:
    return value is not strawberry.UNSET


def camel(snake: str) -> str:
    head, *rest = snake.split("_")
    return head + "".join(part.title() for part in rest)


def refuse_nulls(v: Validator, data: object, fields: tuple[str, ...], path: str = "input") -> None:
    """Fields that may be omitted but, when given, must not be null."""
    for name in fields:
        if getattr(data, name) is None:
            v.add(f"{path}.{camel(name)}", "Must not be null.")
