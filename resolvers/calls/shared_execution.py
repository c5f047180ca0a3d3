"""One execution of a subscription's selection per call event version, for all the subscribers
of this process that would get the same answer.

A call reaches every desktop of its project: a hundred agents with the same subscription document
would otherwise run the same selection a hundred times per event, about a millisecond each. An
event that offers a ``shared`` dict (``CallChange.shared``, carried by the CallEvent and
DialRequest objects the subscriptions yield) is executed once per *share key* and the result
handed to every subscriber with that key.

The key holds everything an execution can depend on: the schema, the document's text, the
operation, the variables, and the viewer as far as any resolver reads them — the kind of
principal, the company and its settings, the roles, the permissions and the projects. It leaves
out only the user's identity: no field reachable from a call event shows something of the
viewer's own, and whatever depends on their projects (R1.2, project lists) is keyed by them.
Anything else (queries, mutations, other subscriptions' events) executes as usual.
"""

import asyncio
import json
from typing import Any

from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from graphql import print_ast
from resolvers.context import Context

_RESULTS = "executions"


def _viewer(context: Any) -> tuple[Any, ...] | None:
    if not isinstance(context, Context):
        return None
    principal = context.principal
    user, company = principal.user, principal.company
    return (
        principal.kind,
        company.model_dump_json(include={"id", "settings", "fields_version"}) if company else None,
        tuple(sorted(user.roles)) if user else (),
        tuple(sorted(user.permissions)) if user else (),
        tuple(sorted(principal.project_ids)),
    )


class SharedEventExecution(StrawberryGraphQLCoreExecutionContext):
    _share_key: tuple[Any, ...] | None = None
    _shared: dict[str, Any] | None = None

    def _key(self) -> tuple[Any, ...] | None:
        viewer = _viewer(self.context_value)
        if viewer is None:
            return None
        source = self.operation.loc.source.body if self.operation.loc else print_ast(self.operation)
        name = self.operation.name.value if self.operation.name else None
        variables = json.dumps(self.variable_values.coerced, sort_keys=True, default=str)
        return (id(self.schema), source, name, variables, viewer)

    def build_per_event_executor(self, payload: Any) -> Any:
        if self._share_key is None:
            self._share_key = self._key()  # once per subscription: the copies inherit it
        executor = super().build_per_event_executor(payload)
        shared = getattr(payload, "shared", None)
        if isinstance(shared, dict) and self._share_key is not None:
            executor._shared = shared
        return executor

    def execute_operation(self, serially: bool | None = None) -> Any:
        if self._shared is None:
            return super().execute_operation(serially)
        results = self._shared.setdefault(_RESULTS, {})
        if self._share_key not in results:
            result = super().execute_operation(serially)
            results[self._share_key] = (
                asyncio.ensure_future(result) if self.is_awaitable(result) else result
            )
        result = results[self._share_key]
        # Shielded: one subscriber going away does not cancel the execution for the others.
        return asyncio.shield(result) if isinstance(result, asyncio.Future) else result
