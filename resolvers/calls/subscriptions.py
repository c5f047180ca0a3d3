"""The subscriptions fed by the call bus: ``incomingCalls`` (agent desktops) and
``dialRequests`` (the telephony side).

Access is checked when the subscription starts, and again for each event against the socket's
principal as it is now (app/socket_sessions.py): a user who left a project stops receiving its
calls at once, one who joined a project receives them (when no projects were named), and a
deactivated user's socket is closed.
"""

from collections.abc import AsyncGenerator, Callable
from typing import Any

from beanie import PydanticObjectId

from app.call_bus import CallChange
from app.socket_sessions import SESSION_KEY, SocketSession
from models.call_event import CallDirection
from models.errors import DomainError
from resolvers.calls.access import subscribed_projects, telephony_company
from resolvers.calls.loads import read_all
from resolvers.context import Context

ToNode = Callable[[dict[str, Any], dict[str, Any]], Any]


def _session(ctx: Context) -> SocketSession | None:
    return ctx.request.scope.get(SESSION_KEY)


async def _changes(
    ctx: Context,
    tenant_id: PydanticObjectId,
    accept: Callable[[CallChange], bool],
    allowed: Callable[[CallChange], bool],
    to_node: ToNode,
) -> AsyncGenerator[Any, None]:
    """The changes ``accept`` takes (it sees every change of the process's company: no reads),
    each delivered if the subscriber, as they are now, is ``allowed`` it."""
    session = _session(ctx)
    with ctx.services.call_bus.subscribe(tenant_id, accept) as changes:
        async for change in changes:
            if session is not None:
                # Unauthenticated when the token no longer holds: the socket is closed then.
                ctx.principal = await session.current()
            if not allowed(change):
                continue
            # The socket's DataLoaders live as long as it does: each event reads afresh.
            ctx.loaders.clear()
            # Once for all of this process's subscribers: then their fields resolve at once.
            await read_all(change.shared, change.document)
            yield to_node(change.document, change.shared)


def incoming_calls(
    ctx: Context, project_ids: list[str] | None, to_node: ToNode
) -> AsyncGenerator[Any, None]:
    """Every version of the inbound calls of the subscriber's projects (all of them when none
    are named), status changes included."""
    subscribed = subscribed_projects(ctx, project_ids)
    named = subscribed if project_ids else None
    session = _session(ctx)

    def wanted(change: CallChange, member_of: frozenset[PydanticObjectId]) -> bool:
        project_id = change.document.get("project_id")
        return project_id in member_of and (named is None or project_id in named)

    def accept(change: CallChange) -> bool:
        # The projects known when the socket was last checked (RECHECK_SECONDS ago at most).
        known = session.principal if session is not None else ctx.principal
        return change.document["direction"] == CallDirection.INBOUND and wanted(
            change, known.project_ids
        )

    def allowed(change: CallChange) -> bool:
        return wanted(change, ctx.principal.project_ids)

    return _changes(ctx, ctx.tenant_id, accept, allowed, to_node)


def dial_requests(ctx: Context, to_node: ToNode) -> AsyncGenerator[Any, None]:
    """The company's new dial requests, each once."""
    company = telephony_company(ctx)
    assert company.id is not None

    def accept(change: CallChange) -> bool:
        return change.operation == "insert" and change.document["direction"] == (
            CallDirection.OUTBOUND
        )

    def allowed(_: CallChange) -> bool:
        try:
            return telephony_company(ctx).id == company.id
        except DomainError:  # no longer an admin, the CRM turned off
            return False

    return _changes(ctx, company.id, accept, allowed, to_node)
