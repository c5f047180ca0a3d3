"""A query request's reads carry a server-side time limit (``CRM_REQUEST_READ_TIMEOUT_MS``, sent
as ``maxTimeMS``): past it the request answers TIMEOUT, never INTERNAL_SERVER_ERROR. Mutations
are not limited."""

from tests.records import with_default_crm


async def test_a_query_past_its_database_time_answers_timeout(tenant, services, monkeypatch):
    crm = await with_default_crm(tenant)
    await crm.admin.op("CreateContact", input={"firstName": "Jan", "lastName": "Kowalski"})
    assert not (await crm.admin.op("FilteredContacts", first=5)).errors
    monkeypatch.setattr(services.settings, "request_read_timeout_ms", 1)
    timed_out = await crm.admin.op("FilteredContacts", first=5)
    assert timed_out.status == 200
    assert timed_out.error_code == "TIMEOUT", timed_out.body
    assert "1 ms" in timed_out.errors[0]["message"]


async def test_a_mutation_is_not_limited(tenant, services, monkeypatch):
    crm = await with_default_crm(tenant)
    monkeypatch.setattr(services.settings, "request_read_timeout_ms", 1)
    created = await crm.admin.op("CreateContact", input={"firstName": "Jan", "lastName": "Nowak"})
    assert not created.errors, created.errors
