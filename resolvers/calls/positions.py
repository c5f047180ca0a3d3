"""Positions in the stream of call changes, and the opaque cursors clients hold for them.

A position is a resume token of the change stream on ``call_events``: the database's own order of
writes, one order for every service process writing calls (a sequence kept on the documents
could be taken in one order and committed in another). A desktop that saw the change at a
position asks ``incomingCalls(since:)`` for what came after it (``replay.py``).

The cursor is the token sealed with the service's secret key (Fernet: encrypted and
authenticated), so a crafted cursor is refused before it reaches the database, and the token's
layout stays the database's business.
"""

from typing import Any

import bson
from bson import json_util
from cryptography.fernet import InvalidToken

from app.call_bus import CallBus
from app.crypto import SecretBox
from models.call_event import CallEvent
from models.errors import ValidationFailed
from models.secret import StoredSecret

Position = dict[str, Any]


def to_cursor(secrets: SecretBox, position: Position) -> str:
    return secrets.seal(json_util.dumps(position)).ciphertext


def from_cursor(secrets: SecretBox, cursor: str, path: str) -> Position:
    """The position ``cursor`` stands for; VALIDATION_FAILED at ``path`` for anything this
    service did not hand out."""
    try:
        position = json_util.loads(secrets.open(StoredSecret(ciphertext=cursor)))
    except (InvalidToken, ValueError, TypeError):
        position = None
    if not isinstance(position, dict) or not position:
        raise ValidationFailed.single(path, "Not a cursor of a call event.")
    return position


def key(position: Position) -> bytes:
    """``position`` as something to compare and keep in a set."""
    return bson.encode(position)


async def current(bus: CallBus) -> Position:
    """A position at or before the present: whatever is read after taking it is at least as new
    as it, and resuming from it replays every change made since (some perhaps already read)."""
    if bus.position is not None:
        return bus.position
    async with await CallEvent.get_pymongo_collection().watch() as stream:
        token = stream.resume_token
    assert token is not None, "a change stream opens with a position"
    return token
