"""Calls over HTTP (R10, R1.4, R3.3): caller-ID matching, the telephony side's reports (GraphQL and
plain JSON), the agents' assignment of contacts, a contact's calls, dialing; access and isolation.

The subscriptions, over real sockets, are in test_call_subscriptions.py.
"""

from typing import Any

import pytest
import pytest_asyncio

from tests.calls import CallDesk, call_desk, telephony_token
from tests.client import NO_SUCH_ID, field_paths
from tests.conftest import make_crm
from tests.test_isolation import same_answer


@pytest_asyncio.fixture
async def desk(tenant, services) -> CallDesk:
    return await call_desk(tenant, services)


def ids(records: list[dict[str, Any]]) -> list[str]:
    return [record["id"] for record in records]


# --- matchCaller --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "phone",
    [
        "+48 500 000 001",
        "0048500000001",
        "500000001",
        "500-000-001",
        "(+48) 500 000 001",
        "tel:+48500000001",
    ],
)
async def test_a_caller_is_matched_in_any_format_of_the_number(desk, phone):
    jan = await desk.contact("Jan", "Kowalski", "500 000 001")
    await desk.contact("Ewa", "Nowak", "500 000 002")
    match = (await desk.agent.client.op("MatchCaller", phone=phone)).data["matchCaller"]
    assert match["normalizedNumber"] == "+48500000001"
    assert ids(match["contacts"]) == [jan]


@pytest.mark.parametrize("phone", ["", "anonymous", "  "])
async def test_an_empty_or_withheld_caller_matches_nothing_and_is_no_error(desk, phone):
    await desk.contact("Jan", "Kowalski", "500 000 001")
    match = (await desk.agent.client.op("MatchCaller", phone=phone)).data["matchCaller"]
    assert match == {
        "normalizedNumber": None,
        "contacts": [],
        "organizations": [],
        "autoAssigned": None,
    }


async def test_organizations_are_matched_beside_contacts(desk):
    acme = await desk.organization("Acme", "22 123 45 67")
    anna = await desk.contact("Anna", "Nowak", "+48 22 123 45 67")
    match = (await desk.agent.client.op("MatchCaller", phone="0048221234567")).data["matchCaller"]
    assert ids(match["contacts"]) == [anna]
    assert ids(match["organizations"]) == [acme]


async def test_auto_assignment_needs_caller_id_authentication_and_exactly_one_contact(desk):
    jan = await desk.contact("Jan", "Kowalski", "500 000 001")
    await desk.contact("Ewa", "Nowak", "500 000 002")
    await desk.contact("Olga", "Nowak", "500 000 002")

    async def auto_assigned(phone: str) -> str | None:
        match = (await desk.agent.client.op("MatchCaller", phone=phone)).data["matchCaller"]
        return match["autoAssigned"] and match["autoAssigned"]["id"]

    assert await auto_assigned("500000001") is None  # R1.4 off
    await desk.settings(callerIdAuthentication=True)
    assert await auto_assigned("500000001") == jan
    assert await auto_assigned("500000002") is None  # ambiguous
    assert await auto_assigned("500000003") is None  # nobody


async def test_deleted_contacts_are_not_matched(desk):
    jan = await desk.contact("Jan", "Kowalski", "500 000 001")
    await desk.admin.op("DeleteContact", id=jan)
    match = (await desk.agent.client.op("MatchCaller", phone="500000001")).data["matchCaller"]
    assert match["contacts"] == []


async def test_matching_searches_the_projects_crm_or_the_crms_the_caller_works_with(desk):
    other_crm = await make_crm(desk.tenant, "Serwis")
    other_project = await desk.admin.op(
        "CreateProject", input={"name": "Serwis", "crmId": other_crm}
    )
    other_project_id = other_project.data["createProject"]["id"]
    ours = await desk.contact("Jan", "Kowalski", "500 000 001")
    theirs = await desk.contact("Jan", "Serwisowy", "500 000 001", crm_id=other_crm)

    async def matched(client, **variables) -> list[str]:
        result = await client.op("MatchCaller", phone="500000001", **variables)
        return ids(result.data["matchCaller"]["contacts"])

    agent = desk.agent.client
    assert await matched(agent) == [ours]
    assert await matched(agent, projectId=desk.project_id) == [ours]
    refused = await agent.op("MatchCaller", phone="500000001", projectId=other_project_id)
    assert refused.error_code == "NOT_FOUND"  # agents see only their projects
    assert sorted(await matched(desk.admin)) == sorted([ours, theirs])
    assert await matched(desk.admin, projectId=other_project_id) == [theirs]


