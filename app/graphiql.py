"""GraphiQL served by the service itself: its page (GET /graphql from a browser) and its pinned
assets under ``/graphiql/assets/``, so that it works on a machine without internet access.

The assets are the npm packages' own builds (app/static/graphiql/README.md says which); every
URL the page names carries a digest of the file, so a browser may keep them for a year.
"""

import gzip
import hashlib
from dataclasses import dataclass
from functools import cache, cached_property
from html import escape
from pathlib import Path

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

STATIC = Path(__file__).parent / "static" / "graphiql"
ASSETS_PATH = "/graphiql/assets"
MEDIA_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
STYLES = ("graphiql-3.8.3/graphiql.min.css", "page.css")
SCRIPTS = (
    "react-18.2.0/react.production.min.js",
    "react-dom-18.2.0/react-dom.production.min.js",
    # GraphiQL's UMD build bundles its dependencies, graphql-ws (graphql-transport-ws) among them.
    "graphiql-3.8.3/graphiql.min.js",
    "page.js",
)
# The page loads only what the service serves; 'self' covers its WebSocket for subscriptions.
# GraphiQL sets inline styles and its stylesheet embeds its fonts and icons as data: URLs.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "font-src 'self' data:",
        "img-src 'self' data:",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ]
)
PAGE_HEADERS = {
    "Cache-Control": "no-cache",
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}
PAGE = """<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <title>CRM GraphiQL</title>
    <link rel="icon" href="data:,">
    {tags}
  </head>
  <body>
    <div id="graphiql">Loading GraphiQL...</div>
  </body>
</html>
"""
IMMUTABLE = "public, max-age=31536000, immutable"


@dataclass(frozen=True)
class Asset:
    name: str
    body: bytes
    media_type: str

    @cached_property
    def digest(self) -> str:
        return hashlib.sha256(self.body).hexdigest()[:16]

    @cached_property
    def gzipped(self) -> bytes:
        """Compressed on first use (GraphiQL's 3.5 MB script travels as 0.7 MB)."""
        return gzip.compress(self.body, mtime=0)

    @property
    def url(self) -> str:
        return f"{ASSETS_PATH}/{self.name}?v={self.digest}"


@cache
def assets() -> dict[str, Asset]:
    """The files the page names, read once: only these are served (no path reaches the disk)."""
    return {
        name: Asset(name, (STATIC / name).read_bytes(), MEDIA_TYPES[Path(name).suffix])
        for name in (*STYLES, *SCRIPTS)
    }


@cache
def page_html() -> str:
    tags = [f'<link rel="stylesheet" href="{escape(assets()[n].url)}">' for n in STYLES]
    tags += [f'<script src="{escape(assets()[n].url)}" defer></script>' for n in SCRIPTS]
    return PAGE.format(tags="\n    ".join(tags))


def page() -> HTMLResponse:
    """GraphiQL's page: a token in its fragment (``#token=...``) goes into its headers."""
    return HTMLResponse(page_html(), headers=PAGE_HEADERS)


async def asset(request: Request) -> Response:
    found = assets().get(request.path_params["name"])
    if found is None:
        raise HTTPException(404)
    etag = f'"{found.digest}"'
    headers = {
        "Cache-Control": IMMUTABLE,
        "ETag": etag,
        "Vary": "Accept-Encoding",
        "X-Content-Type-Options": "nosniff",
    }
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    body = found.body
    if "gzip" in request.headers.get("accept-encoding", ""):
        body = found.gzipped
        headers["Content-Encoding"] = "gzip"
    return Response(body, media_type=found.media_type, headers=headers)
