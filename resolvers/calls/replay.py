"""What a desktop missed: the call changes after a position, read back from the change stream.

The stream gives every version of every call (a call is written as whole new versions,
``models/call_event.py``), in the order the database wrote them, whichever process wrote them.
The replay is bounded: a change older than :data:`MAX_AGE` or more than :data:`MAX_CHANGES`
changes to send answer GONE (the desktop loads ``recentCalls`` and subscribes from there), as
does a position the database no longer holds.

It is read in two steps. :meth:`Replay.since` reads up to the present before the subscription
starts, so that a refusal is the subscription's answer. :meth:`Replay.rest` reads on from where
that stopped once the live subscription is registered: its reads end with an empty batch asked
for after the registration, so nothing falls between the replay and the live changes; the
changes both deliver are sent once (``subscriptions.py``).
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo.errors import OperationFailure

from app.call_bus import CallChange
from models.call_event import CallEvent
from models.errors import Gone, ValidationFailed
from models.timestamps import utcnow
from resolvers.calls.positions import Position

MAX_AGE = timedelta(minutes=15)
MAX_CHANGES = 500
# The server's codes for a token it cannot read or resume from.
_NOT_A_POSITION = frozenset({9, 260, 280})  # FailedToParse, InvalidResumeToken, ChangeStreamFatal
_HISTORY_LOST = 286
# How long an empty read waits for a change: the replay ends at the present, it does not wait.
_AWAIT_MS = 1
_OPERATIONS = ["insert", "replace", "update"]

RELOAD = "load recentCalls and subscribe with the cursor of its events"


def _written_at(change: dict[str, Any]) -> datetime:
    wall = change.get("wallTime") or change["clusterTime"].as_datetime()
    return wall if wall.tzinfo is not None else wall.replace(tzinfo=UTC)


@dataclass
class Replay:
    """The changes of the calls that ``match`` takes (conditions on the call's document), after
    a position, as read so far."""

    path: str
    match: dict[str, Any]
    position: Position
    changes: list[CallChange] = field(default_factory=list)

    @classmethod
    async def since(cls, position: Position, match: dict[str, Any], path: str) -> "Replay":
        replay = cls(path, match, position)
        await replay._read()
        return replay

    async def rest(self) -> list[CallChange]:
        """Every change read, the first step's and those made since."""
        await self._read()
        return self.changes

    async def _read(self) -> None:
        conditions = {f"fullDocument.{name}": value for name, value in self.match.items()}
        pipeline = [{"$match": {"operationType": {"$in": _OPERATIONS}, **conditions}}]
        oldest = utcnow() - MAX_AGE
        try:
            async with await CallEvent.get_pymongo_collection().watch(
                pipeline,
                full_document="updateLookup",
                resume_after=self.position,
                max_await_time_ms=_AWAIT_MS,
            ) as stream:
                while (change := await stream.try_next()) is not None:
                    self._take(change, oldest)
                assert stream.resume_token is not None
                self.position = stream.resume_token
        except OperationFailure as error:
            if error.code == _HISTORY_LOST:
                raise Gone(f"The calls after this position are no longer kept: {RELOAD}.") from None
            if error.code in _NOT_A_POSITION:
                raise ValidationFailed.single(self.path, "Not a position to resume from.") from None
            raise

    def _take(self, change: dict[str, Any], oldest: datetime) -> None:
        if _written_at(change) < oldest:
            minutes = int(MAX_AGE.total_seconds() // 60)
            raise Gone(f"More than {minutes} minutes of calls were missed: {RELOAD}.")
        if len(self.changes) >= MAX_CHANGES:
            raise Gone(f"More than {MAX_CHANGES} call changes were missed: {RELOAD}.")
        document = change.get("fullDocument")
        if document is not None:
            self.changes.append(CallChange(change["operationType"], document, change["_id"]))