async def test_matching_needs_a_project_with_a_crm_and_a_sane_number(desk):
    bare = await desk.admin.op("CreateProject", input={"name": "Bez CRM"})
    bare_id = bare.data["createProject"]["id"]
    no_crm = await desk.admin.op("MatchCaller", phone="500000001", projectId=bare_id)
    assert field_paths(no_crm) == {"projectId"}
    too_long = await desk.admin.op("MatchCaller", phone="5" * 101)
    assert field_paths(too_long) == {"phone"}


async def test_another_companys_project_answers_like_an_unknown_one(desk, new_tenant, services):
    other = await call_desk(await new_tenant("Other"), services)
    await other.contact("Jan", "Obcy", "500 000 001")
    foreign = await desk.admin.op("MatchCaller", phone="500000001", projectId=other.project_id)
    unknown = await desk.admin.op("MatchCaller", phone="500000001", projectId=NO_SUCH_ID)
    same_answer(foreign, unknown, other.project_id)
    match = (await desk.admin.op("MatchCaller", phone="500000001")).data["matchCaller"]
    assert match["contacts"] == []


# --- reports of the telephony side --------------------------------------------------------------


async def test_an_incoming_call_is_matched_and_reporting_it_again_changes_nothing(desk):
    await desk.settings(callerIdAuthentication=True)
    jan = await desk.contact("Jan", "Kowalski", "500 000 001")
    first = (await desk.report("pbx-1", "0048 500 000 001", to="100")).data["reportIncomingCall"]
    assert first["callId"] == "pbx-1"
    assert (first["direction"], first["status"]) == ("INBOUND", "RINGING")
    assert (first["from"], first["to"]) == ("0048 500 000 001", "100")
    assert first["normalizedNumber"] == "+48500000001"
    assert first["project"]["id"] == desk.project_id
    assert first["crm"]["id"] == desk.crm_id
    assert ids(first["match"]["contacts"]) == [jan]
    assert first["match"]["autoAssigned"]["id"] == jan
    assert first["contact"]["id"] == jan
    assert first["answeredAt"] is None
    again = await desk.report("pbx-1", "+48 600 000 000", to="200")
    assert again.data["reportIncomingCall"] == first
    assert len(await desk.stored_calls()) == 1


async def test_a_call_moves_through_answered_and_ended_and_keeps_its_duration(desk):
    await desk.report("pbx-2", "500000001")
    answered = await desk.telephony.op("ReportCallAnswered", callId="pbx-2", agentId=desk.agent.id)
    call = answered.data["reportCallAnswered"]
    assert call["status"] == "ANSWERED"
    assert call["agent"]["id"] == desk.agent.id
    assert call["answeredAt"] is not None
    again = await desk.telephony.op("ReportCallAnswered", callId="pbx-2", agentId=desk.agent.id)
    assert again.data["reportCallAnswered"] == call
    ended = await desk.telephony.op("ReportCallEnded", callId="pbx-2", cause="NORMAL_CLEARING")
    call = ended.data["reportCallEnded"]
    assert call["status"] == "ENDED"
    assert call["endCause"] == "NORMAL_CLEARING"
    assert call["endedAt"] >= call["answeredAt"]
    assert isinstance(call["durationSeconds"], int)
    assert call["durationSeconds"] >= 0
    ended_again = await desk.telephony.op("ReportCallEnded", callId="pbx-2", cause="OTHER")
    assert ended_again.data["reportCallEnded"] == call
    assert [c["revision"] for c in await desk.stored_calls()] == [2]


async def test_a_call_never_answered_ends_with_no_talk_time(desk):
    await desk.report("pbx-3", "500000001")
    ended = await desk.telephony.op("ReportCallEnded", callId="pbx-3")
    call = ended.data["reportCallEnded"]
    assert (call["status"], call["durationSeconds"], call["answeredAt"]) == ("ENDED", 0, None)


async def test_reports_out_of_order_are_refused_and_change_nothing(desk):
    other_agent = await desk.tenant.add_user(["AGENT"])
    await desk.report("pbx-4", "500000001")
    await desk.telephony.op("ReportCallAnswered", callId="pbx-4", agentId=desk.agent.id)
    before = await desk.stored_calls()
    taken = await desk.telephony.op("ReportCallAnswered", callId="pbx-4", agentId=other_agent.id)
    assert field_paths(taken) == {"agentId"}
    await desk.telephony.op("ReportCallEnded", callId="pbx-4")
    ended = await desk.stored_calls()
    late = await desk.telephony.op("ReportCallAnswered", callId="pbx-4", agentId=desk.agent.id)
    assert field_paths(late) == {"callId"}
    assert await desk.stored_calls() == ended
    assert ended[0]["agent_id"] == before[0]["agent_id"]


