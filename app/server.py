"""The ASGI application: ``/graphql`` (HTTP, WebSocket, GraphiQL), ``/telephony/events``,
``/healthz``, ``/readyz``."""

import asyncio
import json
import logging
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from beanie import PydanticObjectId
from cross_web import AsyncHTTPRequestAdapter, HTTPException
from pymongo.errors import ConnectionFailure
from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.types import Message, Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http.websocket_origin import is_same_origin, normalize_origin
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types.unset import UNSET, UnsetType

from app.body_limit import BodyLimit
from app.demo import ensure_demo_data, show_demo_login
from app.file_routes import download_endpoint, error_response, upload_refusal
from app.graphiql import asset as graphiql_asset
from app.graphiql import page as graphiql_page
from app.json_body import UnreadableJson, decode_json
from app.principal import Principal, PrincipalKind
from app.segmentation_jobs import JOBS as SEGMENTATION_JOBS
from app.services import Services
from app.settings import Settings
from app.socket_sessions import WS_FORBIDDEN, SocketSession
from app.stopping import stop_within
from app.telephony import TelephonyEvents
from graphql import ExecutionResult
from models.errors import BadRequest, NotFound, ServiceUnavailable, Unauthenticated
from models.field_definition import FieldDefinition
from resolvers.context import Context
from resolvers.exports.download import export_file_response
from resolvers.exports.storage import sweep_exports_forever
from resolvers.imports.download import errors_csv_response
from resolvers.imports.jobs import register_job_handlers
from resolvers.schema import CrmSchema, Limits, build_schema

log = logging.getLogger(__name__)

CONNECTION_INIT_TIMEOUT_SECONDS = 10.0
# Shutdown: how long the background workers get to stop (crm serve ends within 10 s).
STOP_SECONDS = 3.0
PRINCIPAL_KEY = "crm.principal"
# Live company schemas (about 1 MB each with 200 custom fields).
SCHEMA_CACHE_SIZE = 64

# graphql-transport-ws close codes
WS_BAD_REQUEST = 4400
WS_UNAUTHORIZED = 4401
WS_INIT_TIMEOUT = 4408
WS_SUBPROTOCOL_NOT_ACCEPTABLE = 4406
WS_POLICY_VIOLATION = 1008


class CrmGraphQL(GraphQL):
    """Strawberry's ASGI app, with a context built from the principal the dispatcher found.

    Strawberry answers a request it cannot read (not JSON, batching, a broken multipart form)
    in plain text: here those refusals go to the app's HTTP error handler, which answers them like
    every other error; and its JSON is read by app/json_body.py.
    """

    def __init__(self, services: Services, schema: CrmSchema) -> None:
        super().__init__(
            schema,
            subscription_protocols=[GRAPHQL_TRANSPORT_WS_PROTOCOL],
            allowed_origins=services.settings.cors_origins,
            # File uploads (contact imports); app/file_routes.py guards them against CSRF.
            multipart_uploads_enabled=True,
        )
        self.services = services

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket | None = None
    ) -> Context:
        return Context(
            request=request,
            response=response,
            services=self.services,
            principal=request.scope[PRINCIPAL_KEY],
        )

    async def run(
        self,
        request: Request | WebSocket,
        context: Context | UnsetType = UNSET,
        root_value: UnsetType | None = UNSET,
    ) -> Response | WebSocket:
        try:
            return await super().run(request, context, root_value)
        except HTTPException as error:
            raise StarletteHTTPException(error.status_code, error.reason) from error

    async def render_graphql_ide(self, request: Request) -> Response:
        """Our GraphiQL page, whose assets the service serves itself (app/graphiql.py)."""
        return graphiql_page()

    def decode_json(self, data: str | bytes) -> object:
        return decode_json(data)

    def parse_json(self, data: str | bytes) -> Any:
        """A request body, GET ``variables`` or a multipart part: an object (a list is a batch)."""
        try:
            value = decode_json(data)
        except UnreadableJson as error:
            raise HTTPException(400, f"Unable to parse the request's JSON: {error.msg}") from error
        if not isinstance(value, dict | list):
            raise HTTPException(400, "The request's JSON must be an object.")
        return value

    async def parse_multipart(self, request: AsyncHTTPRequestAdapter) -> dict[str, str]:
        try:
            return await super().parse_multipart(request)
        except (AttributeError, TypeError, ValueError, IndexError) as error:
            # Strawberry follows the paths of `map` into `operations` without checking them.
            raise HTTPException(400, "The multipart `map` does not fit `operations`.") from error


async def _http_error(request: Request, error: StarletteHTTPException) -> Response:
    """Starlette's own refusals (no such route, method not allowed, a broken multipart form) and
    Strawberry's, with the body of a GraphQL error instead of plain text."""
    if error.status_code == 404:
        refusal = error_response(NotFound("Path", request.url.path), 404)
    else:
        refusal = error_response(BadRequest(error.detail), error.status_code)
    refusal.headers.update(error.headers or {})
    return refusal


