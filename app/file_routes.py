"""HTTP around files: the guard of multipart requests (GraphQL uploads) and authenticated
downloads (an import's failed rows, an export's file).

Multipart requests are refused before their body is read unless they carry a bearer token and a
Content-Length within the import limit. A page of another site can post a multipart form without
a CORS preflight (CSRF), but it cannot set the Authorization header; and no cookie authenticates
here, so a forged form is anonymous and refused.
"""

from collections.abc import Awaitable, Callable

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Scope

from app.authenticator import Authenticator
from app.principal import Principal, PrincipalKind
from models.errors import BadRequest, DomainError, Unauthenticated

MB = 1 << 20
# Room for the multipart framing and the `operations` and `map` parts besides the file.
MULTIPART_OVERHEAD = MB
HTTP_STATUS = {
    "UNAUTHENTICATED": 401,
    "FORBIDDEN": 403,
    "NOT_FOUND": 404,
    "CONFLICT": 409,
    "GONE": 410,
    "CRM_DISABLED": 403,
}


def error_response(error: DomainError, status: int | None = None) -> JSONResponse:
    """A domain error as the GraphQL endpoint would report it, with a fitting HTTP status."""
    body = {"data": None, "errors": [{"message": error.message, "extensions": error.extensions}]}
    return JSONResponse(body, status_code=status or HTTP_STATUS.get(error.code, 400))


def is_upload(scope: Scope) -> bool:
    return Headers(scope=scope).get("content-type", "").lower().startswith("multipart/")


def upload_refusal(scope: Scope, principal: Principal, max_mb: int) -> Response | None:
    """Why a multipart request is refused, as its response; None for any other request."""
    if not is_upload(scope):
        return None
    headers = Headers(scope=scope)
    if principal.kind is PrincipalKind.ANONYMOUS:
        return error_response(Unauthenticated("File uploads need an Authorization bearer token."))
    length = headers.get("content-length", "")
    if not length.isdigit():
        return error_response(BadRequest("A file upload needs a Content-Length."), 411)
    if int(length) > max_mb * MB + MULTIPART_OVERHEAD:
        too_large = BadRequest(
            f"The file is larger than {max_mb} MB (CRM_IMPORT_MAX_MB).", field="file", maxMb=max_mb
        )
        return error_response(too_large, 413)
    return None


Responder = Callable[[Request, Principal, str], Awaitable[Response]]


def download_endpoint(authenticator: Authenticator, respond: Responder) -> Callable:
    """A ``GET /…/{job_id}…`` route for the bearer of a token; domain errors answer as JSON."""

    async def endpoint(request: Request) -> Response:
        try:
            principal = await authenticator.principal_for(request.headers.get("authorization"))
            return await respond(request, principal, request.path_params["job_id"])
        except DomainError as error:
            return error_response(error)

    return endpoint
