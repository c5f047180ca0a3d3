"""Every write of an incoming call: the telephony side's reports (incoming, answered, ended) and
the agents' assignment of a contact.

A new call is inserted; each later change replaces the stored version with the next one,
guarded by its revision, so that every version reaches the subscribers whole
(``models/call_event.py``). Reports are idempotent: a repeated one changes nothing and answers
the call as it stands.
"""

from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any, TypeVar

from beanie import PydanticObjectId
from bson.errors import InvalidId
from pymongo import UpdateOne
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from app.crm_pushes import push_writes, queue
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

T = TypeVar("T")


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
    pushes = await _push_writes(ctx, company, row)

    async def insert(session: AsyncClientSession) -> None:
        await _calls().insert_one(row, session=session)
        await queue(pushes, session)

    try:
        await _in_transaction(insert)
    except DuplicateKeyError:  # the same call reported twice at once: the first one stands
        return await _find(company.id, call_id) or row
    ctx.services.crm_pushes.wake()
    return row


async def _in_transaction(write: Callable[[AsyncClientSession], Awaitable[T]]) -> T:
    """Runs ``write`` in one transaction (issue 12.6: a call's version and its pushes are stored
    both or neither), again from the start when the database asks."""
    async with _calls().database.client.start_session() as session:
        return await session.with_transaction(write)


async def _push_writes(ctx: Context, company: Company, row: Row) -> list[UpdateOne]:
    """The writes queueing the events ``row`` calls for in its CRM, if that wants them (R10.3)."""
    crm_id = row.get("crm_id")
    if crm_id is None or company.id is None:
        return []
    crm = await kept_crm(ctx.services.crms, company.id, crm_id)
    return await push_writes(row, crm, company)


async def _write_version(
    row: Row, changed: Row, pushes: list[UpdateOne], session: AsyncClientSession
) -> bool:
    """Replaces ``row`` by ``changed`` and queues ``pushes``; False when another write was first."""
    guard = {"_id": row["_id"], "revision": row.get("revision", 0)}
    replaced = await _calls().replace_one(guard, changed, session=session)
    if replaced.matched_count:
        await queue(pushes, session)
    return bool(replaced.matched_count)


PushWrites = Callable[[Row], Awaitable[list[UpdateOne]]]


async def change_call(
    tenant_id: PydanticObjectId,
    call_id: str,
    change: Callable[[Row], Row | None],
    pushes_of: PushWrites | None = None,
) -> Row:
    """The call after ``change`` (which answers None when there is nothing to change), written
    as the next version of the stored one, with the pushes ``pushes_of`` it calls for in the
    same transaction; re-read and retried when another write came first."""
    for _ in range(MAX_ATTEMPTS):
        row = await _find(tenant_id, call_id)
        if row is None:
            raise NotFound("Call", call_id)
        changed = change(row)
        if changed is None:
            return row
        changed = next_version(changed)
        pushes = await pushes_of(changed) if pushes_of is not None else []

        if await _in_transaction(partial(_write_version, row, changed, pushes)):
            return changed
    raise Conflict("The call is changing concurrently; try again.")


async def _reported_change(
    ctx: Context, company: Company, call_id: str, change: Callable[[Row], Row | None]
) -> Row:
    """A change the telephony side reports, written with the pushes it calls for."""
    row = await change_call(company.id, call_id, change, partial(_push_writes, ctx, company))
    ctx.services.crm_pushes.wake()
    return row


async def report_call_answered(ctx: Context, call_id: str, agent_id: str | None) -> Row:
    company = telephony_company(ctx)
    agent = None
    if agent_id is not None:
        parsed = _id_or_none(agent_id)
        found = await User.find_one({"_id": parsed, "tenant_id": company.id}) if parsed else None
        if found is None:
            raise ValidationFailed.single("agentId", "No such user.")
        agent = found.id
    return await _reported_change(ctx, company, call_id, lambda row: answered(row, agent))


async def report_call_ended(ctx: Context, call_id: str, cause: str | None) -> Row:
    company = telephony_company(ctx)
    if cause is not None:
        cause = cause.strip() or None
    if cause is not None and len(cause) > MAX_CAUSE_LENGTH:
        raise ValidationFailed.single("cause", f"At most {MAX_CAUSE_LENGTH} characters.")
    return await _reported_change(ctx, company, call_id, lambda row: ended(row, cause))


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
