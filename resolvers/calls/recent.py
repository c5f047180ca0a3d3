"""``recentCalls``: the latest inbound calls of the caller's projects, for a desktop that starts.

Each call comes with a position taken before the read (``positions.current``): subscribing with
``incomingCalls(since:)`` from it sends every change made after the read began, so nothing falls
between the list and the subscription.
"""

from typing import Any

from models.call_event import CallDirection, CallEvent, Row
from resolvers.calls import positions
from resolvers.calls.access import subscribed_projects
from resolvers.common.pagination import check_page_size
from resolvers.context import Context


async def recent_calls(
    ctx: Context, project_id: str | None, first: int
) -> tuple[list[Row], positions.Position]:
    """The ``first`` newest calls (by when they came in) of ``project_id``, or of all the
    caller's projects; FORBIDDEN for a project they are not a member of, as for incomingCalls."""
    projects = subscribed_projects(ctx, [project_id] if project_id is not None else None)
    check_page_size(first)
    position = await positions.current(ctx.services.call_bus)
    query: dict[str, Any] = {
        "tenant_id": ctx.tenant_id,
        "direction": CallDirection.INBOUND.value,
        "project_id": {"$in": sorted(projects)},
    }
    if not first:  # a limit of 0 is none at all
        return [], position
    cursor = CallEvent.get_pymongo_collection().find(
        query, sort=[("started_at", -1), ("_id", -1)], limit=first
    )
    return await cursor.to_list(), position
