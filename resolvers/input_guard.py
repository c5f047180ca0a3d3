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

from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, NamedTuple

from graphql.utilities import get_operation_ast
from strawberry.extensions import SchemaExtension

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentSpreadNode,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLSchema,
    InlineFragmentNode,
    ListValueNode,
    ObjectValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    StringValueNode,
    VariableNode,
    get_named_type,
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
# Documents whose argument sites each schema keeps (clients send the same few documents).
MAX_DOCUMENTS = 256


@dataclass
class _Filter:
    """One filter argument being walked: where it is, and its conditions so far."""

    path: Path
    conditions: int = 0


class _Value(NamedTuple):
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


def _argument_sites(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    bounds: dict[str, Bound],
) -> tuple[_Value, ...]:
    """Every argument of every field the operation selects, fragments followed."""
    sites: list[_Value] = []
    fragments = {d.name.value: d for d in document.definitions if hasattr(d, "type_condition")}
    seen: set[str] = set()
    root = schema.get_root_type(operation.operation)
    pending: list[tuple[Any, SelectionSetNode]] = [(root, operation.selection_set)]
    while pending:
        parent, selection_set = pending.pop()
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                field = getattr(parent, "fields", {}).get(selection.name.value)
                if field is None:
                    continue
                for argument in selection.arguments or ():
                    name = argument.name.value
                    definition = field.args.get(name)
                    if definition is not None:
                        bound = bounds.get(f"{parent.name}.{selection.name.value}.{name}", DEFAULT)
                        sites.append(
                            _Value((name,), definition.type, argument.value, bound, ast=True)
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
            pending.append(
                (
                    schema.get_type(condition.name.value) if condition else parent,
                    fragment.selection_set,
                )
            )
    return tuple(sites)


class _Walk:
    def __init__(
        self,
        operation: OperationDefinitionNode,
        variables: dict[str, Any],
        bounds: dict[str, Bound],
    ) -> None:
        self.variables = variables
        self.bounds = bounds
        self.defaults = {
            d.variable.name.value: d.default_value for d in operation.variable_definitions or ()
        }
        self.errors: list[FieldError] = []

    def run(self, sites: tuple[_Value, ...]) -> list[FieldError]:
        stack = list(reversed(sites))
        while stack and len(self.errors) < MAX_ERRORS:
            item = stack.pop()
            if item.ast and isinstance(item.value, VariableNode):
                self._resolve(item, stack)
            else:
                self._check(item, stack)
        return self.errors

    def _error(self, path: Path, message: str) -> None:
        self.errors.append(FieldError(_dotted(path), message))

    def _resolve(self, item: _Value, stack: list[_Value]) -> None:
        """A variable where it is used: its sent value, or the default of its definition."""
        name = item.value.name.value
        if name in self.variables:
            value = self.variables[name]
            stack.append(item._replace(value=value, ast=False, holder=self.variables, slot=name))
        elif self.defaults.get(name) is not None:
            stack.append(item._replace(value=self.defaults[name]))

    def _check(self, item: _Value, stack: list[_Value]) -> None:
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
        graphql_type = item.type
        if isinstance(graphql_type, GraphQLNonNull):
            graphql_type = graphql_type.of_type
        if isinstance(value, str):
            if not isinstance(graphql_type, (GraphQLList, GraphQLInputObjectType)):
                self._text(item.path, value, item.bound, item.ast, item.holder, item.slot)
            return
        if not isinstance(value, (dict, list)):
            return
        if item.depth >= MAX_INPUT_DEPTH:
            self._error(item.path, f"Nested more than {MAX_INPUT_DEPTH} levels deep.")
        elif isinstance(graphql_type, GraphQLList):
            self._list(item, graphql_type, value, stack)
        elif isinstance(graphql_type, GraphQLInputObjectType) and isinstance(value, dict):
            self._object(item, graphql_type, value, stack)

    def _list(
        self, item: _Value, graphql_type: GraphQLList, value: Any, stack: list[_Value]
    ) -> None:
        of_type = graphql_type.of_type
        if not isinstance(value, list):
            # A single value stands for a list of one.
            stack.append(item._replace(type=of_type))
            return
        if len(value) > item.bound.items:
            self._error(item.path, f"At most {item.bound.items} items.")
            return
        path = item.path
        if not item.ast and is_leaf_type(get_named_type(of_type)):
            # Values sent in variables (an ``in`` list): looked at here, without a stack entry.
            for index, element in enumerate(value):
                if isinstance(element, str):
                    self._text((*path, index), element, item.bound, False, value, index)
            return
        depth = item.depth + 1
        for index in reversed(range(len(value))):
            stack.append(
                item._replace(
                    path=(*path, index),
                    type=of_type,
                    value=value[index],
                    depth=depth,
                    holder=value,
                    slot=index,
                )
            )

    def _object(
        self,
        item: _Value,
        graphql_type: GraphQLInputObjectType,
        value: dict[str, Any],
        stack: list[_Value],
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
            stack.append(
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

    def _text(
        self, path: Path, value: str, bound: Bound, ast: bool, holder: Any, slot: Any
    ) -> None:
        if len(value) > bound.length:
            self._error(path, f"At most {bound.length} characters.")
            return
        try:
            cleaned = clean_text(value, bound.text)
        except InvalidText as error:
            self._error(path, str(error))
            return
        if cleaned == value:
            return
        if ast:
            self._error(path, NOT_NORMALIZED)
        else:
            holder[slot] = cleaned


class InputRules:
    """A schema's bounds, and the argument sites of the operations run on it: finding them walks
    the whole selection, the same for every request of a document."""

    def __init__(self, bounds: dict[str, Bound]) -> None:
        self.bounds = bounds
        self._sites: OrderedDict[int, tuple[OperationDefinitionNode, tuple[_Value, ...]]] = (
            OrderedDict()
        )

    def errors(
        self,
        schema: GraphQLSchema,
        document: DocumentNode,
        operation_name: str | None,
        variables: dict[str, Any],
    ) -> list[FieldError]:
        """Every value of the operation over its bound or breaking the text rules; the text of
        ``variables`` is brought to its kept form in place."""
        operation = get_operation_ast(document, operation_name)
        if operation is None:
            return []
        return _Walk(operation, variables, self.bounds).run(
            self._sites_of(schema, document, operation)
        )

    def _sites_of(
        self, schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode
    ) -> tuple[_Value, ...]:
        kept = self._sites.get(id(operation))
        if kept is not None and kept[0] is operation:
            self._sites.move_to_end(id(operation))
            return kept[1]
        sites = _argument_sites(schema, document, operation, self.bounds)
        self._sites[id(operation)] = (operation, sites)
        if len(self._sites) > MAX_DOCUMENTS:
            self._sites.popitem(last=False)
        return sites


class InputGuard(SchemaExtension):
    """Refuses, before execution, an operation whose values break a bound or the text rules."""

    def __init__(self, rules: InputRules) -> None:
        super().__init__()
        self.rules = rules

    def on_execute(self) -> Iterator[None]:
        # Before the yield: the document has validated, and graphql-core has not yet coerced
        # the variables. Raised here, the error is reported like a resolver's, on every path
        # (HTTP, WebSocket, subscriptions).
        context = self.execution_context
        assert context.graphql_document is not None
        variables = context.variables if isinstance(context.variables, dict) else {}
        errors = self.rules.errors(
            context.schema._schema, context.graphql_document, context.operation_name, variables
        )
        if errors:
            raise ValidationFailed(errors)
        yield
