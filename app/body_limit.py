"""Bounds the body of every request but file uploads, while it streams in: a declared
Content-Length over the limit is refused before anything is read, and a body sent in chunks is
counted as it arrives and refused the moment it passes the limit, so that an anonymous client
cannot make the service hold megabytes (nor the parse cache keep them).

Uploads (multipart) keep their own limit, ``CRM_IMPORT_MAX_MB`` (app/file_routes.py).
"""

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.file_routes import error_response, is_upload
from models.errors import BadRequest


class BodyTooLarge(Exception):
    def __init__(self, max_bytes: int) -> None:
        super().__init__(f"The request body is larger than {max_bytes} bytes.")
        self.max_bytes = max_bytes


def too_large_response(max_bytes: int) -> JSONResponse:
    """HTTP 413 with the body a GraphQL error has."""
    error = BadRequest(f"The request body is larger than {max_bytes} bytes.", maxBytes=max_bytes)
    return error_response(error, 413)


def _declared_length(scope: Scope) -> int | None:
    length = Headers(scope=scope).get("content-length", "")
    return int(length) if length.isdigit() else None


def limited_receive(receive: Receive, max_bytes: int) -> Receive:
    """``receive`` raising BodyTooLarge once more than ``max_bytes`` of body have arrived."""
    received = 0

    async def receive_within_limit() -> Message:
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > max_bytes:
                raise BodyTooLarge(max_bytes)
        return message

    return receive_within_limit


class BodyLimit:
    """ASGI middleware: HTTP 413 for a body over ``max_bytes`` (CRM_MAX_REQUEST_BYTES)."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or is_upload(scope):
            await self.app(scope, receive, send)
            return
        declared = _declared_length(scope)
        if declared is not None and declared > self.max_bytes:
            await too_large_response(self.max_bytes)(scope, receive, send)
            return
        try:
            await self.app(scope, limited_receive(receive, self.max_bytes), send)
        except BodyTooLarge as error:
            await too_large_response(error.max_bytes)(scope, receive, send)