async def test_bad_reports_name_every_bad_value_and_store_nothing(desk):
    bare = await desk.admin.op("CreateProject", input={"name": "Bez CRM"})
    result = await desk.report("  ", "5" * 101, to="1" * 101)
    assert field_paths(result) == {"input.callId", "input.from", "input.to"}
    unknown_project = await desk.report("pbx-5", "500000001", projectId=NO_SUCH_ID)
    assert field_paths(unknown_project) == {"input.projectId"}
    malformed = await desk.report("pbx-5", "500000001", projectId="not-an-id")
    assert field_paths(malformed) == {"input.projectId"}
    no_crm = await desk.report("pbx-5", "500000001", projectId=bare.data["createProject"]["id"])
    assert field_paths(no_crm) == {"input.projectId"}
    long_cause = await desk.telephony.op("ReportCallEnded", callId="pbx-5", cause="x" * 201)
    assert field_paths(long_cause) == {"cause"}
    unknown_agent = await desk.telephony.op("ReportCallAnswered", callId="pbx-5", agentId="zz")
    assert field_paths(unknown_agent) == {"agentId"}
    unknown_call = await desk.telephony.op("ReportCallEnded", callId="pbx-5")
    assert unknown_call.error_code == "NOT_FOUND"
    assert await desk.stored_calls() == []


async def test_only_the_telephony_side_and_admins_report_calls(desk, anonymous):
    agent = await desk.agent.client.op(
        "ReportIncomingCall", input={"callId": "a", "from": "1", "projectId": desk.project_id}
    )
    assert agent.error_code == "FORBIDDEN"
    nobody = await anonymous.op(
        "ReportIncomingCall", input={"callId": "a", "from": "1", "projectId": desk.project_id}
    )
    assert nobody.error_code == "UNAUTHENTICATED"
    assert (await desk.agent.client.op("ReportCallEnded", callId="a")).error_code == "FORBIDDEN"
    assert await desk.stored_calls() == []
    pbx = await desk.tenant.add_user(["AGENT"], ["TELEPHONY"])
    reported = await pbx.client.op(
        "ReportIncomingCall", input={"callId": "b", "from": "1", "projectId": desk.project_id}
    )
    assert reported.data["reportIncomingCall"]["status"] == "RINGING"
    admin = await desk.admin.op(
        "ReportIncomingCall", input={"callId": "c", "from": "1", "projectId": desk.project_id}
    )
    assert admin.data["reportIncomingCall"]["status"] == "RINGING"


async def test_a_telephony_token_does_nothing_else(desk):
    assert (await desk.telephony.op("Me")).error_code == "FORBIDDEN"
    assert (await desk.telephony.op("Contacts")).error_code == "FORBIDDEN"
    assert (await desk.telephony.op("MatchCaller", phone="500000001")).error_code == "FORBIDDEN"
    contact = await desk.contact("Jan", "Kowalski", "500 000 001")
    assert (await desk.telephony.op("DialContact", contactId=contact)).error_code == "FORBIDDEN"


async def test_with_the_crm_off_calls_are_refused(desk):
    await desk.settings(crmEnabled=False)
    assert (await desk.report("pbx-6", "500000001")).error_code == "CRM_DISABLED"
    match = await desk.agent.client.op("MatchCaller", phone="500000001")
    assert match.error_code == "CRM_DISABLED"
    assert await desk.stored_calls() == []


async def test_another_companys_ids_behave_as_if_they_did_not_exist(desk, new_tenant, services):
    other = await call_desk(await new_tenant("Other"), services)
    await other.report("their-call", "500000001")
    theirs = await other.stored_calls()

    foreign = await desk.report("mine", "500000001", projectId=other.project_id)
    unknown = await desk.report("mine", "500000001", projectId=NO_SUCH_ID)
    assert field_paths(foreign) == field_paths(unknown) == {"input.projectId"}
    await desk.report("mine", "500000001")
    same_answer(
        await desk.telephony.op("ReportCallAnswered", callId="mine", agentId=other.agent.id),
        await desk.telephony.op("ReportCallAnswered", callId="mine", agentId=NO_SUCH_ID),
        other.agent.id,
    )
    for name in ("ReportCallAnswered", "ReportCallEnded"):
        foreign_call = await desk.telephony.op(name, callId="their-call")
        assert foreign_call.error_code == "NOT_FOUND"
        assert foreign_call.body["data"] is None
    assign = await desk.admin.op("AssignContactToCall", callId="their-call", contactId=NO_SUCH_ID)
    assert assign.error_code == "NOT_FOUND"
    assert await other.stored_calls() == theirs


