"""GraphiQL served by the service itself (issue 12, items 7 and 8): its page loads nothing but
the service's own pinned assets, and in a real browser without internet access it runs queries
and subscriptions with a token and shows the company's own custom fields in its docs."""

import json
import re
import tomllib
from pathlib import Path

import pytest

from app.demo import DEMO_TOKEN_FILE, show_demo_login
from app.graphiql import STATIC, assets
from tests.browser import Page, chromium, chromium_path

HTML = {"Accept": "text/html"}
PAGE_URL = re.compile(r'(?:src|href)="([^"]+)"')


async def asset_urls(http) -> list[str]:
    page = await http.get("/graphql", headers=HTML)
    return [url for url in PAGE_URL.findall(page.text) if not url.startswith("data:")]


async def test_the_page_names_only_the_services_own_assets(http):
    page = await http.get("/graphql", headers=HTML)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    urls = await asset_urls(http)
    assert urls
    assert all(url.startswith("/graphiql/assets/") for url in urls), urls
    assert "//" not in "".join(PAGE_URL.findall(page.text))  # no other host, no CDN
    policy = page.headers["content-security-policy"]
    assert "default-src 'none'" in policy
    assert "script-src 'self';" in policy
    assert "connect-src 'self';" in policy
    for url in urls:
        asset = await http.get(url)
        assert asset.status_code == 200, url
        assert asset.headers["content-type"].startswith(("text/javascript", "text/css")), url
        assert "immutable" in asset.headers["cache-control"]
        assert asset.content


async def test_assets_travel_compressed_and_revalidate(http):
    script = next(url for url in await asset_urls(http) if "graphiql.min.js" in url)
    plain = await http.get(script, headers={"Accept-Encoding": "identity"})
    compressed = await http.get(script, headers={"Accept-Encoding": "gzip"})
    assert compressed.headers["content-encoding"] == "gzip"
    assert int(compressed.headers["content-length"]) < len(plain.content) / 3
    assert compressed.content == plain.content  # httpx decodes it
    again = await http.get(script, headers={"If-None-Match": plain.headers["etag"]})
    assert again.status_code == 304
    assert not again.content


@pytest.mark.parametrize(
    "path",
    [
        "/graphiql/assets/nothing.js",
        "/graphiql/assets/graphiql-3.8.3/LICENSE",
        "/graphiql/assets/..%2F..%2Fserver.py",
        "/graphiql/assets/%2e%2e/%2e%2e/app/server.py",
        "/graphiql/assets/",
    ],
)
async def test_nothing_else_is_served_there(http, path):
    response = await http.get(path)
    assert response.status_code == 404
    assert response.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"


def test_each_shipped_package_has_its_licence():
    packages = [path for path in STATIC.iterdir() if path.is_dir()]
    names = {path.name for path in packages}
    assert names == {"react-18.2.0", "react-dom-18.2.0", "graphiql-3.8.3"}
    for package in packages:
        assert (package / "LICENSE").read_text().startswith("MIT License"), package


def test_the_package_data_holds_every_asset_and_licence():
    """What ``pip install .`` copies (non-editable): the globs of pyproject.toml's package-data."""
    pyproject = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())
    app_dir = STATIC.parents[1]
    packaged = {
        path
        for pattern in pyproject["tool"]["setuptools"]["package-data"]["app"]
        for path in app_dir.glob(pattern)
        if path.is_file()
    }
    assert packaged == {path for path in STATIC.rglob("*") if path.is_file()}
    assert {STATIC / name for name in assets()} < packaged


# The page as a person uses it. GraphiQL 3's own class names; CodeMirror 5 editors.
EDITOR = "document.querySelector('.graphiql-query-editor .CodeMirror')"
HEADERS_EDITOR = "document.querySelectorAll('.graphiql-editor-tool .CodeMirror')[1]"
RESPONSE = "document.querySelector('.graphiql-response .CodeMirror').CodeMirror.getValue()"
DOCS = "(document.querySelector('.graphiql-doc-explorer')?.innerText ?? '')"
OPEN_DOCS = """document.querySelector('.graphiql-doc-explorer')
    || document.querySelector('[aria-label="Show Documentation Explorer"]').click()"""
CUSTOM_FIELDS_TYPE = "ContactCustomFields"  # only in the schema of a company with such fields
RUN = "document.querySelector('.graphiql-execute-button').click()"


def link(text: str) -> str:
    return f"""[...document.querySelectorAll('.graphiql-doc-explorer a')]
        .find(a => a.textContent === {json.dumps(text)}).click()"""


