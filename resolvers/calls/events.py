"""Every write of an incoming call: the telephony side's reports (incoming, answered, ended) and
the agents' assignment of a contact.

A new call is inserted; each later change replaces the stored version with the next one,
guarded by its revision, so that every version reaches the subscribers whole
(``models/call_event.py``). Reports are idempotent: a repeated one changes nothing and answers
the call as it stands.
"""

from collections.abc import Callable
from typing import Any

from beanie import PydanticObjectId
from bson.errors import InvalidId
from pymongo.errors import DuplicateKeyError

from models.call_event import (
    MAX_CALL_ID_LENGTH,
    MAX_CAUSE_LENGTH,
    CallDirection,
    CallEvent,
    CallStatus,
    Row,
    answered,
    assigned,
    ended,
    new_call,
    next_version,
)
from models.company import Company
from models.contact import Contact
from models.errors import Conflict, NotFound, ValidationFailed, Validator
from models.project import Project
from models.user import User
from resolvers.calls.access import telephony_company, works_with_call
from resolvers.calls.matching import check_number, match_caller
from resolvers.calls.types import ReportIncomingCallInput
from resolvers.context import Context
from resolvers.crms.service import kept_crm

# Concurrent changes of one call are retried this often before the caller is told to retry.
MAX_ATTEMPTS = 5


def _calls() -> Any:
    return CallEvent.get_pymongo_collection()


def _id_or_none(value: str) -> PydanticObjectId | None:
    """A referenced id; a malformed one names nothing, like an unknown one."""
    try:
        return PydanticObjectId(value)
    except (InvalidId, TypeError):
        return None


async def _find(tenant_id: PydanticObjectId, call_id: str) -> Row | None:
    return await _calls().find_one({"tenant_id": tenant_id, "call_id": call_id})


def _check_call_id(v: Validator, value: str, path: str) -> str:
    trimmed = value.strip()
    v.check(bool(trimmed), path, "Must not be empty.")
    v.check(len(trimmed) <= MAX_CALL_ID_LENGTH, path, f"At most {MAX_CALL_ID_LENGTH} characters.")
    return trimmed


async def report_incoming_call(ctx: Context, data: ReportIncomingCallInput) -> Row:
    company = telephony_company(ctx)
    v = Validator()
    call_id = _check_call_id(v, data.call_id, "input.callId")
    from_number = check_number(v, data.from_, "input.from")
    to_number = check_number(v, data.to, "input.to")
    project_id = _id_or_none(data.project_id)
    project = (
        await Project.find_one({"_id": project_id, "tenant_id": company.id})
        if project_id is not None
        else None
    )
    if project is None:
        v.add("input.projectId", "No such project.")
    elif project.crm_id is None:
        v.add("input.projectId", "The project has no CRM.")
    v.raise_if_any()
    assert project is not None  # refused above otherwise
    assert project.crm_id is not None
    if (existing := await _find(company.id, call_id)) is not None:
        return existing
    matched = await match_caller(
        company, frozenset({project.crm_id}), from_number, ctx.services.organization_phones
    )
    row = new_call(
        company.id,
        call_id,
        direction=CallDirection.INBOUND.value,
        status=CallStatus.RINGING.value,
        from_number=from_number,
        to_number=to_number,
        normalized_number=matched.normalized_number,
        project_id=project.id,
        crm_id=project.crm_id,
        match=matched.stored(),
        contact_id=matched.auto_assigned["_id"] if matched.auto_assigned else None,
    )
    try:
        await _calls().insert_one(row)
    except DuplicateKeyError:  # the same call reported twice at once: the first one stands
        return await _find(company.id, call_id) or row
    return await _pushed(ctx, company, row)


async def _pushed(ctx: Context, company: Company, row: Row) -> Row:
    """``row``, once the events it calls for are queued for its CRM, if that wants them (R10.3;
    queueing an event twice queues it once)."""
    crm_id = row.get("crm_id")
    if crm_id is not None and company.id is not None:
        crm = await kept_crm(ctx.services.crms, company.id, crm_id)
        await ctx.services.crm_pushes.enqueue(row, crm, company)
    return row


async def change_call(
    tenant_id: PydanticObjectId, call_id: str, change: Callable[[Row], Row | None]
) -> Row:
    """The call after ``change`` (which answers None when there is nothing to change), written
    as the next version of the stored one; re-read and retried when another write came first."""
    for _ in range(MAX_ATTEMPTS):
        row = await _find(tenant_id, call_id)
        if row is None:
            raise NotFound("Call", call_id)
        changed = change(row)
        if changed is None:
            return row
        changed = next_version(changed)
        replaced = await _calls().replace_one(
            {"_id": row["_id"], "revision": row.get("revision", 0)}, changed
        )
        if replaced.matched_count:
            return changed
    raise Conflict("The call is changing concurrently; try again.")


async def report_call_answered(ctx: Context, call_id: str, agent_id: str | None) -> Row:
    company = telephony_company(ctx)
    agent = None
    if agent_id is not None:
        parsed = _id_or_none(agent_id)
        found = await User.find_one({"_id": parsed, "tenant_id": company.id}) if parsed else None
        if found is None:
            raise ValidationFailed.single("agentId", "No such user.")
        agent = found.id
    row = await change_call(company.id, call_id, lambda row: answered(row, agent))
    return await _pushed(ctx, company, row)


async def report_call_ended(ctx: Context, call_id: str, cause: str | None) -> Row:
    company = telephony_company(ctx)
    if cause is not None:
        cause = cause.strip() or None
    if cause is not None and len(cause) > MAX_CAUSE_LENGTH:
        raise ValidationFailed.single("cause", f"At most {MAX_CAUSE_LENGTH} characters.")
    row = await change_call(company.id, call_id, lambda row: ended(row, cause))
    return await _pushed(ctx, company, row)


async def visible_call(ctx: Context, call_id: str) -> Row:
    """The call, if the caller works with it (NOT_FOUND otherwise, as for no such call)."""
    ctx.require_crm_enabled()
    row = await _find(ctx.tenant_id, call_id)
    if row is None or not works_with_call(ctx, row):
        raise NotFound("Call", call_id)
    return row


async def assign_contact_to_call(ctx: Context, call_id: str, contact_id: str) -> Row:
    """An agent names the caller's contact (the match was ambiguous or empty, or wrong)."""
    row = await visible_call(ctx, call_id)
    parsed = _id_or_none(contact_id)
    contact = (
        await Contact.get_pymongo_collection().find_one(
            {
                "_id": parsed,
                "tenant_id": ctx.tenant_id,
                "crm_id": row.get("crm_id"),
                "deleted": False,
            },
            {"_id": 1},
        )
        if parsed is not None
        else None
    )
    if contact is None:
        raise ValidationFailed.single("contactId", "No such contact in the call's CRM.")
    return await change_call(ctx.tenant_id, call_id, lambda current: assigned(current, parsed))
