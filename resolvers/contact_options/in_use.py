"""Deleting a position, stage or acquisition source that contacts use is refused.

Decision: refuse with CONFLICT and the number of contacts (``contactCount``), rather than unset
the value on those contacts, so that no contact silently loses data; the admin reassigns the
contacts first. Soft-deleted contacts count too: restoring one must not bring back an id that no
longer names anything. The count precedes the delete: writes of contacts must check that the
ids they store still exist, which closes the gap between the two. Nor is one deleted that a
segmentation rule names (R8, :mod:`resolvers.segmentation.references`).
"""

from beanie import PydanticObjectId

from models.contact import Contact
from models.errors import Conflict
from resolvers.segmentation.references import refuse_if_classified


class InUse(Conflict):
    """The existing record is one of the contacts; ``contactCount`` says how many there are."""

    def __init__(self, what: str, contact_id: object, contact_count: int) -> None:
        super().__init__(
            f"The {what} is used by {contact_count} contact(s); assign them another first.",
            existing_id=contact_id,
        )
        self.extensions["contactCount"] = contact_count


async def refuse_if_used(
    tenant_id: PydanticObjectId, field: str, value_id: PydanticObjectId, what: str
) -> None:
    """``field`` is the contact's field that holds the id, e.g. ``stage_id``."""
    query = {"tenant_id": tenant_id, field: value_id}
    contacts = Contact.get_pymongo_collection()
    contact = await contacts.find_one(query, {"_id": 1})
    if contact is not None:
        raise InUse(what, contact["_id"], await contacts.count_documents(query))
    await refuse_if_classified(tenant_id, field, value_id, what)