async def open_graphiql(page: Page, url: str) -> None:
    await page.send("Page.navigate", url="about:blank")  # a new fragment alone loads nothing
    await page.send("Page.navigate", url=url)
    await page.wait_for(f"!!{EDITOR}")
    await page.evaluate(OPEN_DOCS)
    await page.wait_for(f"{DOCS}.includes('All Schema Types')")


async def shows_custom_field(page: Page, key: str) -> None:
    """The docs list the company's custom fields type, and its page names the field."""
    await page.wait_for(f"{DOCS}.includes('{CUSTOM_FIELDS_TYPE}')")
    await page.evaluate(link(CUSTOM_FIELDS_TYPE))
    await page.wait_for(f"{DOCS}.includes({json.dumps(key)})")
    await page.evaluate("document.querySelector('.graphiql-doc-explorer-back')?.click()")


async def custom_field(tenant, name: str) -> str:
    created = await tenant.admin.op(
        "CreateFieldDefinition", input={"entity": "CONTACT", "name": name, "type": "TEXT"}
    )
    return created.data["createFieldDefinition"]["key"]


@pytest.mark.skipif(
    chromium_path() is None, reason="needs Chromium (apt-get install chromium; .ci/run does)"
)
async def test_graphiql_in_a_browser_without_internet(live_server, new_tenant):
    first, second = await new_tenant("Eyes"), await new_tenant("Shoes")
    first_key = await custom_field(first, "Kolor oczu")
    second_key = await custom_field(second, "Rozmiar buta")
    graphiql = f"{live_server.base_url}/graphql"
    async with chromium(chromium_path()) as page:
        # Without a token: the base schema.
        await open_graphiql(page, graphiql)
        assert CUSTOM_FIELDS_TYPE not in await page.evaluate(DOCS)

        # A token pasted into the headers: the schema is fetched again, with its fields.
        headers = json.dumps({"Authorization": f"Bearer {first.admin.token}"})
        await page.evaluate(f"{HEADERS_EDITOR}.CodeMirror.setValue({json.dumps(headers)})")
        await shows_custom_field(page, first_key)

        await page.evaluate(RUN)  # the page's default query: me
        await page.wait_for(f"{RESPONSE}.includes({json.dumps(first.admin_email)})")

        # A subscription: graphql-transport-ws, with the token in connection_init.
        subscription = "subscription Calls { incomingCalls { callId } }"
        await page.evaluate(f"{EDITOR}.CodeMirror.setValue({json.dumps(subscription)})")
        await page.wait_for(f"{EDITOR}.CodeMirror.operationName === 'Calls'")  # parsed
        await page.evaluate(RUN)
        init = await page.wait_for_event(
            "Network.webSocketFrameSent",
            lambda p: '"connection_init"' in p["response"]["payloadData"],
        )
        payload = json.loads(init["response"]["payloadData"])["payload"]
        assert payload["Authorization"] == f"Bearer {first.admin.token}"
        await page.wait_for_event(
            "Network.webSocketFrameReceived",
            lambda p: json.loads(p["response"]["payloadData"])["type"] == "connection_ack",
        )
        await page.evaluate(RUN)  # stops it

        # A token in the fragment (crm serve --demo's link) wins over the headers kept from the
        # last visit, and leaves the address at once.
        await open_graphiql(page, f"{graphiql}#token={second.admin.token}")
        assert await page.evaluate("location.href") == graphiql
        assert second.admin.token in await page.evaluate(f"{HEADERS_EDITOR}.CodeMirror.getValue()")
        await shows_custom_field(page, second_key)

        requested = [url for url in page.requested_urls() if not url.startswith("data:")]
        own = (graphiql, f"{live_server.base_url}/graphiql/assets/")
        assert all(url.startswith(own) for url in requested), requested
        sockets = [p["url"] for m, p in page.events if m == "Network.webSocketCreated"]
        assert sockets
        assert all(url == live_server.ws_url for url in sockets), sockets
        assert page.problems() == []


def test_demo_link_carries_the_token_in_its_fragment_only(tmp_path: Path):
    banner = show_demo_login("a.b.c", "http://127.0.0.1:8000/graphql", tmp_path, tmp_path / "x/y")
    assert "a.b.c" not in banner
    assert "http://127.0.0.1:8000/graphql#token=a.b.c" in (tmp_path / DEMO_TOKEN_FILE).read_text()
