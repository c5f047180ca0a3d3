"""The address a request comes from, for the login limits.

Behind a reverse proxy every request comes from the proxy's address, unless the proxy is named in
``CRM_TRUSTED_PROXIES``: then the last ``X-Forwarded-For`` hop that is not a trusted proxy is the
client (the hops before it are whatever the client chose to send).
"""

import ipaddress

from starlette.datastructures import Headers
from starlette.types import Scope

UNKNOWN = "unknown"


def trusted_proxies(setting: str) -> frozenset[str]:
    return frozenset(_address(part) or part.strip() for part in setting.split(",") if part.strip())


def _address(text: str) -> str | None:
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError:
        return None


def client_address(scope: Scope, proxies: frozenset[str]) -> str:
    client = scope.get("client")
    peer = str(client[0]) if client else UNKNOWN
    if peer not in proxies:
        return peer
    hops = Headers(scope=scope).get("x-forwarded-for", "").split(",")
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:  # not an address: nothing before it can be told apart
            return peer
        if address not in proxies:
            return address
    return peer
