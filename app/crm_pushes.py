"""Sends the call events waiting in ``crm_pushes`` to the external CRMs that asked for them
(R10.3; the rules are in ``models/crm_push.py``).

Every service process runs one :class:`CrmPusher`. A push is taken with a lease (PENDING ->
SENDING until ``lease_until``), so each is sent by one process at a time, and one whose process
stopped mid-way is taken again once its lease has passed. The events of one call are sent in
their order: a push waits while an earlier event of its call is still undelivered, and is due
again as soon as that one is done (or, should its process stop, once the lease has passed).

What the CRM answers decides the rest:

- 2xx: DONE;
- a network error, a timeout, 408, 425, 429 or 5xx: sent again after 1, 2, 4, ... seconds (at
  most :data:`MAX_BACKOFF_SECONDS`), at most :data:`MAX_ATTEMPTS` times, then FAILED;
- any other status (Zammad: 401 for a wrong token, 422 when its CTI integration is off): FAILED
  at once, since sending again would change nothing.

- a request the outbound rules refuse (``app/outbound.py``: the endpoint's host resolves to a
  private address, say): FAILED at once.

The endpoint is read from the CRM and decrypted when the push is sent, never copied: its path
holds Zammad's token. Neither this module's log lines nor a push's ``error`` name the URL.
"""

import asyncio
import contextlib
import logging
import time
from datetime import datetime, timedelta
from typing import Any

import httpx
from pymongo import ReturnDocument, UpdateOne
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import PyMongoError

from app.crypto import SecretBox
from app.outbound import OutboundPolicy, OutboundRefused, outbound_client
from models.company import Company
from models.crm import BackendKind, Crm
from models.crm_push import CrmPush, CtiEvent, PushStatus, cti_backend, cti_body, due_events
from models.timestamps import utcnow
from models.user import User

log = logging.getLogger(__name__)

Row = dict[str, Any]

MAX_ATTEMPTS = 8
MAX_BACKOFF_SECONDS = 300
# How long a taken push is the taker's; a push still SENDING after that is taken again.
LEASE = timedelta(seconds=60)
# How often the worker looks for pushes that other processes queued, or that are due again.
POLL_SECONDS = 1.0
# How long delivered and failed pushes are kept (to look into), and how often the old are deleted.
RETENTION = timedelta(days=30)
CLEANUP_INTERVAL_SECONDS = 3600
# Pushes sent at once, so that one slow CRM does not hold back the others.
MAX_IN_FLIGHT = 8
TIMEOUT_SECONDS = 10.0
_RETRIED_STATUSES = frozenset({408, 425, 429})


# The worker's queries. Each holds exactly the fields of an index (``due``, ``by_call_event``),
# or names it (``expired_filter``): on the embedded engine any other condition makes a query
# read the whole collection.
DUE_ORDER = [("status", 1), ("due_at", 1), ("order", 1)]


def due_filter(now: datetime) -> Row:
    return {"status": PushStatus.PENDING.value, "due_at": {"$lte": now}}


def expired_filter(now: datetime) -> Row:
    """Pushes taken by a process that stopped before it was done (their lease has passed)."""
    return {"status": PushStatus.SENDING.value, "lease_until": {"$lt": now}}


def call_filter(push: Row) -> Row:
    return {"tenant_id": push["tenant_id"], "call_id": push["call_id"]}


def _retried(status_code: int) -> bool:
    return status_code in _RETRIED_STATUSES or status_code >= 500


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(2 ** (attempts - 1), MAX_BACKOFF_SECONDS))


async def seal_plain_endpoints(secrets: SecretBox) -> None:
    """Encrypts the CTI endpoints stored in clear before they were secrets (once, at start)."""
    crms = Crm.get_pymongo_collection()
    plain = {
        "backend.kind": BackendKind.ZAMMAD.value,
        "backend.cti_endpoint_url": {"$type": "string"},
    }
    async for row in crms.find(plain, {"backend.cti_endpoint_url": 1}):
        url = row["backend"]["cti_endpoint_url"]
        await crms.update_one(
            {"_id": row["_id"], "backend.cti_endpoint_url": url},
            {"$set": {"backend.cti_endpoint_url": secrets.seal(url, url=True).model_dump()}},
        )


