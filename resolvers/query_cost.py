"""The cost of an operation, computed from its page sizes and nesting before it runs: an operation
above ``CRM_MAX_QUERY_COST`` is refused with BAD_REQUEST (extensions ``cost`` and ``maxCost``).

Thirty aliases of ``contacts(first: 200)`` each with ``calls { totalCount }`` under every contact
held the database for seconds on 19 contacts; depth and alias limits do not see that. The rule:

- a field that reads (one whose type is an object) costs 1 plus what it selects;
- a field with a ``first`` argument (a connection, the Kanban board) reads a page: what it selects
  per item counts ``first`` times (its default when omitted); its ``totalCount`` and
  ``pageInfo`` count once;
- ``totalCount`` costs a list scan (:data:`SCAN_COST`);
- scalars are free: they come with their object.
"""

from collections.abc import Iterator, Mapping
from typing import Any

from graphql.language import OperationType
from graphql.type.introspection import SchemaMetaFieldDef, TypeMetaFieldDef
from graphql.utilities import value_from_ast_untyped
from strawberry.extensions import SchemaExtension

from app.settings import Settings
from graphql import (
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLNamedType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
)
from models.errors import BadRequest
from resolvers.common.pagination import MAX_PAGE_SIZE

SCAN_COST = MAX_PAGE_SIZE
# Members of a connection read once per page, not once per item.
_PER_PAGE = frozenset({"totalCount", "pageInfo"})
DEFAULT_MAX_COST = Settings.model_fields["max_query_cost"].default


def operation_cost(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    variables: Mapping[str, Any],
) -> int:
    """What ``operation`` costs with ``variables`` (as sent; the defaults of the operation's
    variables and of the arguments apply as they do when it runs)."""
    root = schema.get_root_type(operation.operation)
    if root is None:
        return 0
    given = dict(variables)
    for definition in operation.variable_definitions or ():
        name = definition.variable.name.value
        if name not in given and definition.default_value is not None:
            given[name] = value_from_ast_untyped(definition.default_value)
    return _Walk(fragments, given).selections(root, operation.selection_set)


class _Walk:
    def __init__(
        self, fragments: Mapping[str, FragmentDefinitionNode], variables: dict[str, Any]
    ) -> None:
        self.fragments = fragments
        self.variables = variables

    def selections(self, parent: GraphQLNamedType, selection_set: SelectionSetNode | None) -> int:
        return sum(self.field(parent, node) for node in self._fields(parent, selection_set))

    def _fields(
        self, parent: GraphQLNamedType, selection_set: SelectionSetNode | None
    ) -> Iterator[FieldNode]:
        """The fields selected on ``parent``, fragments expanded (each counted: an upper bound)."""
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                yield selection
            elif isinstance(selection, InlineFragmentNode):
                yield from self._fields(parent, selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments.get(selection.name.value)
                if fragment is not None:
                    yield from self._fields(parent, fragment.selection_set)

    def field(self, parent: GraphQLNamedType, node: FieldNode) -> int:
        name = node.name.value
        if name == "totalCount":
            return SCAN_COST
        definition = self._definition(parent, name)
        if definition is None or node.selection_set is None:
            return 0
        child = get_named_type(definition.type)
        page = self._page_size(definition, node)
        if page is None:
            return 1 + self.selections(child, node.selection_set)
        once = per_item = 0
        for selected in self._fields(child, node.selection_set):
            cost = self.field(child, selected)
            if selected.name.value in _PER_PAGE:
                once += cost
            else:
                per_item += cost
        return 1 + once + page * per_item

    def _definition(self, parent: GraphQLNamedType, name: str) -> Any:
        if name == "__schema":
            return SchemaMetaFieldDef
        if name == "__type":
            return TypeMetaFieldDef
        fields = getattr(parent, "fields", None)
        return fields.get(name) if fields else None

    def _page_size(self, definition: Any, node: FieldNode) -> int | None:
        if "first" not in definition.args:
            return None
        first: Any = definition.args["first"].default_value
        for argument in node.arguments or ():
            if argument.name.value != "first":
                continue
            if isinstance(argument.value, VariableNode):
                first = self.variables.get(argument.value.name.value, first)
            else:
                first = value_from_ast_untyped(argument.value, self.variables)
        # A value that is not a page size is refused when the field runs; it reads nothing.
        if isinstance(first, bool) or not isinstance(first, int):
            return MAX_PAGE_SIZE
        return min(max(first, 1), MAX_PAGE_SIZE)


class QueryCost(SchemaExtension):
    """Refuses a query or mutation that costs more than the service's ``max_query_cost``."""

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        operation = _operation(context.graphql_document, context.operation_name)
        if operation is not None and operation.operation is not OperationType.SUBSCRIPTION:
            fragments = {
                d.name.value: d
                for d in context.graphql_document.definitions
                if isinstance(d, FragmentDefinitionNode)
            }
            schema = context.schema._schema
            cost = operation_cost(schema, operation, fragments, context.variables or {})
            limit = _max_cost(context.context)
            if cost > limit:
                error = BadRequest(
                    f"The query costs {cost}, more than the {limit} allowed: ask for smaller "
                    "pages (first), fewer aliases or less nesting.",
                    cost=cost,
                    maxCost=limit,
                )
                context.result = _refused(error)
        yield


def _operation(document: Any, name: str | None) -> OperationDefinitionNode | None:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if name is None:
        return operations[0] if len(operations) == 1 else None
    return next((o for o in operations if o.name and o.name.value == name), None)


def _max_cost(context: Any) -> int:
    services = getattr(context, "services", None)
    return services.settings.max_query_cost if services is not None else DEFAULT_MAX_COST


def _refused(error: BadRequest) -> ExecutionResult:
    return ExecutionResult(data=None, errors=[GraphQLError(error.message, original_error=error)])
