"""GraphQL types of calls (R10) and dial requests (R3.3).

``CallEvent``, ``CallerMatch`` and ``DialRequest`` hold the company's Contact and Organization
types (custom fields included), so they are built per company by :func:`build_call_types`; the
members that do not depend on the company are the static :class:`CallEventBase`.

An event's own fields (project, CRM, agent, match, contact) read what they refer to once per event
version, however many subscribers select them, and resolve without awaiting once it has been read
(``loads.py``).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from models.call_event import CallDirection as CallDirectionModel
from models.call_event import CallStatus as CallStatusModel
from models.crm_push import CrmPush as CrmPushModel
from models.crm_push import CtiEvent as CtiEventModel
from models.crm_push import PushStatus as PushStatusModel
from resolvers.calls.loads import reference
from resolvers.calls.matching import MatchedRows
from resolvers.calls.positions import Position, to_cursor
from resolvers.context import Info
from resolvers.crms.types import sees_crm_settings
from resolvers.records.tenant_types import RecordTypes
from resolvers.users.types import User

if TYPE_CHECKING:
    from resolvers.crms.types import Crm
    from resolvers.projects.types import Project

LazyCrm = Annotated["Crm", strawberry.lazy("resolvers.crms.types")]
LazyProject = Annotated["Project", strawberry.lazy("resolvers.projects.types")]

Row = dict[str, Any]

CallDirection = strawberry.enum(CallDirectionModel, description="Who placed the call.")
CallStatus = strawberry.enum(
    CallStatusModel,
    description="REQUESTED (a dial request not yet placed), RINGING, ANSWERED, ENDED.",
)


CtiEvent = strawberry.enum(CtiEventModel, description="Zammad's CTI events.")
CrmPushStatus = strawberry.enum(
    PushStatusModel,
    description="PENDING (waiting, or to be sent again), SENDING, DONE, FAILED (refused for "
    "good, or out of attempts).",
)


# What a push's failure shows to anyone but an admin: the detail (an HTTP status, a network
# error's class) would tell which ports of the CRM's host answer.
PUSH_NOT_ACCEPTED = "The CRM did not accept the call event."


@strawberry.type(description="One event of a call pushed to the call's external CRM.")
class CrmPush:
    event: CtiEvent
    status: CrmPushStatus
    attempts: int = strawberry.field(description="Times it was sent.")
    sent_at: datetime | None
    detail: strawberry.Private[str | None]

    @strawberry.field(
        description="What the last attempt met, if it failed: the detail for admins, "
        f'"{PUSH_NOT_ACCEPTED}" for others.'
    )
    def error(self, info: Info) -> str | None:
        if self.detail is None or sees_crm_settings(info.context):
            return self.detail
        return PUSH_NOT_ACCEPTED

    @staticmethod
    def from_row(row: Row) -> "CrmPush":
        return CrmPush(
            event=CtiEventModel(row["event"]),
            status=PushStatusModel(row["status"]),
            attempts=row.get("attempts", 0),
            sent_at=row.get("sent_at"),
            detail=row.get("error"),
        )


@strawberry.input(description="A call the exchange has for a project.")
class ReportIncomingCallInput:
    call_id: str = strawberry.field(
        description="The exchange's id of the call: reporting it again changes nothing."
    )
    from_: str | None = strawberry.field(
        name="from",
        default=None,
        description="The caller's number in any format; empty or `anonymous`: withheld.",
    )
    to: str | None = strawberry.field(default=None, description="The number dialed.")
    project_id: strawberry.ID


def optional(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``convert`` of a record that may be missing (None stays None)."""
    return lambda found: None if found is None else convert(found)


