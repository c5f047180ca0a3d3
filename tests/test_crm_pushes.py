"""R10.3: the calls of a Zammad CRM's projects are pushed to Zammad's CTI endpoint (newCall,
answer, hangup), in order, again after a failure Zammad may recover from, never after one it
cannot; a CRM that does not ask gets nothing. The endpoint is a loopback server speaking
Zammad's protocol (tests/zammad_cti.py)."""

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
import pytest_asyncio

from models.call_event import CallDirection, CallStatus
from models.crm_push import CtiEvent, cti_body, due_events, zammad_number
from resolvers.calls.types import PUSH_NOT_ACCEPTED
from tests.calls import CallDesk, call_desk
from tests.zammad_cti import CtiEndpoint, cti_endpoint

TOKEN = "cti-token-0123456789"
# Bounded polling, 50 ms apart: a push is sent within milliseconds, a retried one after 1 s.
POLLS = 200


# --- the rules ------------------------------------------------------------------------------------


def call(**fields: Any) -> dict[str, Any]:
    return {
        "call_id": "c-1",
        "direction": CallDirection.INBOUND.value,
        "status": CallStatus.RINGING.value,
        "from_number": "500 000 001",
        "to_number": "+48 22 100 00 00",
        **fields,
    }


def test_a_call_pushes_the_events_it_went_through():
    assert due_events(call()) == [CtiEvent.NEW_CALL]
    answered = call(status=CallStatus.ANSWERED.value, answered_at=1)
    assert due_events(answered) == [CtiEvent.NEW_CALL, CtiEvent.ANSWER]
    missed = call(status=CallStatus.ENDED.value)
    assert due_events(missed) == [CtiEvent.NEW_CALL, CtiEvent.HANGUP]
    outbound = call(direction=CallDirection.OUTBOUND.value, status=CallStatus.REQUESTED.value)
    assert due_events(outbound) == []


def test_numbers_are_international_digits_and_a_withheld_one_is_anonymous():
    assert zammad_number("500-000-001", "PL") == "48500000001"
    assert zammad_number("+49 30 1234567", "PL") == "49301234567"
    assert zammad_number("anonymous", "PL") == "anonymous"
    assert zammad_number(None, "PL") == "anonymous"


@pytest.mark.parametrize(
    ("cause", "answered_at", "expected"),
    [
        ("NORMAL_CLEARING", 1, "normalClearing"),
        ("busy", None, "busy"),
        ("no_answer", None, "noAnswer"),
        ("something else", 1, "normalClearing"),
        (None, None, "noAnswer"),
    ],
)
def test_a_hangup_tells_one_of_zammads_causes(cause, answered_at, expected):
    ended = call(status=CallStatus.ENDED.value, end_cause=cause, answered_at=answered_at)
    assert cti_body(CtiEvent.HANGUP, ended, "PL", "Ala")["cause"] == expected


# --- through the API ------------------------------------------------------------------------------


@pytest.fixture
def zammad() -> Iterator[CtiEndpoint]:
    with cti_endpoint(TOKEN) as endpoint:
        yield endpoint


@pytest_asyncio.fixture
async def desk(tenant, services) -> CallDesk:
    return await call_desk(tenant, services)


async def push_to(desk: CallDesk, url: str | None, enabled: bool = True) -> None:
    settings = {"ctiPushEnabled": enabled, "ctiEndpointUrl": url}
    updated = await desk.admin.op(
        "UpdateCrm", id=desk.crm_id, input={"backend": {"zammad": settings}}
    )
    assert not updated.errors, updated.errors


async def requests_until(zammad: CtiEndpoint, count: int) -> list[tuple[dict[str, Any], int]]:
    for _ in range(POLLS):
        if len(zammad.requests) >= count:
            break
        await asyncio.sleep(0.05)
    return list(zammad.requests)


async def pushes_when_settled(desk: CallDesk, call_id: str) -> list[dict[str, Any]]:
    """The call's crmPushes, as an agent of its project reads them, once none is waiting."""
    for _ in range(POLLS):
        result = await desk.agent.client.op("Call", callId=call_id)
        assert not result.errors, result.errors
        pushes = result.data["call"]["crmPushes"]
        if all(push["status"] in ("DONE", "FAILED") for push in pushes):
            break
        await asyncio.sleep(0.05)
    return [{**push, "sentAt": push["sentAt"] is not None} for push in pushes]


async def agent_name(desk: CallDesk) -> str:
    return (await desk.agent.client.op("Me")).data["me"]["displayName"]


