"""Bounds and text rules for every value of every operation, checked after validation and before
anything else reads the values (graphql-core's coercion of variables, the resolvers).

Every argument of the operation is walked against the schema's input types: literals of the
document, and the request's variables (their raw JSON) where they are used, with the path the
codebase names values by (``input.phones.3.number``, ``filter.or.2.and``); validation refuses
unused variables, and those of ``@include``/``@skip`` are booleans. The walk is iterative, looks
at a list's length before its items, and follows only the schema's types, so a 10,000-value
``in`` or a filter nested 5,000 levels deep is refused at once. One ``VALIDATION_FAILED`` lists
every value over its bound (resolvers/input_bounds.py) or breaking the text rules
(models/text_rules.py).

Text of variables is rewritten in place to the form the service keeps (NFC, invisible
characters dropped); text written in the document itself must already be in that form, since
parsed documents are shared between requests: a client sends user text as variables.
"""

from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

from graphql.utilities import get_operation_ast
from strawberry.extensions import SchemaExtension

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentSpreadNode,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    ListValueNode,
    ObjectValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    StringValueNode,
    VariableNode,
    get_named_type,
    get_nullable_type,
    is_leaf_type,
)
from models.errors import FieldError, ValidationFailed
from models.text_rules import InvalidText, clean_text
from resolvers.input_bounds import (
    DEFAULT,
    MAX_FILTER_CONDITIONS,
    MAX_FILTER_NESTING,
    MAX_INPUT_DEPTH,
    Bound,
)

# Enough to show a client its mistakes; past this the walk stops.
MAX_ERRORS = 50
COMBINATORS = ("and", "or", "not")
NOT_NORMALIZED = (
    "Not in normal form (NFC, without invisible characters): send such text as a variable."
)

Path = tuple[str | int, ...]


@dataclass
class _Filter:
    """One filter argument being walked: where it is, and its conditions so far."""

    path: Path
    conditions: int = 0


@dataclass(frozen=True)
class _Value:
    """A value to look at: an AST node of the document, or raw JSON of a variable, which
    ``slot`` of ``holder`` holds (for rewriting its text)."""

    path: Path
    type: GraphQLInputType
    value: Any
    bound: Bound
    depth: int = 0
    ast: bool = False
    holder: Any = None
    slot: Any = None
    filter: _Filter | None = None
    nesting: int = 0


def _dotted(path: Path) -> str:
    return ".".join(str(part) for part in path)