@strawberry.type
class CallEventBase:
    id: strawberry.ID
    call_id: str = strawberry.field(description="The exchange's id of the call.")
    direction: CallDirection
    status: CallStatus
    from_: str | None = strawberry.field(name="from", description="The caller's number.")
    to: str | None = strawberry.field(description="The number called.")
    normalized_number: str | None = strawberry.field(
        description="The other party's number as matched: E.164, or the digits of a number "
        "that is none; null for a withheld caller."
    )
    started_at: datetime
    answered_at: datetime | None
    ended_at: datetime | None
    end_cause: str | None = strawberry.field(description="Why the call ended, as reported.")
    duration_seconds: int | None = strawberry.field(
        description="Talk time of an ended call, from the answer (0 when never answered)."
    )
    row: strawberry.Private[Row]
    shared: strawberry.Private[dict[str, Any]]
    position: strawberry.Private[Position]

    def _refers(self, name: str, then: Callable[[Any], Any]) -> Any:
        return reference(self.shared, self.row, name, then)

    @strawberry.field(
        description="Where to resume from: `incomingCalls(since:)` sends what changed after "
        "it. On an event of incomingCalls, the position of that change; on calls read or "
        "written by a query or mutation, a position taken before the read (resuming from it "
        "may send again changes the answer already shows)."
    )
    def cursor(self, info: Info) -> str:
        # Sealed once for all of this process's subscribers of the change.
        if "cursor" not in self.shared:
            self.shared["cursor"] = to_cursor(info.context.services.secrets, self.position)
        return self.shared["cursor"]

    @strawberry.field(description="The project the call came in for; none for a dial request.")
    def project(self) -> LazyProject | None:
        from resolvers.projects.types import Project

        return self._refers("project", optional(Project.from_model))

    @strawberry.field(description="The CRM the caller was matched in.")
    def crm(self) -> LazyCrm | None:
        from resolvers.crms.types import Crm

        return self._refers("crm", optional(Crm.from_model))

    @strawberry.field(description="The agent who answered.")
    def agent(self) -> User | None:
        return self._refers("agent", optional(User.from_model))

    @strawberry.field(
        description="The call's events pushed to its CRM (Zammad's CTI push), in "
        "their order; empty when the CRM asks for none."
    )
    async def crm_pushes(self) -> list[CrmPush]:
        query = {"tenant_id": self.row["tenant_id"], "call_id": self.row["call_id"]}
        rows = await CrmPushModel.get_pymongo_collection().find(query).to_list()
        return [CrmPush.from_row(row) for row in sorted(rows, key=lambda row: row["order"])]

    @staticmethod
    def values(row: Row, shared: dict[str, Any], position: Position) -> dict[str, Any]:
        return {
            "id": strawberry.ID(str(row["_id"])),
            "call_id": row["call_id"],
            "direction": CallDirectionModel(row["direction"]),
            "status": CallStatusModel(row["status"]),
            "from_": row.get("from_number"),
            "to": row.get("to_number"),
            "normalized_number": row.get("normalized_number"),
            "started_at": row["started_at"],
            "answered_at": row.get("answered_at"),
            "ended_at": row.get("ended_at"),
            "end_cause": row.get("end_cause"),
            "duration_seconds": row.get("duration_seconds"),
            "row": row,
            "shared": shared,
            "position": position,
        }


@dataclass(frozen=True)
class CallTypes:
    """A company's call types, and how to turn stored rows into them."""

    caller_match: type
    call_event: type
    dial_request: type
    match_from_rows: Callable[[MatchedRows], Any]
    event_from_row: Callable[..., Any]
    dial_request_from_row: Callable[..., Any]


def build_call_types(records: RecordTypes) -> CallTypes:
    Contact, Organization = records.contact, records.organization

    @strawberry.type(description="The records a caller's number matched.")
    class CallerMatch:
        normalized_number: str | None = strawberry.field(
            description="The number as matched; null for an empty or withheld caller."
        )
        contacts: list[Contact]
        organizations: list[Organization]
        auto_assigned: Contact | None = strawberry.field(
            description="With callerIdAuthentication on, the contact when exactly one "
            "matches; null otherwise."
        )

    def match_from_rows(rows: MatchedRows) -> CallerMatch:
        auto = rows.auto_assigned
        return CallerMatch(
            normalized_number=rows.normalized_number,
            contacts=[records.contact_from_row(row) for row in rows.contacts],
            organizations=[records.organization_from_row(row) for row in rows.organizations],
            auto_assigned=records.contact_from_row(auto) if auto is not None else None,
        )

    contact_of = optional(records.contact_from_row)

    @strawberry.type(name="CallEvent", description="A call and where it stands.")
    class CallEvent(CallEventBase):
        @strawberry.field(description="What the caller's number matched when the call came in.")
        def match(self) -> CallerMatch:
            return self._refers("match", match_from_rows)

        @strawberry.field(
            description="The contact assigned to the call: at once by caller-ID authentication "
            "(callerIdAuthentication), or by an agent (assignContactToCall)."
        )
        def contact(self) -> Contact | None:
            return self._refers("contact", contact_of)

    def event_from_row(
        row: Row, position: Position, shared: dict[str, Any] | None = None
    ) -> CallEvent:
        """``position``: at or before the change that made ``row`` (``positions.py``)."""
        return CallEvent(**CallEventBase.values(row, {} if shared is None else shared, position))

    @strawberry.type(description="A call to a contact an agent asked for.")
    class DialRequest:
        id: strawberry.ID = strawberry.field(
            description="Also the callId the exchange reports the call under."
        )
        phone: str = strawberry.field(description="The number to dial, E.164.")
        created_at: datetime
        row: strawberry.Private[Row]
        shared: strawberry.Private[dict[str, Any]]

        @strawberry.field(description="The contact to call; null once it is deleted.")
        def contact(self) -> Contact | None:
            return reference(self.shared, self.row, "contact", contact_of)

        @strawberry.field
        def requested_by(self) -> User | None:
            return reference(self.shared, self.row, "requested_by", optional(User.from_model))

    def dial_request_from_row(row: Row, shared: dict[str, Any] | None = None) -> DialRequest:
        return DialRequest(
            id=strawberry.ID(str(row["_id"])),
            phone=row["to_number"],
            created_at=row["started_at"],
            row=row,
            shared={} if shared is None else shared,
        )

    records.contact_calls.bind(Contact, CallEvent, event_from_row)
    return CallTypes(
        CallerMatch,
        CallEvent,
        DialRequest,
        match_from_rows,
        event_from_row,
        dial_request_from_row,
    )
