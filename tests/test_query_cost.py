"""Operations are priced before they run (resolvers/query_cost.py): one above
``CRM_MAX_QUERY_COST`` is refused with BAD_REQUEST, its cost and the limit in ``extensions``."""

import pytest

from graphql import FragmentDefinitionNode, OperationDefinitionNode, parse
from resolvers.query_cost import DEFAULT_MAX_COST, SCAN_COST, operation_cost
from resolvers.schema import build_schema
from tests.operations import document, operation_names
from tests.records import with_default_crm

ALIASES = 30
ALIAS = "  c{}: contacts(first: 200) {{ edges {{ node {{ calls {{ totalCount }} }} }} }}"
HEAVY = "query Heavy {\n" + "\n".join(ALIAS.format(i) for i in range(ALIASES)) + "\n}"
SCHEMA = build_schema()._schema


def cost(text: str, name: str | None = None, **variables: object) -> int:
    parsed = parse(text)
    fragments = {
        d.name.value: d for d in parsed.definitions if isinstance(d, FragmentDefinitionNode)
    }
    operations = [d for d in parsed.definitions if isinstance(d, OperationDefinitionNode)]
    operation = next(o for o in operations if name is None or o.name.value == name)
    return operation_cost(SCHEMA, operation, fragments, variables)


def test_a_page_multiplies_what_each_item_selects_and_a_count_is_a_scan():
    assert cost("{ contacts(first: 10) { edges { node { id } } } }") == 1 + 10 * (1 + 1)
    assert cost("{ contacts(first: 10) { totalCount } }") == 1 + SCAN_COST
    assert cost("query($n: Int) { contacts(first: $n) { edges { cursor } } }", n=7) == 1 + 7
    # omitted: the argument's default page (50)
    assert cost("{ contacts { edges { node { id } } } }") == 1 + 50 * 2
    nested = "{ contacts(first: 200) { edges { node { calls { totalCount } } } } }"
    assert cost(nested) == 1 + 200 * (1 + 1 + 1 + SCAN_COST)


@pytest.mark.parametrize("name", operation_names())
def test_every_operation_of_the_clients_passes_at_the_largest_page(name):
    assert cost(document(name), name, first=200) <= DEFAULT_MAX_COST


async def test_thirty_aliases_of_large_pages_with_counts_are_refused(tenant):
    crm = await with_default_crm(tenant)
    await crm.admin.op("CreateContact", input={"firstName": "Jan", "lastName": "Kowalski"})
    refused = await crm.admin.raw(HEAVY)
    assert refused.error_code == "BAD_REQUEST", refused.body
    extensions = refused.errors[0]["extensions"]
    assert extensions["maxCost"] == DEFAULT_MAX_COST
    assert extensions["cost"] == cost(HEAVY) > DEFAULT_MAX_COST
    assert refused.body["data"] is None
    small = HEAVY.replace("first: 200", "first: 1").replace("calls { totalCount }", "id")
    assert not (await crm.admin.raw(small)).errors


async def test_the_limit_is_a_setting(tenant, services, monkeypatch):
    crm = await with_default_crm(tenant)
    monkeypatch.setattr(services.settings, "max_query_cost", 300)
    refused = await crm.admin.op("FilteredContacts", first=50)
    assert refused.error_code == "BAD_REQUEST"
    assert refused.errors[0]["extensions"]["maxCost"] == 300
    assert not (await crm.admin.op("FilteredContacts", first=5)).errors