async def _database_unavailable(_: Request, __: Exception) -> Response:
    """A request that needed the database while it is away (app/db.py): try again shortly."""
    refusal = error_response(ServiceUnavailable(), 503)
    refusal.headers["Retry-After"] = str(ServiceUnavailable.retry_after_seconds)
    return refusal


def _unauthenticated_response(error: Unauthenticated) -> JSONResponse:
    body = {"data": None, "errors": [{"message": error.message, "extensions": error.extensions}]}
    return JSONResponse(body, status_code=401)


class TenantApps:
    """One GraphQL app per (company, fields version), built on first use and kept in an LRU.

    The company document, and so its ``fields_version``, is read on every request: a change of
    field definitions made by any process is seen on the next request. Companies without custom
    fields share the base app.
    """

    def __init__(self, services: Services, max_size: int = SCHEMA_CACHE_SIZE) -> None:
        settings = services.settings
        self._services = services
        self._limits = Limits(settings.max_query_depth, settings.max_aliases, settings.max_tokens)
        self.base = CrmGraphQL(services, build_schema((), self._limits))
        self._apps: OrderedDict[tuple[PydanticObjectId, int], CrmGraphQL] = OrderedDict()
        self._max_size = max_size
        self._lock = asyncio.Lock()

    async def app_for(self, principal: Principal) -> CrmGraphQL:
        company = principal.company
        if company is None or company.id is None:
            return self.base
        key = (company.id, company.fields_version)
        if (app := self._apps.get(key)) is not None:
            self._apps.move_to_end(key)
            return app
        async with self._lock:  # one build at a time: a build holds the loop for milliseconds
            if (app := self._apps.get(key)) is None:
                app = await self._build(company.id)
                self._apps[key] = app
                while len(self._apps) > self._max_size:
                    self._apps.popitem(last=False)
        return app

    async def _build(self, company_id: PydanticObjectId) -> CrmGraphQL:
        definitions = await FieldDefinition.find({"tenant_id": company_id}).to_list()
        if not definitions:
            return self.base
        return CrmGraphQL(self._services, build_schema(definitions, self._limits))


class GraphQLDispatcher:
    """Authenticates each request, then hands it to the GraphQL app.

    On a WebSocket the token arrives only in ``connection_init``, after the handshake: the
    dispatcher accepts the socket itself, reads that first message, verifies it, and replays the
    handshake and the message to the app (whose own ``accept`` it drops).
    """

    def __init__(self, services: Services) -> None:
        self.services = services
        self.apps = TenantApps(services)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            await self._websocket(scope, receive, send)
            return
        try:
            principal = await self._principal(Headers(scope=scope).get("authorization"))
        except Unauthenticated as error:
            await _unauthenticated_response(error)(scope, receive, send)
            return
        scope[PRINCIPAL_KEY] = principal
        refusal = upload_refusal(scope, principal, self.services.settings.import_max_mb)
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        app = await self.apps.app_for(principal)
        await app(scope, receive, send)

    async def _principal(self, authorization: str | None) -> Principal:
        return await self.services.authenticator.principal_for(authorization)

    async def execute(
        self, request: Request, principal: Principal, document: str, variables: dict[str, Any]
    ) -> ExecutionResult:
        """Runs one operation on the principal's schema, outside the GraphQL endpoint."""
        request.scope[PRINCIPAL_KEY] = principal
        app = await self.apps.app_for(principal)
        context = await app.get_context(request)
        return await app.schema.execute(document, variable_values=variables, context_value=context)

    def _origin_allowed(self, scope: Scope) -> bool:
        headers = Headers(scope=scope)
        origin = headers.get("origin")
        if origin is None or is_same_origin(origin, headers.get("host")):
            return True
        allowed = self.services.settings.cors_origins
        return "*" in allowed or normalize_origin(origin) in {normalize_origin(o) for o in allowed}

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        connect = await receive()
        if not self._origin_allowed(scope):
            await send({"type": "websocket.close", "code": WS_POLICY_VIOLATION})
            return
        if GRAPHQL_TRANSPORT_WS_PROTOCOL not in scope.get("subprotocols", []):
            await send({"type": "websocket.close", "code": WS_SUBPROTOCOL_NOT_ACCEPTABLE})
            return
        await send({"type": "websocket.accept", "subprotocol": GRAPHQL_TRANSPORT_WS_PROTOCOL})
        try:
            first = await asyncio.wait_for(receive(), CONNECTION_INIT_TIMEOUT_SECONDS)
        except TimeoutError:
            await _close(send, WS_INIT_TIMEOUT, "Connection initialisation timeout")
            return
        if first["type"] != "websocket.receive":
            return
        init = _json_message(first)
        if init is None or init.get("type") != "connection_init":
            await _close(send, WS_UNAUTHORIZED, "Unauthorized")
            return
        try:
            authorization = _init_authorization(init)
        except ValueError as error:
            await _close(send, WS_BAD_REQUEST, str(error))
            return
        try:
            principal, expires_at = await self.services.authenticator.session_for(authorization)
        except Unauthenticated:
            principal = None
        if authorization is None or principal is None or principal.kind is PrincipalKind.ANONYMOUS:
            await _close(send, WS_FORBIDDEN, "Forbidden: a valid bearer token is required")
            return
        scope[PRINCIPAL_KEY] = principal
        session = SocketSession(
            self.services.authenticator, authorization, principal, expires_at, send
        )
        async with session.running(scope, receive, [connect, first]) as (app_receive, app_send):
            app = await self.apps.app_for(principal)
            await app(scope, app_receive, app_send)


