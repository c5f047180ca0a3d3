"""Every database command of a query request carries a server-side time limit: the request's
database time (``CRM_REQUEST_READ_TIMEOUT_MS``) minus what it used, as ``maxTimeMS``.

A request whose client went away (or that asks for too much) then cannot hold the database
longer than that: the database aborts the command (MongoDB and the embedded engine both honour
``maxTimeMS``), and the request answers TIMEOUT instead of INTERNAL_SERVER_ERROR. pymongo's
``timeout`` block sets the limit for every command sent within it, in every task the request
starts (a context variable). Mutations and subscriptions are not limited: a write abandoned
halfway is worse than a slow one, and a subscription lives as long as its client.
"""

from collections.abc import Iterator
from typing import Any

import pymongo
from pymongo.errors import PyMongoError
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from app.settings import Settings
from graphql import GraphQLError
from models.errors import RequestTimeout

DEFAULT_TIMEOUT_MS = Settings.model_fields["request_read_timeout_ms"].default


class ReadTimeLimit(SchemaExtension):
    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        if context.operation_type is not OperationType.QUERY:
            yield
            return
        limit_ms = _limit_ms(context.context)
        with pymongo.timeout(limit_ms / 1000):
            yield
        result = context.result
        if result is not None and result.errors:
            result.errors = [_coded(error, limit_ms) for error in result.errors]


def _limit_ms(context: Any) -> int:
    services = getattr(context, "services", None)
    return services.settings.request_read_timeout_ms if services is not None else DEFAULT_TIMEOUT_MS


def _coded(error: GraphQLError, limit_ms: int) -> GraphQLError:
    original = error.original_error
    if not (isinstance(original, PyMongoError) and original.timeout):
        return error
    timeout = RequestTimeout(f"The query took longer than the {limit_ms} ms it may take.")
    return GraphQLError(timeout.message, error.nodes, path=error.path, original_error=timeout)
