"""The Kanban board (R7): one column per stage shown on the board, with its contacts by name;
and moving a contact to another stage. Built per company: columns hold its Contact type."""

from types import SimpleNamespace
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry.tools import create_type

from models.crm_lists import in_kanban_order
from models.errors import FieldError, ValidationFailed
from resolvers.common.ids import parse_id
from resolvers.common.pagination import Connection, SortKey, keyset_page
from resolvers.contacts.service import CONTACTS
from resolvers.context import Info
from resolvers.records.access import records_crm
from resolvers.records.store import update_record
from resolvers.records.tenant_types import RecordTypes

if TYPE_CHECKING:
    from resolvers.stages.types import Stage

LazyStage = Annotated["Stage", strawberry.lazy("resolvers.stages.types")]


def kanban_roots(types: RecordTypes) -> tuple[type, type]:
    Contact = types.contact

    @strawberry.type
    class KanbanColumn:
        stage: LazyStage
        contacts: Connection[Contact] = strawberry.field(
            description="The column's first contacts by name; page on with `after`."
        )

        @strawberry.field(description="All live contacts in the stage.")
        async def total_count(self) -> int:
            return await self.contacts.count()

    async def kanban(
        info: Info, crm_id: strawberry.ID | None = None, first: int = 20
    ) -> list[KanbanColumn]:
        from resolvers.stages.types import Stage

        crm = await records_crm(info.context, crm_id)
        columns = []
        for stage in in_kanban_order([s for s in crm.stages if s.show_in_kanban]):
            page = await keyset_page(
                CONTACTS.collection(),
                {"crm_id": crm.id, "deleted": False, "stage_id": stage.id},
                [SortKey("name_sort", types=(str,))],
                first,
                None,
                types.contact_from_row,
            )
            columns.append(KanbanColumn(stage=Stage.from_model(stage, crm), contacts=page))
        return columns

    async def move_contact_to_stage(
        info: Info, contact_id: strawberry.ID, stage_id: strawberry.ID
    ) -> Contact:
        change: Any = SimpleNamespace(stage_id=stage_id)
        try:
            row = await update_record(
                CONTACTS,
                info.context,
                types.contact_fields,
                parse_id(contact_id, "Contact"),
                change,
            )
        except ValidationFailed as error:  # name the argument, not an input member
            errors = [FieldError(e.path.removeprefix("input."), e.message) for e in error.errors]
            raise ValidationFailed(errors) from error
        return types.contact_from_row(row)

    query = create_type(
        "KanbanQuery",
        [
            strawberry.field(
                resolver=kanban,
                description="The board of a CRM (the default when omitted): its stages shown "
                "on the board in kanbanPosition order, each with its contacts.",
            )
        ],
    )
    mutation = create_type("KanbanMutation", [strawberry.mutation(resolver=move_contact_to_stage)])
    return query, mutation
