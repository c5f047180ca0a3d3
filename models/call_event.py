"""Call events (R10): one document per call, inbound (reported by the telephony side) or outbound
(a dial request, R3.3), moved through its statuses as the exchange reports them.

Every change of a call is written as a whole new version of its document (a replace guarded by
``revision``), never as a partial update: the change stream then carries each version's full
document, so a subscriber sees every status in order (RINGING, ANSWERED, ENDED), however quickly
they follow one another. The ``call_events`` collection is also the bus between service
processes (``app/call_bus.py``).

The rules here are pure: they take a stored row and return the next one, or refuse.
"""

from datetime import datetime
from enum import StrEnum
from typing import Any

from beanie import Document, PydanticObjectId
from pydantic import BaseModel, Field
from pymongo import ASCENDING, DESCENDING, IndexModel

from models.errors import ValidationFailed
from models.timestamps import utcnow

MAX_CALL_ID_LENGTH = 200
MAX_NUMBER_LENGTH = 100
MAX_CAUSE_LENGTH = 200

Row = dict[str, Any]


class CallDirection(StrEnum):
    INBOUND = "INBOUND"
    OUTBOUND = "OUTBOUND"


class CallStatus(StrEnum):
    REQUESTED = "REQUESTED"  # an outbound call asked for, not yet placed by the exchange
    RINGING = "RINGING"
    ANSWERED = "ANSWERED"
    ENDED = "ENDED"


class CallerMatchIds(BaseModel):
    """What the caller's number matched when the call came in."""

    contact_ids: list[PydanticObjectId] = Field(default_factory=list)
    organization_ids: list[PydanticObjectId] = Field(default_factory=list)
    # R1.4: the one contact matched while caller-ID authentication was on.
    auto_assigned_id: PydanticObjectId | None = None


class CallEvent(Document):
    tenant_id: PydanticObjectId
    # The exchange's id of the call; a dial request's is its own id.
    call_id: str
    direction: CallDirection
    status: CallStatus
    from_number: str | None = None
    to_number: str | None = None
    # The caller-ID key of the other party's number (models.phones.caller_key).
    normalized_number: str | None = None
    project_id: PydanticObjectId | None = None
    crm_id: PydanticObjectId | None = None
    match: CallerMatchIds = Field(default_factory=CallerMatchIds)
    contact_id: PydanticObjectId | None = None
    agent_id: PydanticObjectId | None = None
    requested_by_id: PydanticObjectId | None = None
    started_at: datetime = Field(default_factory=utcnow)
    answered_at: datetime | None = None
    ended_at: datetime | None = None
    end_cause: str | None = None
    duration_seconds: int | None = None
    revision: int = 0
    updated_at: datetime = Field(default_factory=utcnow)

    class Settings:
        name = "call_events"
        keep_nulls = False
        indexes = [
            # Reports are idempotent on the exchange's call id.
            IndexModel(
                [("tenant_id", ASCENDING), ("call_id", ASCENDING)], name="by_call_id", unique=True
            ),
            IndexModel(
                [
                    ("tenant_id", ASCENDING),
                    ("contact_id", ASCENDING),
                    ("started_at", DESCENDING),
                    ("_id", DESCENDING),
                ],
                name="calls_of_contact",
            ),
            # recentCalls: a desktop's latest calls.
            IndexModel(
                [
                    ("tenant_id", ASCENDING),
                    ("project_id", ASCENDING),
                    ("started_at", DESCENDING),
                    ("_id", DESCENDING),
                ],
                name="calls_of_project",
            ),
        ]


def new_call(
    tenant_id: PydanticObjectId,
    call_id: str,
    record_id: PydanticObjectId | None = None,
    **fields: Any,
) -> Row:
    """A call's first version. ``fields`` are those of :class:`CallEvent` that it has."""
    now = utcnow()
    row: Row = {
        "_id": record_id or PydanticObjectId(),
        "tenant_id": tenant_id,
        "call_id": call_id,
        "started_at": now,
        "updated_at": now,
        "revision": 0,
        **fields,
    }
    return {key: value for key, value in row.items() if value is not None}


def answered(row: Row, agent_id: PydanticObjectId | None) -> Row | None:
    """The call answered (by ``agent_id``, when the exchange knows the agent); None when it
    already was, by the same agent: reports are idempotent."""
    status = CallStatus(row["status"])
    if status is CallStatus.ENDED:
        raise ValidationFailed.single("callId", "The call has already ended.")
    if status is CallStatus.ANSWERED:
        if agent_id is None or row.get("agent_id") == agent_id:
            return None
        raise ValidationFailed.single("agentId", "Another agent has already answered the call.")
    changed = {**row, "status": CallStatus.ANSWERED.value, "answered_at": utcnow()}
    if agent_id is not None:
        changed["agent_id"] = agent_id
    return changed


def ended(row: Row, cause: str | None) -> Row | None:
    """The call ended, with its talk time (from the answer; zero for a call never answered);
    None when it already had."""
    if CallStatus(row["status"]) is CallStatus.ENDED:
        return None
    now = utcnow()
    answered_at = row.get("answered_at")
    duration = int((now - answered_at).total_seconds()) if answered_at is not None else 0
    changed = {**row, "status": CallStatus.ENDED.value, "ended_at": now}
    changed["duration_seconds"] = duration
    if cause is not None:
        changed["end_cause"] = cause
    return changed


def assigned(row: Row, contact_id: PydanticObjectId) -> Row | None:
    """The call with ``contact_id`` as its contact; None when it already was."""
    if row.get("contact_id") == contact_id:
        return None
    return {**row, "contact_id": contact_id}


def next_version(row: Row) -> Row:
    """``row`` as the version after the stored one."""
    return {**row, "revision": row.get("revision", 0) + 1, "updated_at": utcnow()}
