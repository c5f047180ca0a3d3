"""The subscriptions fed by the call bus: ``incomingCalls`` (agent desktops) and
``dialRequests`` (the telephony side).

Access is checked when the subscription starts, and again for each event against the socket's
principal as it is now (app/socket_sessions.py): a user who left a project stops receiving its
calls at once, one who joined a project receives them (when no projects were named), and a
deactivated user's socket is closed.

``incomingCalls(since:)`` first sends what the desktop missed after that position
(``replay.py``), then goes on live: the live subscription is registered before the replay's
last read, and the changes both hold are sent once.
"""

from collections.abc import AsyncGenerator, AsyncIterator, Callable
from typing import Any

from beanie import PydanticObjectId

from app.call_bus import CallChange, Subscription
from app.socket_sessions import SESSION_KEY, SocketSession
from models.call_event import CallDirection
from models.errors import DomainError
from resolvers.calls import positions
from resolvers.calls.access import subscribed_projects, telephony_company
from resolvers.calls.loads import read_all
from resolvers.calls.replay import Replay
from resolvers.context import Context

ToNode = Callable[[CallChange], Any]


def _session(ctx: Context) -> SocketSession | None:
    return ctx.request.scope.get(SESSION_KEY)


async def _replayed_then_live(replay: Replay, live: Subscription) -> AsyncIterator[CallChange]:
    replayed = await replay.rest()
    sent = {positions.key(change.position) for change in replayed}
    for change in replayed:
        yield change
    async for change in live:
        position = positions.key(change.position)
        if position in sent:
            sent.discard(position)
        else:
            yield change


async def _changes(
    ctx: Context,
    tenant_id: PydanticObjectId,
    accept: Callable[[CallChange], bool],
    allowed: Callable[[CallChange], bool],
    to_node: ToNode,
    replay: Replay | None = None,
) -> AsyncGenerator[Any, None]:
    """The changes ``accept`` takes (it sees every change of the process's company: no reads),
    after those ``replay`` holds and reads on, each delivered if the subscriber, as they are
    now, is ``allowed`` it."""
    session = _session(ctx)
    with ctx.services.call_bus.subscribe(tenant_id, accept) as live:
        changes = live if replay is None else _replayed_then_live(replay, live)
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
            yield to_node(change)


async def incoming_calls(
    ctx: Context, project_ids: list[str] | None, since: str | None, to_node: ToNode
) -> AsyncGenerator[Any, None]:
    """Every version of the inbound calls of the subscriber's projects (all of them when none
    are named), status changes included; with ``since``, those after that position first."""
    subscribed = subscribed_projects(ctx, project_ids)
    named = subscribed if project_ids else None
    replay = None
    if since is not None:
        position = positions.from_cursor(ctx.services.secrets, since, "since")
        match = {
            "tenant_id": ctx.tenant_id,
            "direction": CallDirection.INBOUND.value,
            "project_id": {"$in": sorted(subscribed)},
        }
        replay = await Replay.since(position, match, "since")
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

    return _changes(ctx, ctx.tenant_id, accept, allowed, to_node, replay)


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
