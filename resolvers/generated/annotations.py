"""Annotations of generated fields, shared by every company's generated types.

Strawberry resolves an annotation (``str | None`` into its own optional type) once per
annotation object, and caches the result on that object. A plain ``str | None`` written on a
generated class gets a new annotation object per field and per schema, and resolving them was
more than half of the time spent generating a company's types (some 80 µs a field). One object
per value type is resolved once per process; Strawberry uses it as it is when it is the class
annotation.
"""

from functools import cache
from typing import Any

from strawberry.annotation import StrawberryAnnotation


@cache
def optional(of_type: Any) -> StrawberryAnnotation:
    """The shared annotation ``of_type | None``.

    The namespace is set because Strawberry gives an annotation without one the namespace of
    the class using it, and clears what was resolved when it does; nothing is looked up in it,
    as ``of_type`` is never a forward reference.
    """
    return StrawberryAnnotation(of_type | None, namespace=globals())
