"""The HTTP surface: health, readiness, CORS, request limits and the shape of errors."""

from graphql import GraphQLError
from resolvers.errors import INTERNAL_MESSAGE, shape_error


async def test_health_and_readiness(http):
    assert (await http.get("/healthz")).text == "ok"
    ready = await http.get("/readyz")
    assert ready.status_code == 200


async def test_graphiql_is_served_to_browsers(http):
    page = await http.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert "graphiql" in page.text.lower()


async def test_cors_preflight_allows_only_listed_origins(live_server):
    import httpx

    async with httpx.AsyncClient(base_url=live_server.base_url) as client:
        preflight = {
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type",
        }
        allowed = await client.options(
            "/graphql", headers={"Origin": "https://app.example", **preflight}
        )
        assert allowed.status_code == 200
        assert allowed.headers["access-control-allow-origin"] == "https://app.example"
        refused = await client.options(
            "/graphql", headers={"Origin": "https://evil.example", **preflight}
        )
        assert "access-control-allow-origin" not in refused.headers


async def test_syntax_and_validation_errors_carry_bad_request(tenant):
    syntax = await tenant.admin.raw("query { me { ")
    assert syntax.error_code == "BAD_REQUEST"
    unknown_field = await tenant.admin.raw("query { me { salary } }")
    assert unknown_field.error_code == "BAD_REQUEST"
    wrong_variable = await tenant.admin.raw(
        "query U($first: Int) { users(first: $first) { totalCount } }", {"first": "many"}
    )
    assert wrong_variable.error_code == "BAD_REQUEST"


async def test_too_many_aliases_are_refused(tenant, settings):
    aliases = " ".join(f"a{i}: me {{ id }}" for i in range(settings.max_aliases + 1))
    result = await tenant.admin.raw(f"query {{ {aliases} }}")
    assert result.error_code == "BAD_REQUEST"
    assert result.body.get("data") is None


async def test_too_deep_queries_are_refused(tenant, settings):
    selection = "id"
    for level in range(settings.max_query_depth):
        selection = (
            f"members {{ {selection} }}" if level % 2 == 0 else f"projects {{ {selection} }}"
        )
    result = await tenant.admin.raw(f"query {{ me {{ projects {{ {selection} }} }} }}")
    assert result.error_code == "BAD_REQUEST"
    assert "depth" in result.error["message"]


async def test_page_size_is_bounded(tenant):
    result = await tenant.admin.op("Users", first=201)
    assert result.error_code == "VALIDATION_FAILED"
    assert result.error["extensions"]["field"] == "first"


def test_unexpected_errors_are_masked_with_an_id_and_logged(caplog):
    error = GraphQLError("boom", path=["me"], original_error=KeyError("secret detail"))
    shaped = shape_error(error)
    assert shaped.message == INTERNAL_MESSAGE
    assert shaped.extensions["code"] == "INTERNAL_SERVER_ERROR"
    error_id = shaped.extensions["errorId"]
    assert "secret detail" not in str(shaped.formatted)
    assert any(error_id in record.getMessage() for record in caplog.records)
