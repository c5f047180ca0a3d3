"""Issue 11, item 11: a whole run of CTI pushes (sent, retried, delivered) leaves Zammad's token
in no log line, at DEBUG for every logger: neither this process's nor a service's in a child
process (whose output is read back)."""

import asyncio
import logging
from typing import Any

from tests.calls import CallDesk, call_desk
from tests.client import GraphQLClient
from tests.isolated_service import isolated_desk
from tests.zammad_cti import cti_endpoint

TOKEN = "cti-token-never-logged-0123456789"
POLLS = 200


async def push_run(desk: CallDesk, admin: GraphQLClient, url: str) -> list[dict[str, Any]]:
    """Sets the CRM's endpoint, reports a call from ringing to its end (the first push fails
    once, so a retry is logged too) and returns its pushes once delivered."""
    settings = {"ctiPushEnabled": True, "ctiEndpointUrl": url}
    updated = await admin.op("UpdateCrm", id=desk.crm_id, input={"backend": {"zammad": settings}})
    assert not updated.errors, updated.errors
    assert not (await desk.report("c-log", "500 000 001")).errors
    answered = await desk.telephony.op("ReportCallAnswered", callId="c-log", agentId=desk.agent.id)
    assert not answered.errors
    assert not (await desk.telephony.op("ReportCallEnded", callId="c-log")).errors
    for _ in range(POLLS):
        pushes = (await admin.op("Call", callId="c-log")).data["call"]["crmPushes"]
        if len(pushes) == 3 and all(push["status"] == "DONE" for push in pushes):
            break
        await asyncio.sleep(0.05)
    return pushes


def delivered(pushes: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(push["event"], push["status"]) for push in pushes]


DONE = [("NEW_CALL", "DONE"), ("ANSWER", "DONE"), ("HANGUP", "DONE")]


async def test_this_process_logs_no_secret_during_a_push_run(tenant, services, caplog):
    caplog.set_level(logging.DEBUG)
    desk = await call_desk(tenant, services)
    with cti_endpoint(TOKEN) as zammad:
        zammad.fail_next = [503]
        assert delivered(await push_run(desk, desk.admin, zammad.url())) == DONE
    assert caplog.records
    for record in caplog.records:
        assert TOKEN not in record.getMessage(), record.name
        assert TOKEN not in (record.exc_text or ""), record.name
    assert TOKEN not in caplog.text


async def test_a_service_logs_no_secret_during_a_push_run(settings, data_dir, services):
    async with isolated_desk(settings, data_dir, services, CRM_LOG_LEVEL="DEBUG") as isolated:
        with cti_endpoint(TOKEN) as zammad:
            zammad.fail_next = [503]
            desk = isolated.desk
            assert delivered(await push_run(desk, desk.admin, zammad.url())) == DONE
        output = isolated.server.output.read_text()
    assert " DEBUG " in output  # the service logged at DEBUG
    assert "CTI push newCall of call c-log: HTTP 503" in output  # and logged the run
    assert TOKEN not in output
