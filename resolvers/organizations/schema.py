"""Root fields of organizations, built per company."""

from resolvers.context import Context
from resolvers.organizations.filters import FILTER_MEMBERS, filter_fields
from resolvers.organizations.inputs import CREATE_MEMBERS, UPDATE_MEMBERS
from resolvers.organizations.service import ORGANIZATIONS, refresh_contacts_of
from resolvers.records.roots import RecordRoots, record_roots
from resolvers.records.store import Row
from resolvers.records.tenant_types import RecordTypes


def organization_roots(types: RecordTypes) -> tuple[type, type]:
    async def after_change(ctx: Context, before: Row, after: Row) -> None:
        shown = ("name", "deleted")  # contacts search by the name of a live organization
        if any(before.get(key) != after.get(key) for key in shown):
            await refresh_contacts_of(ctx.tenant_id, after, types.contact_fields)

    return record_roots(
        RecordRoots(
            singular="organization",
            plural="organizations",
            kind=ORGANIZATIONS,
            fields=types.organization_fields,
            output=types.organization,
            to_node=types.organization_from_row,
            filter_members=FILTER_MEMBERS,
            filter_fields=filter_fields,
            create_members=CREATE_MEMBERS,
            update_members=UPDATE_MEMBERS,
            after_change=after_change,
        )
    )