def _init_authorization(init: dict[str, Any]) -> str | None:
    """The ``authorization`` of a ``connection_init`` payload; ValueError when it is malformed."""
    payload = init.get("payload")
    if payload is None:
        return None
    if not isinstance(payload, dict):
        raise ValueError("The connection_init payload must be an object.")
    authorization = payload.get("authorization", payload.get("Authorization"))
    if authorization is not None and not isinstance(authorization, str):
        raise ValueError("The connection_init authorization must be a string.")
    return authorization


def _json_message(message: Message) -> dict[str, Any] | None:
    raw = message.get("text") or message.get("bytes")
    try:
        decoded = json.loads(raw) if raw else None
    except (ValueError, RecursionError):  # not JSON (not UTF-8 either), or nested too deep
        return None
    return decoded if isinstance(decoded, dict) else None


async def _close(send: Send, code: int, reason: str) -> None:
    await send({"type": "websocket.close", "code": code, "reason": reason})


def _download(services: Services, respond: Callable[[Context, str], Awaitable[Response]]):
    """A download route answering the bearer of a token as its GraphQL requests would."""

    async def in_context(request: Request, principal: Principal, job_id: str) -> Response:
        context = Context(request=request, response=None, services=services, principal=principal)
        return await respond(context, job_id)

    return download_endpoint(services.authenticator, in_context)


def create_app(
    settings: Settings, services: Services | None = None, *, demo: bool = False
) -> Starlette:
    services = services or Services.create(settings)
    dispatcher = GraphQLDispatcher(services)
    register_job_handlers(services)
    telephony = TelephonyEvents(services.authenticator, dispatcher.execute)

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        await services.database.connect()
        await SEGMENTATION_JOBS.resume()
        await services.call_bus.start()
        await services.crm_pushes.start()
        if demo:
            login = await ensure_demo_data(services.tokens)
            url = f"http://{settings.host}:{settings.port}/graphql"
            print(show_demo_login(login.token, url, settings.data_dir), flush=True)
        await services.jobs.start()  # and so resume the jobs a stopped process left
        export_sweeper = asyncio.create_task(sweep_exports_forever(settings))
        try:
            yield
        finally:
            export_sweeper.cancel()
            await stop_within(
                STOP_SECONDS,
                jobs=services.jobs.stop(),
                crm_pushes=services.crm_pushes.stop(),
                call_bus=services.call_bus.stop(),
                segmentation=SEGMENTATION_JOBS.stop(),
            )
            await services.database.close()

    async def healthz(_: Request) -> Response:
        """Whether the process can serve: its database answered the last check."""
        if services.database.available:
            return PlainTextResponse("ok")
        return PlainTextResponse("database unavailable", status_code=503)

    async def readyz(_: Request) -> Response:
        if await services.database.ready():
            return PlainTextResponse("ready")
        return PlainTextResponse("database unavailable", status_code=503)

    app = Starlette(
        routes=[
            Route("/graphql", dispatcher, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", dispatcher),
            Route("/graphiql/assets/{name:path}", graphiql_asset),
            Route("/imports/{job_id}/errors.csv", _download(services, errors_csv_response)),
            Route("/exports/{job_id}", _download(services, export_file_response)),
            Route("/telephony/events", telephony.handle, methods=["POST"]),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
        ],
        middleware=[
            Middleware(
                CORSMiddleware,
                allow_origins=settings.cors_origins,
                allow_methods=["GET", "POST", "OPTIONS"],
                allow_headers=["Authorization", "Content-Type"],
                max_age=600,
            ),
            Middleware(BodyLimit, max_bytes=settings.max_request_bytes),
        ],
        exception_handlers={
            StarletteHTTPException: _http_error,
            ConnectionFailure: _database_unavailable,
        },
        lifespan=lifespan,
    )
    app.state.services = services
    return app
