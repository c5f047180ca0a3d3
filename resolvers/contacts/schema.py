"""Root fields of contacts (R4), built per company."""

from resolvers.contacts.filters import FILTER_MEMBERS, filter_fields
from resolvers.contacts.inputs import CREATE_MEMBERS, UPDATE_MEMBERS
from resolvers.contacts.service import CONTACTS
from resolvers.records.roots import RecordRoots, record_roots
from resolvers.records.tenant_types import RecordTypes


def contact_roots(types: RecordTypes) -> tuple[type, type]:
    return record_roots(
        RecordRoots(
            singular="contact",
            plural="contacts",
            kind=CONTACTS,
            fields=types.contact_fields,
            output=types.contact,
            to_node=types.contact_from_row,
            filter_members=FILTER_MEMBERS,
            filter_fields=filter_fields,
            create_members=CREATE_MEMBERS,
            update_members=UPDATE_MEMBERS,
        )
    )
