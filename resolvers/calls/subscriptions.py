"""The subscriptions fed by the call bus: ``incomingCalls`` (agent desktops) and
``dialRequests`` (the telephony side).

Access is checked when the subscription starts, against the principal of the socket (read when
it connected): a change of project membership applies to subscriptions made afterwards.
"""

from collections.abc import AsyncGenerator, Callable
from typing import Any

from beanie import PydanticObjectId

from app.call_bus import CallChange
from models.call_event import CallDirection
from resolvers.calls.access import subscribed_projects, telephony_company
from resolvers.calls.loads import read_all
from resolvers.context import Context

ToNode = Callable[[dict[str, Any], dict[str, Any]], Any]


async def _changes(
    ctx: Context,
    tenant_id: PydanticObjectId,
    accept: Callable[[CallChange], bool],
    to_node: ToNode,
) -> AsyncGenerator[Any, None]:
    with ctx.services.call_bus.subscribe(tenant_id, accept) as changes:
        async for change in changes:
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
    projects = subscribed_projects(ctx, project_ids)

    def accept(change: CallChange) -> bool:
        call = change.document
        return call["direction"] == CallDirection.INBOUND and call.get("project_id") in projects

    return _changes(ctx, ctx.tenant_id, accept, to_node)


def dial_requests(ctx: Context, to_node: ToNode) -> AsyncGenerator[Any, None]:
    """The company's new dial requests, each once."""
    company = telephony_company(ctx)
    assert company.id is not None

    def accept(change: CallChange) -> bool:
        return change.operation == "insert" and change.document["direction"] == (
            CallDirection.OUTBOUND
        )

    return _changes(ctx, company.id, accept, to_node)
