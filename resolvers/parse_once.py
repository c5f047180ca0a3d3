"""Parses each GraphQL document once per process: clients send the same few documents over and
over, and parsing one costs a fifth of a millisecond, as much as the rest of a small request.

Strawberry's ``ParserCache`` raises a syntax error from its hook, where it escapes the shaping of
errors (resolvers/errors.py); here a document that does not parse is left to Strawberry's own
parse, which reports it like any other request error.
"""

from collections.abc import Iterator
from contextlib import suppress
from functools import lru_cache

from strawberry.extensions import SchemaExtension

from graphql import GraphQLError, parse

# Distinct documents kept, least recently used first out: one per query text and token limit.
MAX_DOCUMENTS = 512

_parse = lru_cache(maxsize=MAX_DOCUMENTS)(parse)


class ParseOnce(SchemaExtension):
    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        if context.query and context.graphql_document is None:
            with suppress(GraphQLError):
                context.graphql_document = _parse(context.query, **context.parse_options)
        yield
