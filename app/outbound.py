"""Requests to URLs an admin chose (a vendor's API, Zammad's CTI endpoint): the rules such a URL
must follow, and an HTTP client that keeps to them when it connects.

Without them an admin's URL makes the service reach whatever it can reach (SSRF): the loopback
interface, the internal network, a cloud's metadata address. The rules:

- ``https`` only (``http`` too with ``CRM_OUTBOUND_ALLOW_HTTP``);
- no user name or password in the URL (httpx would send them as ``Authorization: Basic``);
- every address the host resolves to is public: not loopback, private, link-local, multicast,
  reserved or unspecified, IPv4 or IPv6, an IPv4 address inside an IPv6 one included
  (``CRM_OUTBOUND_ALLOW_PRIVATE`` lifts this rule, for on-premises vendors and for the tests).

They are checked when a URL is saved (:meth:`OutboundPolicy.saved_url_problem`; a name that does
not resolve then is accepted, since it is checked again before any request), and again at every
connect (:class:`CheckedTransport`): the host is resolved, every address checked, and the
connection made to a checked address, so a name that resolves elsewhere later (DNS rebinding)
gets nowhere.

URLs may hold secrets (Zammad's CTI token is a path segment): httpx's own request log line is
redacted to the URL's origin here, whatever level logging is configured at.
"""

import asyncio
import contextlib
import ipaddress
import logging
import socket
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from app.settings import Settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# How long a save waits for a name to resolve; past it the name is checked at connect only.
SAVE_RESOLVE_SECONDS = 2.0
# Hosts whose connections are kept (one pool each, so a TLS connection serves only its host).
MAX_POOLS = 64
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