async def test_a_call_is_pushed_to_zammad_event_by_event(desk, zammad):
    await push_to(desk, zammad.url())
    telephony = desk.telephony
    assert not (await desk.report("c-1", "500 000 001", to="22 100 00 00")).errors
    answered = await telephony.op("ReportCallAnswered", callId="c-1", agentId=desk.agent.id)
    assert not answered.errors
    ended = await telephony.op("ReportCallEnded", callId="c-1", cause="NORMAL_CLEARING")
    assert not ended.errors

    requests = await requests_until(zammad, 3)
    line = {"from": "48500000001", "to": "48221000000", "direction": "in", "callId": "c-1"}
    agent = [await agent_name(desk)]
    assert requests == [
        ({"event": "newCall", **line}, 200),
        ({"event": "answer", **line, "user": agent}, 200),
        ({"event": "hangup", **line, "user": agent, "cause": "normalClearing"}, 200),
    ]
    done = {"status": "DONE", "attempts": 1, "error": None, "sentAt": True}
    assert await pushes_when_settled(desk, "c-1") == [
        {"event": event, **done} for event in ("NEW_CALL", "ANSWER", "HANGUP")
    ]


async def test_a_report_made_twice_is_pushed_once(desk, zammad):
    await push_to(desk, zammad.url())
    for _ in range(2):
        assert not (await desk.report("c-2", "anonymous")).errors
        ended = await desk.telephony.op("ReportCallEnded", callId="c-2", cause="busy")
        assert not ended.errors
    requests = await requests_until(zammad, 2)
    await asyncio.sleep(0.3)  # time for a wrong third push to arrive
    assert [body["event"] for body, _ in zammad.requests] == ["newCall", "hangup"]
    assert requests[1][0]["from"] == "anonymous"
    assert requests[1][0]["cause"] == "busy"


async def test_a_failure_zammad_may_recover_from_is_retried_and_order_is_kept(desk, zammad):
    await push_to(desk, zammad.url())
    zammad.fail_next = [503]
    assert not (await desk.report("c-3", "500 000 001")).errors
    ended = await desk.telephony.op("ReportCallEnded", callId="c-3")
    assert not ended.errors

    requests = await requests_until(zammad, 3)
    assert [(body["event"], status) for body, status in requests] == [
        ("newCall", 503),
        ("newCall", 200),
        ("hangup", 200),
    ]
    pushes = await pushes_when_settled(desk, "c-3")
    assert [(p["event"], p["status"], p["attempts"]) for p in pushes] == [
        ("NEW_CALL", "DONE", 2),
        ("HANGUP", "DONE", 1),
    ]


async def test_a_refused_push_is_not_sent_again(desk, zammad):
    await push_to(desk, zammad.url("wrong-token"))
    assert not (await desk.report("c-4", "500 000 001")).errors
    requests = await requests_until(zammad, 1)
    await asyncio.sleep(1.5)  # past the first retry's delay
    assert requests == [(zammad.requests[0][0], 401)]
    assert len(zammad.requests) == 1
    # The detail is for admins: it would tell others which ports of the host answer.
    failed = {"status": "FAILED", "attempts": 1, "error": PUSH_NOT_ACCEPTED, "sentAt": False}
    assert await pushes_when_settled(desk, "c-4") == [{"event": "NEW_CALL", **failed}]
    as_admin = (await desk.admin.op("Call", callId="c-4")).data["call"]["crmPushes"]
    assert [push["error"] for push in as_admin] == ["HTTP 401"]


async def test_a_crm_that_does_not_ask_gets_nothing(desk, zammad):
    await push_to(desk, zammad.url(), enabled=False)
    assert not (await desk.report("c-off", "500 000 001")).errors
    await push_to(desk, zammad.url())
    assert not (await desk.report("c-on", "500 000 001")).errors

    requests = await requests_until(zammad, 1)
    await asyncio.sleep(0.3)
    assert [body["callId"] for body, _ in requests] == ["c-on"]
    assert len(zammad.requests) == 1
    assert await pushes_when_settled(desk, "c-off") == []


async def test_a_call_is_read_only_by_those_who_work_with_it(desk, tenant):
    assert not (await desk.report("c-5", "500 000 001")).errors
    assert (await desk.agent.client.op("Call", callId="c-5")).data["call"]["callId"] == "c-5"
    outsider = await tenant.add_user(["AGENT"])
    assert (await outsider.client.op("Call", callId="c-5")).error_code == "NOT_FOUND"
    assert (await desk.agent.client.op("Call", callId="no-such")).error_code == "NOT_FOUND"
