"""Zammad's generic CTI push endpoint on loopback, for the tests of R10.3.

It speaks the documented protocol (``../shared/reference/integrations.md``, from Zammad's
``cti_controller.rb``) over real HTTP: ``POST /api/v1/cti/{token}`` with a JSON body; the path's
token is the only authentication (401 otherwise); ``event`` is ``newCall``, ``answer`` or
``hangup``, ``direction`` ``in`` or ``out`` (422 otherwise), ``callId`` is required; the reply is
``{}``. A test may script failures to answer before it accepts (``fail_next``).
"""

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

EVENTS = frozenset({"newCall", "answer", "hangup"})
DIRECTIONS = frozenset({"in", "out"})


@dataclass
class CtiEndpoint:
    token: str
    port: int = 0
    # Every request's body, in order of arrival, and the status it got.
    requests: list[tuple[dict[str, Any], int]] = field(default_factory=list)
    # Statuses to answer, one per request, before accepting again.
    fail_next: list[int] = field(default_factory=list)

    def url(self, token: str | None = None) -> str:
        return f"http://127.0.0.1:{self.port}/api/v1/cti/{token or self.token}"

    @property
    def accepted(self) -> list[dict[str, Any]]:
        return [body for body, status in self.requests if status == 200]

    def answer(self, path: str, body: dict[str, Any]) -> int:
        if path != f"/api/v1/cti/{self.token}":
            return 401
        if self.fail_next:
            return self.fail_next.pop(0)
        valid = (
            body.get("event") in EVENTS
            and body.get("direction") in DIRECTIONS
            and isinstance(body.get("callId"), str)
        )
        return 200 if valid else 422


@contextmanager
def cti_endpoint(token: str) -> Iterator[CtiEndpoint]:
    endpoint = CtiEndpoint(token)
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            with lock:
                status = endpoint.answer(self.path, body)
                endpoint.requests.append((body, status))
            reply = b"{}" if status == 200 else json.dumps({"error": status}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    endpoint.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield endpoint
    finally:
        server.shutdown()
        server.server_close()