async def push_writes(call: Row, crm: Crm | None, company: Company) -> list[UpdateOne]:
    """The writes that queue the events ``call`` (a new version of it) calls for, when its CRM
    wants them: upserts, so that the events queued already stay as they are. They go in the
    transaction that stores the version (:func:`queue`): a call is never stored without them."""
    if crm is None or cti_backend(crm) is None:
        return []
    events = due_events(call)
    if not events:
        return []
    agent = None
    if call.get("agent_id") is not None:
        user = await User.find_one({"_id": call["agent_id"], "tenant_id": call["tenant_id"]})
        agent = user.display_name if user is not None else None
    region = company.settings.default_phone_region
    writes = []
    for event in events:
        key = {"tenant_id": call["tenant_id"], "call_id": call["call_id"], "event": event.value}
        push = CrmPush(
            tenant_id=call["tenant_id"],
            crm_id=crm.id,
            call_id=call["call_id"],
            event=event,
            order=event.order,
            body=cti_body(event, call, region, agent),
        ).model_dump(mode="python", by_alias=True, exclude={"id", *key}, exclude_none=True)
        writes.append(UpdateOne(key, {"$setOnInsert": push}, upsert=True))
    return writes


async def queue(writes: list[UpdateOne], session: AsyncClientSession) -> None:
    """Writes :func:`push_writes` in ``session``'s transaction."""
    if writes:
        await CrmPush.get_pymongo_collection().bulk_write(writes, ordered=False, session=session)