# --- agents: assigning contacts, a contact's calls ---------------------------------------------


async def test_an_agent_assigns_the_contact_of_an_ambiguous_call(desk):
    ewa = await desk.contact("Ewa", "Nowak", "500 000 002")
    await desk.contact("Olga", "Nowak", "500 000 002")
    await desk.settings(callerIdAuthentication=True)
    call = (await desk.report("pbx-7", "500000002")).data["reportIncomingCall"]
    assert call["contact"] is None
    assert len(call["match"]["contacts"]) == 2
    assigned = await desk.agent.client.op("AssignContactToCall", callId="pbx-7", contactId=ewa)
    call = assigned.data["assignContactToCall"]
    assert call["contact"]["id"] == ewa
    assert call["match"]["autoAssigned"] is None


async def test_assigning_a_contact_outside_the_calls_crm_is_refused_and_changes_nothing(
    desk, new_tenant, services
):
    other_crm = await make_crm(desk.tenant, "Serwis")
    elsewhere = await desk.contact("Jan", "Serwisowy", "500 000 001", crm_id=other_crm)
    deleted = await desk.contact("Jan", "Usunięty", "500 000 001")
    await desk.admin.op("DeleteContact", id=deleted)
    other = await call_desk(await new_tenant("Other"), services)
    foreign = await other.contact("Jan", "Obcy", "500 000 001")
    await desk.report("pbx-8", "500000001")
    before = await desk.stored_calls()
    for contact_id in (elsewhere, deleted, foreign, NO_SUCH_ID, "not-an-id"):
        refused = await desk.admin.op("AssignContactToCall", callId="pbx-8", contactId=contact_id)
        assert field_paths(refused) == {"contactId"}
    assert await desk.stored_calls() == before


async def test_agents_work_only_with_calls_of_their_projects(desk):
    stranger = await desk.tenant.add_user(["AGENT"])
    jan = await desk.contact("Jan", "Kowalski", "500 000 001")
    await desk.report("pbx-9", "500000001")
    refused = await stranger.client.op("AssignContactToCall", callId="pbx-9", contactId=jan)
    assert refused.error_code == "NOT_FOUND"
    supervisor = await desk.tenant.add_user(["SUPERVISOR"])
    done = await supervisor.client.op("AssignContactToCall", callId="pbx-9", contactId=jan)
    assert done.data["assignContactToCall"]["contact"]["id"] == jan


async def test_a_contacts_calls_are_listed_newest_first_in_pages(desk):
    await desk.settings(callerIdAuthentication=True)
    jan = await desk.contact("Jan", "Kowalski", "500 000 001")
    ewa = await desk.contact("Ewa", "Nowak", "500 000 002")
    for call_id in ("c1", "c2", "c3"):
        await desk.report(call_id, "500000001")
    await desk.report("other", "500000002")
    first = (await desk.agent.client.op("ContactCalls", id=jan, first=2)).data["contact"]["calls"]
    assert [e["node"]["callId"] for e in first["edges"]] == ["c3", "c2"]
    assert first["totalCount"] == 3
    assert first["pageInfo"]["hasNextPage"] is True
    rest = await desk.agent.client.op(
        "ContactCalls", id=jan, first=2, after=first["pageInfo"]["endCursor"]
    )
    calls = rest.data["contact"]["calls"]
    assert [e["node"]["callId"] for e in calls["edges"]] == ["c1"]
    assert calls["pageInfo"]["hasNextPage"] is False
    ewas = (await desk.agent.client.op("ContactCalls", id=ewa)).data["contact"]["calls"]
    assert [e["node"]["callId"] for e in ewas["edges"]] == ["other"]


# --- dialing (R3.3) -----------------------------------------------------------------------------


async def test_an_agent_with_dial_asks_to_call_one_of_the_contacts_numbers(desk):
    jan = await desk.contact("Jan", "Kowalski", "500 000 001", "22 123 45 67")
    first = (await desk.agent.client.op("DialContact", contactId=jan)).data["dialContact"]
    assert first["phone"] == "+48500000001"
    assert first["contact"]["id"] == jan
    assert first["requestedBy"]["id"] == desk.agent.id
    chosen = await desk.agent.client.op("DialContact", contactId=jan, phone="(22) 123-45-67")
    assert chosen.data["dialContact"]["phone"] == "+48221234567"
    stored = await desk.stored_calls()
    assert [(c["direction"], c["status"], c["call_id"]) for c in stored] == [
        ("OUTBOUND", "REQUESTED", first["id"]),
        ("OUTBOUND", "REQUESTED", chosen.data["dialContact"]["id"]),
    ]
    calls = (await desk.agent.client.op("ContactCalls", id=jan)).data["contact"]["calls"]
    assert [e["node"]["direction"] for e in calls["edges"]] == ["OUTBOUND", "OUTBOUND"]


