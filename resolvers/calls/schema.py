"""Root fields of calls (R10) and dialing (R3.3), built per company: their types hold its
Contact type.

Queries ``matchCaller``, ``call`` and ``recentCalls``; mutations ``reportIncomingCall``,
``reportCallAnswered``, ``reportCallEnded`` (the telephony side), ``assignContactToCall`` and
``dialContact`` (agents);
subscriptions ``incomingCalls`` (agent desktops) and ``dialRequests`` (the telephony side).
"""

from collections.abc import AsyncGenerator, Awaitable, Callable

import strawberry
from strawberry.tools import create_type

from app.call_bus import CallChange
from models.call_event import Row
from models.errors import Validator
from resolvers.calls import dialing, events, matching, positions, recent, subscriptions
from resolvers.calls.access import matchable_crm_ids, project_crm_id
from resolvers.calls.types import ReportIncomingCallInput, build_call_types
from resolvers.context import Context, Info
from resolvers.records.tenant_types import RecordTypes


def call_roots(records: RecordTypes) -> tuple[type, type, type]:
    types = build_call_types(records)
    CallerMatch, CallEvent, DialRequest = types.caller_match, types.call_event, types.dial_request

    async def match_caller(
        info: Info, phone: str, project_id: strawberry.ID | None = None
    ) -> CallerMatch:
        ctx = info.context
        ctx.require_crm_enabled()
        v = Validator()
        number = matching.check_number(v, phone, "phone")
        v.raise_if_any()
        if project_id is not None:
            crm_ids = frozenset({await project_crm_id(ctx, project_id, "projectId")})
        else:
            crm_ids = await matchable_crm_ids(ctx)
        rows = await matching.match_caller(
            ctx.company(), crm_ids, number, ctx.services.organization_phones
        )
        return types.match_from_rows(rows)

    async def event(ctx: Context, read: Callable[[], Awaitable[Row]]) -> CallEvent:
        """The call ``read`` reads or writes, with a position taken before it (its cursor)."""
        position = await positions.current(ctx.services.call_bus)
        return types.event_from_row(await read(), position)

    def event_of_change(change: CallChange) -> CallEvent:
        return types.event_from_row(change.document, change.position, change.shared)

    async def call(info: Info, call_id: str) -> CallEvent:
        return await event(info.context, lambda: events.visible_call(info.context, call_id))

    async def recent_calls(
        info: Info, project_id: strawberry.ID | None = None, first: int = 20
    ) -> list[CallEvent]:
        rows, position = await recent.recent_calls(info.context, project_id, first)
        return [types.event_from_row(row, position) for row in rows]

    async def report_incoming_call(info: Info, input: ReportIncomingCallInput) -> CallEvent:
        return await event(info.context, lambda: events.report_incoming_call(info.context, input))

    async def report_call_answered(
        info: Info, call_id: str, agent_id: strawberry.ID | None = None
    ) -> CallEvent:
        return await event(
            info.context, lambda: events.report_call_answered(info.context, call_id, agent_id)
        )

    async def report_call_ended(info: Info, call_id: str, cause: str | None = None) -> CallEvent:
        return await event(
            info.context, lambda: events.report_call_ended(info.context, call_id, cause)
        )

    async def assign_contact_to_call(
        info: Info, call_id: str, contact_id: strawberry.ID
    ) -> CallEvent:
        return await event(
            info.context, lambda: events.assign_contact_to_call(info.context, call_id, contact_id)
        )

    async def dial_contact(
        info: Info, contact_id: strawberry.ID, phone: str | None = None
    ) -> DialRequest:
        row = await dialing.dial_contact(info.context, contact_id, phone)
        return types.dial_request_from_row(row)

    # Coroutines that return the stream: access is refused before the subscription starts.
    async def incoming_calls(
        info: Info, project_ids: list[strawberry.ID] | None = None, since: str | None = None
    ) -> AsyncGenerator[CallEvent, None]:
        return await subscriptions.incoming_calls(info.context, project_ids, since, event_of_change)

    async def dial_requests(info: Info) -> AsyncGenerator[DialRequest, None]:
        return subscriptions.dial_requests(
            info.context,
            lambda change: types.dial_request_from_row(change.document, change.shared),
        )

    query = create_type(
        "CallQuery",
        [
            strawberry.field(
                resolver=match_caller,
                description="The contacts and organizations with this number (any format), in "
                "the project's CRM, or without a project in the CRMs the caller works with.",
            ),
            strawberry.field(
                resolver=call,
                description="A call by the exchange's callId: for an agent, one of their "
                "projects' calls or their own dial request (NOT_FOUND otherwise).",
            ),
            strawberry.field(
                resolver=recent_calls,
                description="The latest inbound calls of a project (all the caller's projects "
                "when projectId is omitted; FORBIDDEN for a project they are not in), newest "
                "first, at most 200: what a desktop shows when it starts, before it subscribes "
                "to incomingCalls with `since` set to their cursor.",
            ),
        ],
    )
    mutation = create_type(
        "CallMutation",
        [
            strawberry.mutation(
                resolver=report_incoming_call,
                description="The telephony side reports a call; idempotent on callId.",
            ),
            strawberry.mutation(
                resolver=report_call_answered,
                description="The telephony side reports a call answered (by agentId).",
            ),
            strawberry.mutation(
                resolver=report_call_ended,
                description="The telephony side reports a call ended; its duration is kept.",
            ),
            strawberry.mutation(
                resolver=assign_contact_to_call,
                description="An agent names the caller's contact, e.g. when the match was "
                "ambiguous or empty.",
            ),
            strawberry.mutation(
                resolver=dial_contact,
                description="Asks the exchange to call the contact (the permission DIAL); "
                "`phone` is one of the contact's numbers, the first when omitted.",
            ),
        ],
    )
    subscription = create_type(
        "CallSubscription",
        [
            strawberry.subscription(
                resolver=incoming_calls,
                description="The calls of the subscriber's projects as they change (all of "
                "them when projectIds is omitted; FORBIDDEN for a project they are not in). "
                "With `since` (the cursor of the last event the desktop received, or of "
                "recentCalls), the changes made after it are sent first, each once, then the "
                "live ones; GONE when more than 15 minutes or 500 changes were missed.",
            ),
            strawberry.subscription(
                resolver=dial_requests,
                description="The telephony side receives the company's new dial requests.",
            ),
        ],
    )
    return query, mutation, subscription