class CrmPusher:
    def __init__(self, secrets: SecretBox, outbound: OutboundPolicy) -> None:
        self._secrets = secrets
        self._outbound = outbound
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._in_flight: set[asyncio.Task[None]] = set()
        self._http: httpx.AsyncClient | None = None

    def wake(self) -> None:
        """Pushes were queued: look now instead of at the next poll."""
        self._wake.set()

    async def start(self) -> None:
        await seal_plain_endpoints(self._secrets)
        self._http = outbound_client(self._outbound, TIMEOUT_SECONDS)
        self._task = asyncio.create_task(self._run(), name="crm-pushes")

    async def stop(self) -> None:
        """Stops taking pushes and drops those being sent: their leases run out, and another
        process (or this one, started again) sends them."""
        tasks = [*self._in_flight, *([self._task] if self._task is not None else [])]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._http is not None:
            await self._http.aclose()

    async def _run(self) -> None:
        slots = asyncio.Semaphore(MAX_IN_FLIGHT)
        cleaned_at = -CLEANUP_INTERVAL_SECONDS
        while True:
            self._wake.clear()
            try:
                if time.monotonic() - cleaned_at >= CLEANUP_INTERVAL_SECONDS:
                    await self._forget_old()
                    cleaned_at = time.monotonic()
                await self._release_expired()
                while True:
                    await slots.acquire()
                    push = await self._take()
                    if push is None:
                        slots.release()
                        break
                    task = asyncio.create_task(self._deliver(push))
                    self._in_flight.add(task)
                    task.add_done_callback(self._in_flight.discard)
                    task.add_done_callback(lambda _: slots.release())
            except PyMongoError as error:  # the database is away: app/db.py says so, once
                log.debug("CRM pushes: taking pushes failed (%s); trying again", error)
            except Exception:  # the worker outlives any one failure
                log.exception("CRM pushes: taking pushes failed; trying again")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), POLL_SECONDS)

    def _collection(self) -> Any:
        return CrmPush.get_pymongo_collection()

    async def _forget_old(self) -> None:
        """Deletes the pushes delivered or given up more than :data:`RETENTION` ago."""
        cutoff = utcnow() - RETENTION
        for status in (PushStatus.DONE, PushStatus.FAILED):  # one status each: the "due" index
            await self._collection().delete_many(
                {"status": status.value, "due_at": {"$lt": cutoff}}
            )

    async def _release_expired(self) -> None:
        await self._collection().update_many(
            expired_filter(utcnow()), {"$set": {"status": PushStatus.PENDING.value}}
        )

    async def _take(self) -> Row | None:
        now = utcnow()
        return await self._collection().find_one_and_update(
            due_filter(now),
            {
                "$set": {"status": PushStatus.SENDING.value, "lease_until": now + LEASE},
                "$inc": {"attempts": 1},
            },
            sort=DUE_ORDER,
            return_document=ReturnDocument.AFTER,
        )

    async def _deliver(self, push: Row) -> None:
        try:
            await self._send(push)
        except PyMongoError:  # the push stays taken; its lease passing makes it due again
            log.warning("CRM pushes: could not record a push's outcome", exc_info=True)
        except Exception:
            log.exception("CRM pushes: push %s failed unexpectedly", push.get("_id"))
            await self._update(push, PushStatus.FAILED, error="Internal error; see the log.")

    async def _of_call(self, push: Row) -> list[Row]:
        """The pushes of ``push``'s call (three at most)."""
        return await self._collection().find(call_filter(push), {"order": 1, "status": 1}).to_list()

    async def _waits_for_earlier(self, push: Row) -> bool:
        undelivered = (PushStatus.PENDING.value, PushStatus.SENDING.value)
        return any(
            p["order"] < push["order"] and p["status"] in undelivered
            for p in await self._of_call(push)
        )

    async def _send(self, push: Row) -> None:
        if await self._waits_for_earlier(push):
            # Not its turn: due again when the earlier one is done (:meth:`_update`). Looked at
            # again after the write: the earlier one may have been done in between, and then
            # its update found this push still taken and left it.
            await self._update(
                push, PushStatus.PENDING, attempts=push["attempts"] - 1, due_at=utcnow() + LEASE
            )
            if not await self._waits_for_earlier(push):
                await self._collection().update_one(
                    {"_id": push["_id"], "status": PushStatus.PENDING.value},
                    {"$set": {"due_at": utcnow()}},
                )
                self._wake.set()
            return
        crm = await Crm.find_one({"_id": push["crm_id"], "tenant_id": push["tenant_id"]})
        backend = cti_backend(crm)
        if backend is None or backend.cti_endpoint_url is None:
            await self._update(push, PushStatus.FAILED, error="CTI push is off for the CRM.")
            return
        assert self._http is not None
        url = self._secrets.open(backend.cti_endpoint_url)
        try:
            response = await self._http.post(url, json=push["body"])
        except OutboundRefused as error:
            await self._failed(push, f"Refused by the outbound rules: {error}", retry=False)
            return
        except httpx.HTTPError as error:
            await self._failed(push, type(error).__name__, retry=True)
            return
        if response.is_success:
            log.debug(
                "CTI push %s of call %s delivered (CRM %s, HTTP %s)",
                CtiEvent(push["event"]),
                push["call_id"],
                push["crm_id"],
                response.status_code,
            )
            await self._update(push, PushStatus.DONE, sent_at=utcnow())
        else:
            code = response.status_code
            await self._failed(push, f"HTTP {code}", retry=_retried(code))

    async def _failed(self, push: Row, error: str, *, retry: bool) -> None:
        event = CtiEvent(push["event"])
        if retry and push["attempts"] < MAX_ATTEMPTS:
            delay = _backoff(push["attempts"])
            log.info(
                "CTI push %s of call %s: %s; again in %s", event, push["call_id"], error, delay
            )
            await self._update(push, PushStatus.PENDING, error=error, due_at=utcnow() + delay)
            return
        log.warning("CTI push %s of call %s failed for good: %s", event, push["call_id"], error)
        await self._update(push, PushStatus.FAILED, error=error)

    async def _update(self, push: Row, status: PushStatus, **fields: Any) -> None:
        collection = self._collection()
        unset = {"lease_until": ""}
        if status is PushStatus.DONE:
            unset["error"] = ""  # what an earlier attempt met no longer matters
        await collection.update_one(
            {"_id": push["_id"], "status": PushStatus.SENDING.value},
            {"$set": {"status": status.value, **fields}, "$unset": unset},
        )
        if status in (PushStatus.DONE, PushStatus.FAILED):  # the call's next event may go now
            later = [
                p["_id"]
                for p in await self._of_call(push)
                if p["order"] > push["order"] and p["status"] == PushStatus.PENDING.value
            ]
            if later:
                await collection.update_many(
                    {"_id": {"$in": later}, "status": PushStatus.PENDING.value},
                    {"$set": {"due_at": utcnow()}},
                )
        self._wake.set()
