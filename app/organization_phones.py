"""The phone keys each company's organizations have, kept in memory, so that caller-ID matching
asks the database about organizations only when one of them may have the number.

Matching a caller reads the contacts and the organizations with the number. Most callers are
contacts, and the embedded engine runs one command at a time: the organizations' lookup cost as
much as the contacts' one, for an answer that is nearly always empty. With these keys a match
reads organizations only when the number is among them (R10.1; ``resolvers/calls/matching.py``).

The keys of a company are a *superset*: what a company's organizations have, deleted ones
included, plus numbers they no longer have. A number outside it is certainly no organization's;
one inside it is looked up as before, so a stale extra key costs a query, never a wrong answer.
It is loaded by one read of the company's organizations (in the background, the first time a
match asks) and kept growing, without reading again, from two sources:

- every write this process sends to ``organizations``, seen by a pymongo command listener before
  it is sent: a change made through this process is matched by the very next request;
- the process's change stream (``app/kept_reads.ChangeFeed``): a change made by another process
  is matched as soon as the stream delivers it, within milliseconds.

A write whose keys cannot be read off it (an update that sets ``phone_keys`` by operator,
which names no company) drops every company's keys, and so does a lost stream; they are loaded
again on the next match. Until a company's keys are loaded, its matches read organizations.
"""

import asyncio
import logging
import weakref
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from typing import Any

from bson import ObjectId
from pymongo import monitoring
from pymongo.errors import PyMongoError

from app.kept_reads import ChangeFeed
from models.contact import Organization

log = logging.getLogger(__name__)

COLLECTION = Organization.Settings.name
KEYS_FIELD = "phone_keys"
# Companies whose keys are kept (least recently matched first out), and the most keys kept for
# one company: a company with more is always asked (memory stays bounded, ~100 B per key).
MAX_COMPANIES = 1_000
MAX_KEYS = 200_000


class Unknown:
    """A write whose keys cannot be told: every company's keys are dropped."""


UNKNOWN = Unknown()
# What a write or a change adds: (company id, keys) pairs, or UNKNOWN.
Added = list[tuple[Any, list[str]]] | Unknown


def _keys_of(document: Mapping[str, Any]) -> tuple[Any, list[str]]:
    keys = document.get(KEYS_FIELD) or []
    return document.get("tenant_id"), [key for key in keys if isinstance(key, str)]


def _touches_keys(paths: Iterable[str]) -> bool:
    return any(path == KEYS_FIELD or path.startswith(KEYS_FIELD + ".") for path in paths)


def _update_adds(update: Any) -> Added:
    """What one update statement (``u`` of ``update``, ``update`` of ``findAndModify``) adds."""
    if isinstance(update, Mapping) and not any(name.startswith("$") for name in update):
        return [_keys_of(update)]  # a replacement: the whole new document
    if not isinstance(update, Mapping):
        return UNKNOWN  # an aggregation pipeline
    for operator, fields in update.items():
        if not isinstance(fields, Mapping):
            return UNKNOWN
        renamed = fields.values() if operator == "$rename" else ()
        if _touches_keys(fields) or _touches_keys(v for v in renamed if isinstance(v, str)):
            return UNKNOWN
    return []


def written_keys(command_name: str, command: Mapping[str, Any]) -> Added:
    """What a write command adds to the companies' keys: nothing unless it writes to
    ``organizations``."""
    if command_name == "bulkWrite":  # client-level: not read statement by statement
        namespaces = command.get("nsInfo") or []
        return UNKNOWN if any(_is_organizations(n.get("ns", "")) for n in namespaces) else []
    if command.get(command_name) != COLLECTION:
        return []
    if command_name == "insert":
        return [_keys_of(document) for document in command.get("documents") or []]
    if command_name == "update":
        added: list[tuple[Any, list[str]]] = []
        for statement in command.get("updates") or []:
            adds = _update_adds(statement.get("u"))
            if isinstance(adds, Unknown):
                return UNKNOWN
            added.extend(adds)
        return added
    if command_name == "findAndModify":
        return [] if command.get("remove") else _update_adds(command.get("update"))
    return []  # a delete, or no write at all


def _is_organizations(namespace: str) -> bool:
    return namespace.endswith("." + COLLECTION)


def changed_keys(change: Mapping[str, Any]) -> Added:
    """What one change-stream event on ``organizations`` adds to the companies' keys."""
    operation = change.get("operationType")
    if operation in ("insert", "replace"):
        return [_keys_of(change.get("fullDocument") or {})]
    if operation == "update":
        description = change.get("updateDescription") or {}
        return UNKNOWN if _touches_keys(description.get("updatedFields") or {}) else []
    if operation == "delete":
        return []
    return UNKNOWN  # drop, rename, dropDatabase, invalidate


