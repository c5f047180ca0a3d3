"""Shapes every error of a response: a code on each; unexpected ones masked, logged with an id."""

import logging
import uuid
from collections.abc import Iterator

from pymongo.errors import ConnectionFailure
from starlette.responses import Response
from strawberry.extensions import SchemaExtension

from graphql import GraphQLError
from models.errors import DomainError, ServiceUnavailable

log = logging.getLogger("crm.errors")

INTERNAL_MESSAGE = "Internal server error."


def _request_error(error: GraphQLError) -> bool:
    """Syntax, validation and variable-coercion errors: the request itself is wrong. A scalar
    refusing a literal (ValueError, e.g. a Decimal out of range) is reported by validation with
    that error as its original, and before execution, so without a path."""
    original = error.original_error
    return (
        original is None
        or isinstance(original, GraphQLError)
        or (error.path is None and isinstance(original, ValueError))
    )


def shape_error(error: GraphQLError) -> GraphQLError:
    original = error.original_error
    if isinstance(original, DomainError):
        return error
    if isinstance(original, ConnectionFailure):  # the database is away (app/db.py)
        unavailable = ServiceUnavailable()
        return GraphQLError(
            unavailable.message, error.nodes, path=error.path, extensions=unavailable.extensions
        )
    if _request_error(error):
        if "code" not in (error.extensions or {}):
            error.extensions = {**(error.extensions or {}), "code": "BAD_REQUEST"}
        return error
    error_id = uuid.uuid4().hex
    log.error("unexpected error %s at %s", error_id, error.path, exc_info=original)
    return GraphQLError(
        INTERNAL_MESSAGE,
        nodes=error.nodes,
        path=error.path,
        extensions={"code": "INTERNAL_SERVER_ERROR", "errorId": error_id},
    )


class ErrorShaping(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is not None and result.errors:
            result.errors = [shape_error(error) for error in result.errors]
            codes = {(error.extensions or {}).get("code") for error in result.errors}
            response = getattr(self.execution_context.context, "response", None)
            if ServiceUnavailable.code in codes and isinstance(response, Response):
                response.status_code = 503
                response.headers["Retry-After"] = str(ServiceUnavailable.retry_after_seconds)