class OutboundRefused(Exception):
    """A request the outbound rules do not allow; the message says which rule (no secret)."""


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one stands for (mapped, 6to4, NAT64), if any."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def address_kind(address: IPAddress) -> str | None:
    """Why ``address`` is not a public one (``"loopback"``, ``"private"``...), or None."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            return address_kind(embedded)
    site_local = isinstance(address, ipaddress.IPv6Address) and address.is_site_local
    checks = (
        ("unspecified", address.is_unspecified),
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("reserved", address.is_reserved),
        ("private", address.is_private or site_local),
        ("not public", not address.is_global),
    )
    return next((kind for kind, refused in checks if refused), None)


def _parse_address(text: str) -> IPAddress | None:
    with contextlib.suppress(ValueError):
        return ipaddress.ip_address(text.split("%", 1)[0])  # an IPv6 zone is no part of it
    return None


async def _resolve(host: str, port: int) -> list[IPAddress]:
    """Every address ``host`` resolves to (an address literal: itself); raises OSError."""
    literal = _parse_address(host)
    if literal is not None:
        return [literal]
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    found = [_parse_address(str(info[4][0])) for info in infos]
    return list(dict.fromkeys(a for a in found if a is not None))


@dataclass(frozen=True)
class OutboundPolicy:
    allow_http: bool = False
    allow_private: bool = False

    @classmethod
    def of(cls, settings: Settings) -> "OutboundPolicy":
        return cls(settings.outbound_allow_http, settings.outbound_allow_private)

    def url_problem(self, url: str, *, template: bool = False) -> str | None:
        """What ``url`` breaks of the rules that need no lookup, or None. ``template``: the URL
        may hold ``{placeholders}``, but only after its host."""
        parts = urlsplit(url)
        if parts.scheme != "https" and not (self.allow_http and parts.scheme == "http"):
            return "Must be an https URL." if not self.allow_http else "Must be an http(s) URL."
        if "@" in parts.netloc:
            return "Must not hold a user name or password; give credentials in their own fields."
        if template and ("{" in parts.netloc or "}" in parts.netloc):
            return "Placeholders are allowed only in the path and the query."
        return None

    def address_problem(self, address: IPAddress) -> str | None:
        kind = None if self.allow_private else address_kind(address)
        return None if kind is None else f"Resolves to an address that is {kind} ({address})."

    async def saved_url_problem(self, url: str, *, template: bool = False) -> str | None:
        """What keeps ``url`` (a well-formed absolute URL) from being saved, or None. A name
        that does not resolve now is accepted: it is checked before every request."""
        problem = self.url_problem(url, template=template)
        if problem is not None or self.allow_private:
            return problem
        parts = urlsplit(url)
        assert parts.hostname is not None
        try:
            async with asyncio.timeout(SAVE_RESOLVE_SECONDS):
                addresses = await _resolve(parts.hostname, parts.port or 443)
        except (OSError, TimeoutError):
            return None
        return next(filter(None, map(self.address_problem, addresses)), None)

    async def checked_address(self, host: str, port: int) -> IPAddress:
        """The address to connect to for ``host``: every one it resolves to is checked."""
        try:
            addresses = await _resolve(host, port)
        except OSError as error:
            raise httpx.ConnectError("The host does not resolve.") from error
        if not addresses:
            raise httpx.ConnectError("The host does not resolve.")
        for address in addresses:
            problem = self.address_problem(address)
            if problem is not None:
                raise OutboundRefused(problem)
        return addresses[0]


class CheckedTransport(httpx.AsyncBaseTransport):
    """An httpx transport that applies :class:`OutboundPolicy` at every request and connects
    to the address it checked (the ``Host`` header and TLS name stay the URL's host)."""

    def __init__(self, policy: OutboundPolicy) -> None:
        self._policy = policy
        self._pools: OrderedDict[tuple[str, str, int | None], httpx.AsyncHTTPTransport] = (
            OrderedDict()
        )

    async def _pool(self, origin: tuple[str, str, int | None]) -> httpx.AsyncHTTPTransport:
        pool = self._pools.pop(origin, None) or httpx.AsyncHTTPTransport(trust_env=False)
        self._pools[origin] = pool
        if len(self._pools) > MAX_POOLS:
            _, oldest = self._pools.popitem(last=False)
            await oldest.aclose()
        return pool

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        problem = self._policy.url_problem(str(url))
        if problem is not None:
            raise OutboundRefused(problem)
        port = url.port or (443 if url.scheme == "https" else 80)
        address = await self._policy.checked_address(url.host, port)
        extensions = dict(request.extensions)
        if url.scheme == "https":
            extensions["sni_hostname"] = url.host
        pinned = httpx.Request(
            request.method,
            url.copy_with(host=str(address)),
            headers=request.headers,  # its Host header names the URL's host
            stream=request.stream,
            extensions=extensions,
        )
        pool = await self._pool((url.scheme, url.host, url.port))
        return await pool.handle_async_request(pinned)

    async def aclose(self) -> None:
        pools, self._pools = list(self._pools.values()), OrderedDict()
        for pool in pools:
            await pool.aclose()


def outbound_client(policy: OutboundPolicy, timeout: float) -> httpx.AsyncClient:
    """The client for requests to admin-chosen URLs: never through a proxy of the
    environment, never following redirects (each would need the same checks)."""
    return httpx.AsyncClient(
        transport=CheckedTransport(policy),
        timeout=timeout,
        follow_redirects=False,
        trust_env=False,
    )


def log_safe_url(url: Any) -> str:
    """``url`` as a log may show it: its origin, since the rest may hold a secret."""
    parts = urlsplit(str(url))
    host = parts.hostname or ""
    host = f"[{host}]" if ":" in host else host
    port = f":{parts.port}" if parts.port is not None else ""
    return f"{parts.scheme}://{host}{port}/…"


class _RedactUrls(logging.Filter):
    """Rewrites the URLs httpx puts in its log records (``HTTP Request: POST <url> ...``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                log_safe_url(arg) if isinstance(arg, httpx.URL) else arg for arg in record.args
            )
        return True


# Installed on import: whoever imports this module makes requests that may carry secrets.
logging.getLogger("httpx").addFilter(_RedactUrls())
