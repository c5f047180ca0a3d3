"""Call events pushed to an external CRM (R10.3): Zammad's generic CTI push.

A ZAMMAD CRM with ``ctiPushEnabled`` and a ``ctiEndpointUrl`` (``https://{fqdn}/api/v1/cti/{token}``:
the path's token is Zammad's only authentication) is told of each inbound call of its projects:
``newCall`` when it rings, ``answer`` when an agent takes it, ``hangup`` when it ends.

Each push waits in ``crm_pushes`` (an outbox) until it is delivered: the request that changed the
call only writes it there, and a worker in every service process sends it
(``app/crm_pushes.py``). The rules here are pure: which events a version of a call calls for, and
the body Zammad expects for each.
"""

from datetime import datetime
from enum import StrEnum
from typing import Any

from beanie import Document, PydanticObjectId
from pydantic import Field
from pymongo import ASCENDING, IndexModel

from models.call_event import CallDirection, CallStatus
from models.crm import Crm, ZammadBackend
from models.phones import caller_key
from models.timestamps import utcnow

Row = dict[str, Any]

# Zammad's hangup causes; any other cause the exchange reports is told as one of the two below.
ZAMMAD_CAUSES = (
    "normalClearing",
    "busy",
    "cancel",
    "noAnswer",
    "congestion",
    "notFound",
    "forwarded",
)
ANONYMOUS = "anonymous"


class CtiEvent(StrEnum):
    """In the order a call goes through them, which is the order they are sent."""

    NEW_CALL = "newCall"
    ANSWER = "answer"
    HANGUP = "hangup"

    @property
    def order(self) -> int:
        return list(CtiEvent).index(self)


class PushStatus(StrEnum):
    PENDING = "PENDING"  # waiting to be sent, or to be sent again (``due_at``)
    SENDING = "SENDING"  # taken by a worker until ``lease_until``
    DONE = "DONE"
    FAILED = "FAILED"  # refused for good, or out of attempts: ``error`` says why


class CrmPush(Document):
    tenant_id: PydanticObjectId
    crm_id: PydanticObjectId
    call_id: str
    event: CtiEvent
    order: int
    body: dict[str, Any]
    status: PushStatus = PushStatus.PENDING
    attempts: int = 0
    due_at: datetime = Field(default_factory=utcnow)
    lease_until: datetime | None = None
    error: str | None = None
    created_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = None

    class Settings:
        name = "crm_pushes"
        keep_nulls = False
        indexes = [
            # One push per event of a call: a repeated report pushes nothing new.
            IndexModel(
                [("tenant_id", ASCENDING), ("call_id", ASCENDING), ("event", ASCENDING)],
                name="by_call_event",
                unique=True,
            ),
            IndexModel([("status", ASCENDING), ("due_at", ASCENDING)], name="due"),
        ]


def cti_backend(crm: Crm | None) -> ZammadBackend | None:
    """The CRM's Zammad settings when it wants call events pushed, else None."""
    backend = crm.backend if crm is not None else None
    if isinstance(backend, ZammadBackend) and backend.cti_push_enabled:
        return backend if backend.cti_endpoint_url else None
    return None


def due_events(call: Row) -> list[CtiEvent]:
    """The events a version of an inbound call has gone through (outbound ones push nothing)."""
    if call.get("direction") != CallDirection.INBOUND.value:
        return []
    status = CallStatus(call["status"])
    events = [CtiEvent.NEW_CALL]
    if call.get("answered_at") is not None:
        events.append(CtiEvent.ANSWER)
    if status is CallStatus.ENDED:
        events.append(CtiEvent.HANGUP)
    return events


def zammad_number(raw: str | None, default_region: str) -> str:
    """A number as Zammad's caller ids hold it: international digits without ``+``
    (``48500000001``); ``anonymous`` for a withheld one."""
    key = caller_key(raw, default_region)
    return key.removeprefix("+") if key else ANONYMOUS


def _cause(call: Row) -> str:
    reported = (call.get("end_cause") or "").replace("_", "").casefold()
    for cause in ZAMMAD_CAUSES:
        if cause.casefold() == reported:
            return cause
    return "normalClearing" if call.get("answered_at") is not None else "noAnswer"


def cti_body(event: CtiEvent, call: Row, default_region: str, agent: str | None) -> Row:
    """What Zammad's ``POST /api/v1/cti/{token}`` takes for ``event`` of ``call``; ``agent``:
    the display name of the agent who answered, if known."""
    body: Row = {
        "event": event.value,
        "from": zammad_number(call.get("from_number"), default_region),
        "to": zammad_number(call.get("to_number"), default_region),
        "direction": "in",
        "callId": call["call_id"],
    }
    if agent is not None and event is not CtiEvent.NEW_CALL:
        body["user"] = [agent]
    if event is CtiEvent.HANGUP:
        body["cause"] = _cause(call)
    return body
