"""Dialing a contact (R3.3): for users with the permission DIAL who work with the contact's CRM.

The request is stored as an OUTBOUND call event (``models/dial_request.py``); the telephony side
receives it through the ``dialRequests`` subscription.
"""

from models.call_event import CallEvent, Row
from models.contact import Contact
from models.dial_request import new_dial_request, number_to_dial
from models.errors import Forbidden, NotFound
from models.user import Permission
from resolvers.common.ids import parse_id
from resolvers.context import Context
from resolvers.records.access import records_crm


async def dial_contact(ctx: Context, contact_id: str, phone: str | None) -> Row:
    ctx.require_crm_enabled()
    user = ctx.user()
    if not ctx.principal.has_permission(Permission.DIAL):
        raise Forbidden("Dialing contacts needs the permission DIAL.")
    contact = await Contact.get_pymongo_collection().find_one(
        {"_id": parse_id(contact_id, "Contact"), "tenant_id": ctx.tenant_id, "deleted": False}
    )
    if contact is None:
        raise NotFound("Contact", contact_id)
    try:
        # FORBIDDEN outside the CRMs the caller works with; one they may not see hides it.
        await records_crm(ctx, str(contact["crm_id"]))
    except NotFound as error:
        raise NotFound("Contact", contact_id) from error
    region = ctx.company().settings.default_phone_region
    number = number_to_dial(contact.get("phones") or [], phone, region)
    assert user.id is not None
    row = new_dial_request(ctx.tenant_id, contact, number, user.id)
    await CallEvent.get_pymongo_collection().insert_one(row)
    return row
