"""GraphQL over HTTP as the benchmarks send it: one kept-alive connection of the standard library.

The benchmarks time the service's requests beside raw pymongo calls, so the client's own cost
should be as small as pymongo's. httpx's synchronous client spent 0.23 to 0.45 ms of its own on
each request (measured beside ``http.client`` against the same service, on ``/healthz`` and on
``matchCaller``): client time that the figures would have charged to the service.
"""

import json
from http.client import HTTPConnection, RemoteDisconnected
from typing import Any
from urllib.parse import urlsplit

TIMEOUT_SECONDS = 60
# What a connection the server closed while it was idle (uvicorn's keep-alive timeout) raises
# on its next request; the request never reached the server, so it is sent again, once.
_CLOSED_WHILE_IDLE = (RemoteDisconnected, BrokenPipeError, ConnectionResetError)


class GraphQLClient:
    def __init__(self, base_url: str) -> None:
        address = urlsplit(base_url)
        host, port = address.hostname, address.port
        if host is None or port is None:
            raise ValueError(f"not an http://host:port address: {base_url}")
        self._connection = HTTPConnection(host, port, timeout=TIMEOUT_SECONDS)

    def post(self, token: str | None, payload: dict[str, Any]) -> dict[str, Any]:
        """The ``data`` of the answer to ``payload``; RuntimeError when it has errors."""
        body = json.dumps(payload).encode()
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        try:
            answer = self._send(body, headers)
        except _CLOSED_WHILE_IDLE:
            self._connection.close()
            answer = self._send(body, headers)
        if answer.get("errors"):
            name = payload.get("operationName") or "operation"
            raise RuntimeError(f"{name}: {answer['errors']}")
        return answer["data"]

    def op(self, token: str | None, query: str, **variables: Any) -> dict[str, Any]:
        return self.post(token, {"query": query, "variables": variables})

    def close(self) -> None:
        self._connection.close()

    def _send(self, body: bytes, headers: dict[str, str]) -> dict[str, Any]:
        self._connection.request("POST", "/graphql", body, headers)
        return json.loads(self._connection.getresponse().read())
