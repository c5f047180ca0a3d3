"""``Contact.calls``: the call events a contact is assigned to, newest first.

The company's Contact type is made before its CallEvent type (which refers back to Contact), so
the field is made without its type and :meth:`ContactCalls.bind` completes it once CallEvent
exists: the same late annotation as the recursive filter inputs (``records/filter_type.py``).
"""

from collections.abc import Callable
from typing import Any

import strawberry
from strawberry.annotation import StrawberryAnnotation
from strawberry.types.field import StrawberryField

from models.call_event import CallEvent
from resolvers.calls import positions
from resolvers.common.pagination import Connection, SortKey, keyset_page
from resolvers.context import Info

NEWEST_FIRST = [SortKey("started_at", descending=True)]
ToNode = Callable[[dict[str, Any], positions.Position], Any]


class ContactCalls:
    def __init__(self) -> None:
        self._to_node: ToNode | None = None
        contact_calls = self

        async def calls(
            self: Any, info: Info, first: int = 20, after: str | None = None
        ) -> "Connection[CallEvent]":
            to_node = contact_calls._to_node
            assert to_node is not None, "ContactCalls.bind was not called"
            position = await positions.current(info.context.services.call_bus)
            return await keyset_page(
                CallEvent.get_pymongo_collection(),
                {"tenant_id": self.row["tenant_id"], "contact_id": self.row["_id"]},
                NEWEST_FIRST,
                first,
                after,
                lambda row: to_node(row, position),
                # No hint: the filter and the order are those of the calls_of_contact index,
                # and a hint makes the embedded engine read the whole collection.
            )

        self.field: StrawberryField = strawberry.field(
            resolver=calls, description="The calls the contact is assigned to, newest first."
        )

    def bind(self, contact_type: type, call_event_type: type, to_node: ToNode) -> None:
        """Gives ``contact_type``'s ``calls`` field its type, and how its nodes are made."""
        definition = contact_type.__strawberry_definition__  # type: ignore[attr-defined]
        field = next(f for f in definition.fields if f.python_name == "calls")
        field.type_annotation = StrawberryAnnotation(Connection[call_event_type])  # type: ignore[valid-type]
        self._to_node = to_node