class _LocalWrites(monitoring.CommandListener):
    """Hands every write this process sends to ``organizations`` to the live
    :class:`OrganizationPhones`, synchronously, before it is sent, and keeps what each adds until
    it is done: a load that begins meanwhile may read the collection before the write applies."""

    def __init__(self) -> None:
        self.observers: weakref.WeakSet[OrganizationPhones] = weakref.WeakSet()
        self.in_flight: dict[int, Added] = {}

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        added = written_keys(event.command_name, event.command)
        if added == []:
            return
        self.in_flight[event.request_id] = added
        for observer in list(self.observers):
            observer.add(added)

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        self.in_flight.pop(event.request_id, None)

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        self.in_flight.pop(event.request_id, None)


_LOCAL_WRITES = _LocalWrites()
# Taken by every client made from now on: this module is imported before the service connects.
monitoring.register(_LOCAL_WRITES)


class OrganizationPhones:
    def __init__(
        self, feed: ChangeFeed, max_companies: int = MAX_COMPANIES, max_keys: int = MAX_KEYS
    ) -> None:
        self._feed = feed
        self._max_companies = max_companies
        self._max_keys = max_keys
        # A company's keys, or None: too many to keep, so always asked.
        self._known: OrderedDict[ObjectId, set[str] | None] = OrderedDict()
        # The keys added to a company while its keys are being loaded.
        self._loading: dict[ObjectId, set[str]] = {}
        self._loads: set[asyncio.Task[None]] = set()
        # Bumped whenever everything is dropped: a load begun before is not kept.
        self._generation = 0
        self._epoch = feed.epoch
        feed.observe(COLLECTION, self._changed)
        _LOCAL_WRITES.observers.add(self)

    def may_have(self, company_id: ObjectId, key: str) -> bool | None:
        """Whether an organization of the company may have the key: False only when none has
        it; None when that is not known (the company's keys are then loaded in the background,
        once the change stream is open)."""
        self._feed.start()
        if self._feed.epoch != self._epoch:
            self._forget_all()
            self._epoch = self._feed.epoch
        if not self._feed.watching:
            return None
        if company_id not in self._known:
            self._load_in_background(company_id)
            return None
        self._known.move_to_end(company_id)
        keys = self._known[company_id]
        return None if keys is None else key in keys

    def add(self, added: Added) -> None:
        if isinstance(added, Unknown):
            self._forget_all()
            return
        for company_id, keys in added:
            if (loading := self._loading.get(company_id)) is not None:
                loading.update(keys)
            if (known := self._known.get(company_id)) is not None:
                known.update(keys)
                if len(known) > self._max_keys:
                    self._known[company_id] = None

    def _changed(self, change: Mapping[str, Any]) -> None:
        self.add(changed_keys(change))

    def _forget_all(self) -> None:
        self._generation += 1
        self._known.clear()
        self._loading.clear()

    def _load_in_background(self, company_id: ObjectId) -> None:
        if company_id in self._loading:
            return
        written: set[str] = set()
        for added in _LOCAL_WRITES.in_flight.values():
            if isinstance(added, Unknown):
                return  # loaded once that write is done
            written.update(key for company, keys in added if company == company_id for key in keys)
        self._loading[company_id] = written
        task = asyncio.get_running_loop().create_task(self._load(company_id, self._generation))
        self._loads.add(task)
        task.add_done_callback(self._loads.discard)

    async def _load(self, company_id: ObjectId, generation: int) -> None:
        keys: set[str] = set()
        try:
            async for row in Organization.get_pymongo_collection().find(
                {"tenant_id": company_id}, {KEYS_FIELD: 1, "_id": 0}
            ):
                keys.update(_keys_of(row)[1])
                if len(keys) > self._max_keys:
                    break
        except PyMongoError:
            log.warning("organization phones: could not load company %s", company_id)
            if generation == self._generation:
                del self._loading[company_id]  # loaded again on the next match
            return
        if generation != self._generation or self._feed.epoch != self._epoch:
            return  # everything was dropped meanwhile, this company's entry in _loading too
        keys.update(self._loading.pop(company_id))
        self._known[company_id] = keys if len(keys) <= self._max_keys else None
        while len(self._known) > self._max_companies:
            self._known.popitem(last=False)
