"""Parses and validates each GraphQL document once per process and schema: clients send the same
few documents over and over, and parsing one costs a fifth of a millisecond, validating it
milliseconds, more than the rest of a small request.

Only documents that validated are kept, so that requests which fail (anyone can send garbage)
neither fill the cache nor push out what is used. It is bounded by entries and by an estimate of
the memory the parsed documents hold (about 400 bytes per token besides the text); a document of
more than ``MAX_DOCUMENT_BYTES`` is never kept.

A document that is not kept is left to Strawberry's parse and validation, which report its errors
like any other request error (resolvers/errors.py).
"""

import weakref
from collections import OrderedDict
from collections.abc import Hashable, Iterator
from dataclasses import dataclass

from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionContext

from graphql import DocumentNode, GraphQLSchema

MAX_DOCUMENTS = 512
MAX_DOCUMENT_BYTES = 64 * 1024
MAX_TOTAL_BYTES = 32 * 1024 * 1024
# Measured with tracemalloc on documents of 4,000 to 6,000 tokens: 360 to 410 bytes per token.
BYTES_PER_TOKEN = 400

Key = tuple[int, str, Hashable]


def _token_count(document: DocumentNode) -> int:
    token = document.loc.start_token if document.loc else None
    count = 0
    while token is not None:
        count += 1
        token = token.next
    return count


@dataclass(frozen=True)
class _Entry:
    # Weak: the cache must not keep a schema the tenant apps have let go; a new schema that gets
    # the id of a dead one does not find its documents.
    schema: weakref.ref[GraphQLSchema]
    document: DocumentNode
    size: int


class ValidatedDocuments:
    """An LRU of ``(schema, text, parse options) -> document``, bounded by entries and bytes."""

    def __init__(
        self,
        max_entries: int = MAX_DOCUMENTS,
        max_bytes: int = MAX_TOTAL_BYTES,
        max_document_bytes: int = MAX_DOCUMENT_BYTES,
    ) -> None:
        self._entries: OrderedDict[Key, _Entry] = OrderedDict()
        self._max_entries = max_entries
        self._max_bytes = max_bytes
        self._max_document_bytes = max_document_bytes
        self.size = 0

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, schema: GraphQLSchema, key: Key) -> DocumentNode | None:
        entry = self._entries.get(key)
        if entry is None or entry.schema() is not schema:
            return None
        self._entries.move_to_end(key)
        return entry.document

    def put(self, schema: GraphQLSchema, key: Key, document: DocumentNode) -> None:
        text = key[1]
        if len(text) > self._max_document_bytes:  # at least a byte a character: no need to encode
            return
        text_bytes = len(text.encode(errors="replace"))
        size = text_bytes + BYTES_PER_TOKEN * _token_count(document)
        if text_bytes > self._max_document_bytes or size > self._max_bytes:
            return
        self._remove(key)
        self._entries[key] = _Entry(weakref.ref(schema), document, size)
        self.size += size
        while len(self._entries) > self._max_entries or self.size > self._max_bytes:
            self._remove(next(iter(self._entries)))

    def _remove(self, key: Key) -> None:
        entry = self._entries.pop(key, None)
        if entry is not None:
            self.size -= entry.size


DOCUMENTS = ValidatedDocuments()


class ParseOnce(SchemaExtension):
    """Takes a kept document, skipping parse and validation; keeps one that validated."""

    def __init__(self, *, execution_context: ExecutionContext | None = None) -> None:
        super().__init__(execution_context=execution_context)
        self._kept = False

    def _key(self) -> Key:
        context = self.execution_context
        options = tuple(sorted(context.parse_options.items()))
        return (id(context.schema._schema), context.query or "", options)

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        if context.query and context.graphql_document is None:
            document = DOCUMENTS.get(context.schema._schema, self._key())
            if document is not None:
                context.graphql_document = document
                self._kept = True
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        if self._kept:
            context.pre_execution_errors = []  # validated when it was kept
        yield
        if not self._kept and context.pre_execution_errors == [] and context.query:
            assert context.graphql_document is not None
            DOCUMENTS.put(context.schema._schema, self._key(), context.graphql_document)