async def test_dialing_is_refused_clearly_and_records_nothing(desk, new_tenant, services):
    jan = await desk.contact("Jan", "Kowalski", "500 000 001")
    silent = await desk.contact("Anna", "Bez Telefonu")
    no_dial = await desk.tenant.add_user(["AGENT"])
    outsider = await desk.tenant.add_user(["AGENT"], ["DIAL"])
    other = await call_desk(await new_tenant("Other"), services)
    foreign = await other.contact("Jan", "Obcy", "500 000 001")

    assert (await no_dial.client.op("DialContact", contactId=jan)).error_code == "FORBIDDEN"
    assert (await outsider.client.op("DialContact", contactId=jan)).error_code == "FORBIDDEN"
    agent = desk.agent.client
    not_theirs = await agent.op("DialContact", contactId=jan, phone="600 000 000")
    assert field_paths(not_theirs) == {"phone"}
    assert field_paths(await agent.op("DialContact", contactId=jan, phone="12")) == {"phone"}
    assert field_paths(await agent.op("DialContact", contactId=silent)) == {"contactId"}
    same_answer(
        await agent.op("DialContact", contactId=foreign),
        await agent.op("DialContact", contactId=NO_SUCH_ID),
        foreign,
    )
    assert await desk.stored_calls() == []
    assert await other.stored_calls() == []


# --- POST /telephony/events ---------------------------------------------------------------------


async def post_event(http, token: str | None, body: Any) -> tuple[int, dict[str, Any]]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = await http.post("/telephony/events", json=body, headers=headers)
    return response.status_code, response.json()


async def test_the_json_endpoint_takes_the_three_reports(desk, http, services):
    await desk.settings(callerIdAuthentication=True)
    jan = await desk.contact("Jan", "Kowalski", "500 000 001")
    token = telephony_token(services, desk.tenant)
    incoming = {"type": "INCOMING", "callId": "j-1", "from": "tel:+48500000001"}
    status, body = await post_event(http, token, {**incoming, "projectId": desk.project_id})
    assert status == 200
    event = body["event"]
    assert (event["status"], event["normalizedNumber"]) == ("RINGING", "+48500000001")
    assert event["contact"] == {"id": jan, "firstName": "Jan", "lastName": "Kowalski"}
    status, body = await post_event(
        http, token, {"type": "ANSWERED", "callId": "j-1", "agentId": desk.agent.id}
    )
    assert (status, body["event"]["status"], body["event"]["agent"]) == (
        200,
        "ANSWERED",
        {"id": desk.agent.id},
    )
    status, body = await post_event(http, token, {"type": "ENDED", "callId": "j-1"})
    assert (status, body["event"]["status"]) == (200, "ENDED")
    assert [c["status"] for c in await desk.stored_calls()] == ["ENDED"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"type": "RINGING", "callId": "x"}, "type"),
        ({"type": "INCOMING", "callId": "x"}, "projectId"),
        ({"type": "INCOMING", "callId": 5, "projectId": NO_SUCH_ID}, "callId"),
        ({"type": "ENDED", "callId": "x", "cause": ["busy"]}, "cause"),
        (["INCOMING"], "body"),
        ({"type": "INCOMING", "callId": "x", "projectId": NO_SUCH_ID}, "input.projectId"),
    ],
)
async def test_the_json_endpoint_names_the_bad_member_and_stores_nothing(
    desk, http, services, body, field
):
    status, answer = await post_event(http, telephony_token(services, desk.tenant), body)
    assert status == 422
    assert answer["errors"][0]["extensions"]["code"] == "VALIDATION_FAILED"
    assert answer["errors"][0]["extensions"]["field"] == field
    assert await desk.stored_calls() == []


async def test_the_json_endpoint_answers_auth_and_unknown_calls_with_their_status(desk, http):
    ended = {"type": "ENDED", "callId": "nope"}
    assert (await post_event(http, None, ended))[0] == 401
    assert (await post_event(http, "forged", ended))[0] == 401
    assert (await post_event(http, desk.agent.client.token, ended))[0] == 403
    status, body = await post_event(http, desk.admin.token, ended)
    assert (status, body["errors"][0]["extensions"]["code"]) == (404, "NOT_FOUND")
    response = await http.post(
        "/telephony/events",
        content=b"{" * 20_000,
        headers={"Authorization": f"Bearer {desk.admin.token}"},
    )
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
