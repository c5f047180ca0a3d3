"""Rules that read several documents of a company before a write (at most 200 custom fields of
an entity, one active administrator at least, the LDAP settings' required fields) are checked and
written in one transaction that first writes the company's own document.

Two such transactions of one company write that document both, so the embedded server lets only
the first commit: the other is aborted as a TransientTransactionError and run again from the
start, reading what the first one wrote. Without it both would read the state before either
write and both pass (issue 12.5).
"""

from collections.abc import Awaitable, Callable
from typing import TypeVar

from beanie import PydanticObjectId
from pymongo.asynchronous.client_session import AsyncClientSession

from models.company import Company

T = TypeVar("T")


async def under_company_lock(
    tenant_id: PydanticObjectId, work: Callable[[AsyncClientSession], Awaitable[T]]
) -> T:
    """Runs ``work`` in a transaction serialized with the company's other locked changes; an
    error ``work`` raises (a refusal) aborts it, writing nothing."""
    companies = Company.get_pymongo_collection()

    async def locked(session: AsyncClientSession) -> T:
        await companies.update_one(
            {"_id": tenant_id}, {"$inc": {"lock_version": 1}}, session=session
        )
        return await work(session)

    async with companies.database.client.start_session() as session:
        return await session.with_transaction(locked)
