"""``POST /telephony/events``: the telephony side's call reports as plain JSON, for exchanges
that do not speak GraphQL.

The body is one event, with ``Authorization: Bearer <token>`` (``crm token --telephony``, an
admin's token, or that of a user with the permission TELEPHONY)::

    {"type": "INCOMING", "callId": "c-1", "from": "+48 500 000 001", "to": "100", "projectId": "…"}
    {"type": "ANSWERED", "callId": "c-1", "agentId": "…"}
    {"type": "ENDED", "callId": "c-1", "cause": "NORMAL_CLEARING"}

Each event runs the matching GraphQL mutation on the company's schema, so the rules, the errors
and the answer are exactly the GraphQL API's: ``200 {"event": {…}}``, or an error status (401,
403, 404, 413, 422, …) with ``{"errors": [{"message", "extensions": {"code", …}}]}``.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from app.authenticator import Authenticator
from app.body_limit import BodyTooLarge, too_large_response
from app.json_body import UnreadableJson, decode_json
from app.principal import Principal
from graphql import ExecutionResult
from models.errors import DomainError, Unauthenticated, ValidationFailed, Validator

# A report is a few short strings.
MAX_BODY_BYTES = 16 * 1024

Execute = Callable[[Request, Principal, str, dict[str, Any]], Awaitable[ExecutionResult]]

_EVENT_FIELDS = """
fragment ReportedCall on CallEvent {
  id callId direction status from to normalizedNumber
  startedAt answeredAt endedAt endCause durationSeconds
  project { id } agent { id } contact { id firstName lastName }
  match { contacts { id } organizations { id } autoAssigned { id } }
}
"""


@dataclass(frozen=True)
class EventKind:
    mutation: str
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()

    @property
    def document(self) -> str:
        return self.mutation + _EVENT_FIELDS


EVENT_KINDS = {
    "INCOMING": EventKind(
        """mutation ($callId: String!, $from: String, $to: String, $projectId: ID!) {
          event: reportIncomingCall(
            input: {callId: $callId, from: $from, to: $to, projectId: $projectId}
          ) { ...ReportedCall }
        }""",
        required=("callId", "projectId"),
        optional=("from", "to"),
    ),
    "ANSWERED": EventKind(
        """mutation ($callId: String!, $agentId: ID) {
          event: reportCallAnswered(callId: $callId, agentId: $agentId) { ...ReportedCall }
        }""",
        required=("callId",),
        optional=("agentId",),
    ),
    "ENDED": EventKind(
        """mutation ($callId: String!, $cause: String) {
          event: reportCallEnded(callId: $callId, cause: $cause) { ...ReportedCall }
        }""",
        required=("callId",),
        optional=("cause",),
    ),
}

HTTP_STATUS = {
    "BAD_REQUEST": 400,
    "UNAUTHENTICATED": 401,
    "FORBIDDEN": 403,
    "CRM_DISABLED": 403,
    "NOT_FOUND": 404,
    "CONFLICT": 409,
    "GONE": 410,
    "VALIDATION_FAILED": 422,
    "TOO_MANY_REQUESTS": 429,
    "SERVICE_UNAVAILABLE": 503,
    "TIMEOUT": 504,
}


def telephony_error_response(errors: list[dict[str, Any]]) -> JSONResponse:
    extensions = errors[0].get("extensions", {})
    response = JSONResponse(
        {"errors": errors}, status_code=HTTP_STATUS.get(extensions.get("code"), 500)
    )
    if (retry_after := extensions.get("retryAfterSeconds")) is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response


def _domain_error(error: DomainError) -> JSONResponse:
    return telephony_error_response([{"message": error.message, "extensions": error.extensions}])


def parse_event(body: bytes) -> tuple[EventKind, dict[str, Any]]:
    """The kind of event and the mutation's variables, or ValidationFailed naming the member."""
    try:
        event = decode_json(body)
    except UnreadableJson as error:
        raise ValidationFailed.single("body", f"Not JSON: {error.msg}") from error
    if not isinstance(event, dict):
        raise ValidationFailed.single("body", "Must be a JSON object.")
    kind_name = event.get("type")
    kind = EVENT_KINDS.get(kind_name) if isinstance(kind_name, str) else None
    if kind is None:
        raise ValidationFailed.single("type", f"One of {', '.join(EVENT_KINDS)}.")
    v = Validator()
    for name in kind.required:
        v.check(isinstance(event.get(name), str), name, "Required, a string.")
    for name in kind.optional:
        v.check(event.get(name) is None or isinstance(event[name], str), name, "A string.")
    v.raise_if_any()
    return kind, {name: event.get(name) for name in (*kind.required, *kind.optional)}


async def _limited_body(request: Request) -> bytes:
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            raise BodyTooLarge(MAX_BODY_BYTES)
    return body


class TelephonyEvents:
    def __init__(self, authenticator: Authenticator, execute: Execute) -> None:
        self._authenticator = authenticator
        self._execute = execute

    async def handle(self, request: Request) -> JSONResponse:
        try:
            principal = await self._authenticator.principal_for(
                request.headers.get("authorization")
            )
            kind, variables = parse_event(await _limited_body(request))
        except (Unauthenticated, ValidationFailed) as error:
            return _domain_error(error)
        except BodyTooLarge as error:
            return too_large_response(error.max_bytes)
        result = await self._execute(request, principal, kind.document, variables)
        if result.errors:
            return telephony_error_response([error.formatted for error in result.errors])
        assert result.data is not None
        return JSONResponse({"event": result.data["event"]})
