"""The root fields of one kind of record (contacts, organizations), built per company: their
types carry the company's custom fields.

For contacts: ``contacts``, ``contact``, ``contactBy``, ``createContact``, ``updateContact``,
``deleteContact``, ``restoreContact``; organizations likewise.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import strawberry
from beanie import PydanticObjectId
from strawberry.tools import create_type

from resolvers.common.ids import parse_id
from resolvers.common.pagination import Connection, keyset_page
from resolvers.context import Context, Info
from resolvers.generated.custom_types import EntityTypes
from resolvers.records.access import records_crm
from resolvers.records.filter_type import record_filter_type
from resolvers.records.filtering import FilterField, compile_filter, custom_fields
from resolvers.records.inputs import make_input
from resolvers.records.listing import RecordOrderBy, list_query
from resolvers.records.store import (
    RecordKind,
    Row,
    create_record,
    find_record,
    set_deleted,
    update_record,
)
from resolvers.records.unique_lookup import find_by_unique_value, given_id


@dataclass(frozen=True)
class RecordRoots:
    """What one kind of record's root fields are made of."""

    singular: str  # "contact"
    plural: str  # "contacts"
    kind: RecordKind
    fields: EntityTypes
    output: type
    to_node: Callable[[Row], Any]
    filter_members: dict[str, type]
    filter_fields: Callable[[str], dict[str, FilterField]]
    create_members: dict[str, tuple[Any, Any]]
    update_members: dict[str, tuple[Any, Any]]
    # Runs after an update, a delete or a restore, with the record before and after (e.g. to
    # refresh dependants).
    after_change: Callable[[Context, Row, Row], Awaitable[None]] | None = None

    @property
    def title(self) -> str:
        return self.kind.what


def record_roots(spec: RecordRoots) -> tuple[type, type]:
    title, kind, fields, Node = spec.title, spec.kind, spec.fields, spec.output
    Filter = record_filter_type(f"{title}Filter", spec.filter_members, fields.custom_filter)
    UniqueKey = fields.unique_key
    CreateInput = make_input(f"Create{title}Input", spec.create_members, fields.custom_input)
    UpdateInput = make_input(f"Update{title}Input", spec.update_members, fields.custom_input)
    customs = custom_fields(list(fields.definitions))

    async def listing(
        info: Info,
        crm_id: strawberry.ID | None = None,
        filter: Filter | None = None,
        search: str | None = None,
        order_by: list[RecordOrderBy] | None = None,
        deleted: bool = False,
        first: int = 50,
        after: str | None = None,
    ) -> Connection[Node]:
        ctx = info.context
        crm = await records_crm(ctx, crm_id)
        natives = spec.filter_fields(ctx.company().settings.default_phone_region)
        clauses = compile_filter(filter, natives, customs)
        listed = list_query({"crm_id": crm.id, "deleted": deleted}, clauses, search, order_by)
        return await keyset_page(
            kind.collection(),
            listed.query,
            listed.sort,
            first,
            after,
            spec.to_node,
        )

    async def one(info: Info, id: strawberry.ID) -> Node:
        row, _ = await find_record(kind, info.context, parse_id(id, title))
        return spec.to_node(row)

    async def by_key(info: Info, by: UniqueKey, crm_id: strawberry.ID | None = None) -> Node:
        if (record_id := given_id(by)) is not None:
            row, _ = await find_record(kind, info.context, parse_id(record_id, title))
            return spec.to_node(row)
        crm = await records_crm(info.context, crm_id)
        return spec.to_node(
            await find_by_unique_value(kind.collection(), crm.id, fields, by, title)
        )

    async def create(info: Info, input: CreateInput) -> Node:
        return spec.to_node(await create_record(kind, info.context, fields, input))

    async def changed(
        ctx: Context, id: strawberry.ID, change: Callable[[PydanticObjectId], Awaitable[Row]]
    ) -> Node:
        record_id = parse_id(id, title)
        if spec.after_change is None:
            return spec.to_node(await change(record_id))
        before, _ = await find_record(kind, ctx, record_id)
        row = await change(record_id)
        await spec.after_change(ctx, before, row)
        return spec.to_node(row)

    async def update(info: Info, id: strawberry.ID, input: UpdateInput) -> Node:
        ctx = info.context
        return await changed(
            ctx, id, lambda record_id: update_record(kind, ctx, fields, record_id, input)
        )

    async def delete(info: Info, id: strawberry.ID) -> Node:
        ctx = info.context
        return await changed(
            ctx, id, lambda record_id: set_deleted(kind, ctx, fields, record_id, True)
        )

    async def restore(info: Info, id: strawberry.ID) -> Node:
        ctx = info.context
        return await changed(
            ctx, id, lambda record_id: set_deleted(kind, ctx, fields, record_id, False)
        )

    # merge_types keys fields by their Python name: make them those of the GraphQL fields.
    for resolver, name in (
        (listing, spec.plural),
        (one, spec.singular),
        (by_key, f"{spec.singular}_by"),
        (create, f"create_{spec.singular}"),
        (update, f"update_{spec.singular}"),
        (delete, f"delete_{spec.singular}"),
        (restore, f"restore_{spec.singular}"),
    ):
        resolver.__name__ = name

    query = create_type(
        f"{title}Query",
        [
            strawberry.field(
                name=spec.plural,
                resolver=listing,
                description=f"The {spec.plural} of a CRM (the default CRM when omitted).",
            ),
            strawberry.field(name=spec.singular, resolver=one),
            strawberry.field(
                name=f"{spec.singular}By",
                resolver=by_key,
                description="By its id or the value of a unique field.",
            ),
        ],
    )
    mutation = create_type(
        f"{title}Mutation",
        [
            strawberry.mutation(name=f"create{title}", resolver=create),
            strawberry.mutation(
                name=f"update{title}",
                resolver=update,
                description="Changes only the members given; null clears one.",
            ),
            strawberry.mutation(
                name=f"delete{title}",
                resolver=delete,
                description=f"Moves it to the trash; restore{title} undoes that.",
            ),
            strawberry.mutation(name=f"restore{title}", resolver=restore),
        ],
    )
    return query, mutation
