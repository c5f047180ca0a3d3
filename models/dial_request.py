"""Dial requests (R3.3): an agent asks the exchange to call a contact.

A request is an OUTBOUND call event (``models/call_event.py``) with the status REQUESTED, so it
reaches the telephony side through the same change stream as incoming calls, and the exchange can
then report it answered and ended under its id.
"""

from typing import Any

from beanie import PydanticObjectId

from models.call_event import CallDirection, CallStatus, Row, new_call
from models.errors import ValidationFailed
from models.phones import InvalidPhone, normalize_phone


def number_to_dial(phones: list[dict[str, Any]], requested: str | None, region: str) -> str:
    """The contact's number to call: ``requested`` (any format), which must be one of the
    contact's; without it, the contact's first. The dialer calls contacts, not any number."""
    numbers = [phone["number"] for phone in phones]
    if requested is None:
        if not numbers:
            raise ValidationFailed.single("contactId", "The contact has no phone number.")
        return numbers[0]
    try:
        number = normalize_phone(requested, region)
    except InvalidPhone as error:
        raise ValidationFailed.single("phone", str(error)) from error
    if number not in numbers:
        raise ValidationFailed.single("phone", "Not a phone number of this contact.")
    return number


def new_dial_request(
    tenant_id: PydanticObjectId,
    contact: Row,
    number: str,
    requested_by_id: PydanticObjectId,
) -> Row:
    request_id = PydanticObjectId()
    return new_call(
        tenant_id,
        str(request_id),
        request_id,
        direction=CallDirection.OUTBOUND.value,
        status=CallStatus.REQUESTED.value,
        to_number=number,
        normalized_number=number,
        crm_id=contact["crm_id"],
        contact_id=contact["_id"],
        requested_by_id=requested_by_id,
    )