class _Walk:
    def __init__(
        self,
        schema: GraphQLSchema,
        operation: OperationDefinitionNode,
        document: DocumentNode,
        variables: dict[str, Any],
        bounds: dict[str, Bound],
    ) -> None:
        self.schema = schema
        self.document = document
        self.operation = operation
        self.variables = variables
        self.bounds = bounds
        self.defaults = {
            d.variable.name.value: d.default_value for d in operation.variable_definitions or ()
        }
        self.errors: list[FieldError] = []
        self.stack: list[_Value] = []

    def run(self) -> list[FieldError]:
        root = self.schema.get_root_type(self.operation.operation)
        if root is not None:
            self._push_arguments(root, self.operation.selection_set)
        self._drain()
        return self.errors

    def _push_arguments(self, root: GraphQLObjectType, selections: SelectionSetNode) -> None:
        """Every argument of every field the operation selects, fragments followed."""
        pending: list[tuple[GraphQLNamedType, SelectionSetNode]] = [(root, selections)]
        fragments = {
            d.name.value: d for d in self.document.definitions if hasattr(d, "type_condition")
        }
        seen: set[str] = set()
        while pending:
            parent, selection_set = pending.pop()
            for selection in selection_set.selections:
                if isinstance(selection, FieldNode):
                    fields = getattr(parent, "fields", {})
                    field = fields.get(selection.name.value)
                    if field is None:
                        continue
                    for argument in selection.arguments or ():
                        definition = field.args.get(argument.name.value)
                        if definition is None:
                            continue
                        place = f"{parent.name}.{selection.name.value}.{argument.name.value}"
                        self.stack.append(
                            _Value(
                                (argument.name.value,),
                                definition.type,
                                argument.value,
                                self.bounds.get(place, DEFAULT),
                                ast=True,
                            )
                        )
                    if selection.selection_set is not None:
                        pending.append((get_named_type(field.type), selection.selection_set))
                    continue
                if isinstance(selection, FragmentSpreadNode):
                    name = selection.name.value
                    if name in seen or name not in fragments:
                        continue
                    seen.add(name)
                    fragment = fragments[name]
                else:
                    assert isinstance(selection, InlineFragmentNode)
                    fragment = selection
                condition = fragment.type_condition
                named = self.schema.get_type(condition.name.value) if condition else parent
                if named is not None:
                    pending.append((named, fragment.selection_set))

    def _error(self, path: Path, message: str) -> None:
        self.errors.append(FieldError(_dotted(path), message))

    def _drain(self) -> None:
        while self.stack and len(self.errors) < MAX_ERRORS:
            item = self.stack.pop()
            if item.ast and isinstance(item.value, VariableNode):
                self._resolve(item)
            else:
                self._check(item)

    def _resolve(self, item: _Value) -> None:
        """A variable where it is used: its sent value, or the default of its definition."""
        name = item.value.name.value
        if name in self.variables:
            raw = _Value(
                item.path,
                item.type,
                self.variables[name],
                item.bound,
                item.depth,
                holder=self.variables,
                slot=name,
                filter=item.filter,
                nesting=item.nesting,
            )
            self.stack.append(raw)
        elif self.defaults.get(name) is not None:
            self.stack.append(
                _Value(
                    item.path,
                    item.type,
                    self.defaults[name],
                    item.bound,
                    item.depth,
                    ast=True,
                    filter=item.filter,
                    nesting=item.nesting,
                )
            )

    def _check(self, item: _Value) -> None:
        value = item.value
        if item.ast:
            if isinstance(value, ObjectValueNode):
                value = {f.name.value: f.value for f in value.fields}
            elif isinstance(value, ListValueNode):
                value = list(value.values)
            elif isinstance(value, StringValueNode):
                value = value.value
            else:
                return
        if isinstance(value, (dict, list)) and item.depth >= MAX_INPUT_DEPTH:
            self._error(item.path, f"Nested more than {MAX_INPUT_DEPTH} levels deep.")
            return
        graphql_type = get_nullable_type(item.type)
        if isinstance(graphql_type, GraphQLList):
            self._list(item, graphql_type, value)
        elif isinstance(graphql_type, GraphQLInputObjectType):
            if isinstance(value, dict):
                self._object(item, graphql_type, value)
        elif isinstance(value, str):
            self._text(item, value)

    def _list(self, item: _Value, graphql_type: GraphQLList, value: Any) -> None:
        if not isinstance(value, list):
            # A single value stands for a list of one.
            self.stack.append(replace(item, type=graphql_type.of_type))
            return
        if len(value) > item.bound.items:
            self._error(item.path, f"At most {item.bound.items} items.")
            return
        for index in reversed(range(len(value))):
            self.stack.append(
                replace(
                    item,
                    path=(*item.path, index),
                    type=graphql_type.of_type,
                    value=value[index],
                    depth=item.depth + 1,
                    holder=value,
                    slot=index,
                )
            )

    def _object(
        self, item: _Value, graphql_type: GraphQLInputObjectType, value: dict[str, Any]
    ) -> None:
        fields = graphql_type.fields
        if len(value) > len(fields):
            self._error(item.path, f"At most {len(fields)} members.")
            return
        combinator = all(name in fields for name in COMBINATORS)
        filter_ = item.filter or (_Filter(item.path) if combinator else None)
        for name in reversed(value):
            field = fields.get(name)
            member = value[name]
            if field is None or member is None:
                continue
            path = (*item.path, name)
            nesting = item.nesting
            if combinator and name in COMBINATORS:
                nesting += 1
                if nesting > MAX_FILTER_NESTING:
                    self._error(path, f"Filters nest at most {MAX_FILTER_NESTING} levels deep.")
                    continue
            elif filter_ is not None and is_leaf_type(get_named_type(field.type)):
                filter_.conditions += 1
                if filter_.conditions > MAX_FILTER_CONDITIONS:
                    if filter_.conditions == MAX_FILTER_CONDITIONS + 1:
                        self._error(
                            filter_.path,
                            f"At most {MAX_FILTER_CONDITIONS} conditions in a filter.",
                        )
                    continue
            self.stack.append(
                _Value(
                    path,
                    field.type,
                    member,
                    self.bounds.get(f"{graphql_type.name}.{name}", DEFAULT),
                    item.depth + 1,
                    item.ast,
                    value,
                    name,
                    filter_,
                    nesting,
                )
            )

    def _text(self, item: _Value, value: str) -> None:
        if len(value) > item.bound.length:
            self._error(item.path, f"At most {item.bound.length} characters.")
            return
        try:
            cleaned = clean_text(value, item.bound.text)
        except InvalidText as error:
            self._error(item.path, str(error))
            return
        if cleaned == value:
            return
        if item.ast:
            self._error(item.path, NOT_NORMALIZED)
        else:
            item.holder[item.slot] = cleaned


def input_errors(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    variables: dict[str, Any],
    bounds: dict[str, Bound],
) -> list[FieldError]:
    """Every value of the operation over its bound or breaking the text rules; the text of
    ``variables`` is brought to its kept form in place."""
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        return []
    return _Walk(schema, operation, document, variables, bounds).run()


class InputGuard(SchemaExtension):
    """Refuses, before execution, an operation whose values break a bound or the text rules."""

    def __init__(self, bounds: dict[str, Bound]) -> None:
        super().__init__()
        self.bounds = bounds

    def on_execute(self) -> Iterator[None]:
        # Before the yield: the document has validated, and graphql-core has not yet coerced
        # the variables. Raised here, the error is reported like a resolver's, on every path
        # (HTTP, WebSocket, subscriptions).
        context = self.execution_context
        assert context.graphql_document is not None
        variables = context.variables if isinstance(context.variables, dict) else {}
        errors = input_errors(
            context.schema._schema,
            context.graphql_document,
            context.operation_name,
            variables,
            self.bounds,
        )
        if errors:
            raise ValidationFailed(errors)
        yield
