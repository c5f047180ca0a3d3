"""Builds a company's GraphQL schema: the static root fields of every domain, plus the roots
whose types carry the company's custom fields (contacts, organizations).

With no field definitions the result is the base schema that ``schema.graphql`` holds."""

from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial

import strawberry
from strawberry.extensions import AddValidationRules, MaxTokensLimiter
from strawberry.extensions.max_aliases import create_validator as max_aliases_rule
from strawberry.extensions.query_depth_limiter import create_validator as max_depth_rule
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types

from models.field_definition import FieldDefinition
from resolvers.auth.schema import AuthMutation, AuthQuery
from resolvers.calls.schema import call_roots
from resolvers.calls.shared_execution import SharedEventExecution
from resolvers.company.schema import CompanyMutation
from resolvers.company.settings_schema import CompanySettingsMutation, CompanySettingsQuery
from resolvers.contacts.schema import contact_roots
from resolvers.crms.schema import CRM_TYPES, CrmMutation, CrmQuery
from resolvers.errors import ErrorShaping
from resolvers.exports.schema import export_roots
from resolvers.fields.schema import FieldDefinitionMutation, FieldDefinitionQuery
from resolvers.generated.scalars import SCALAR_MAP
from resolvers.imports.schema import ImportMutation, ImportQuery, ImportSubscription
from resolvers.input_bounds import input_bounds
from resolvers.input_guard import InputGuard, InputRules
from resolvers.kanban.schema import kanban_roots
from resolvers.organizations.schema import organization_roots
from resolvers.parse_once import ParseOnce
from resolvers.positions.schema import PositionMutation, PositionQuery
from resolvers.projects.schema import ProjectMutation, ProjectQuery
from resolvers.query_cost import QueryCost
from resolvers.read_time_limit import ReadTimeLimit
from resolvers.records.tenant_types import build_record_types
from resolvers.segmentation.schema import SegmentationMutation, SegmentationQuery
from resolvers.sources.schema import AcquisitionSourceMutation, AcquisitionSourceQuery
from resolvers.stages.schema import StageMutation, StageQuery
from resolvers.users.schema import UserMutation, UserQuery

QUERIES: tuple[type, ...] = (
    AuthQuery,
    UserQuery,
    CrmQuery,
    ProjectQuery,
    CompanySettingsQuery,
    PositionQuery,
    StageQuery,
    AcquisitionSourceQuery,
    FieldDefinitionQuery,
    ImportQuery,
    SegmentationQuery,
)
MUTATIONS: tuple[type, ...] = (
    AuthMutation,
    CompanyMutation,
    UserMutation,
    CrmMutation,
    ProjectMutation,
    CompanySettingsMutation,
    PositionMutation,
    StageMutation,
    AcquisitionSourceMutation,
    FieldDefinitionMutation,
    ImportMutation,
    SegmentationMutation,
)
# Static subscription roots; others append theirs.
SUBSCRIPTIONS: tuple[type, ...] = (ImportSubscription,)


class CrmSchema(strawberry.Schema):
    def process_errors(self, errors, execution_context=None) -> None:  # type: ignore[no-untyped-def]
        """Nothing here: :class:`ErrorShaping` logs the unexpected errors, once, with their id."""


@dataclass(frozen=True)
class Limits:
    max_depth: int = 12
    max_aliases: int = 30
    max_tokens: int = 5000


def build_schema(
    definitions: Sequence[FieldDefinition] = (), limits: Limits = Limits()
) -> CrmSchema:
    records = build_record_types(list(definitions))
    limit_rules = [max_depth_rule(limits.max_depth, None), max_aliases_rule(limits.max_aliases)]
    contact_query, contact_mutation = contact_roots(records)
    organization_query, organization_mutation = organization_roots(records)
    kanban_query, kanban_mutation = kanban_roots(records)
    call_query, call_mutation, call_subscription = call_roots(records)
    export_query, export_mutation = export_roots(records, contact_query)
    return CrmSchema(
        query=merge_types(
            "Query",
            (*QUERIES, contact_query, organization_query, kanban_query, call_query, export_query),
        ),
        mutation=merge_types(
            "Mutation",
            (
                *MUTATIONS,
                contact_mutation,
                organization_mutation,
                kanban_mutation,
                call_mutation,
                export_mutation,
            ),
        ),
        subscription=merge_types("Subscription", (*SUBSCRIPTIONS, call_subscription)),
        # Implementations of interfaces that no field names.
        types=CRM_TYPES,
        config=StrawberryConfig(sort_schema=False, scalar_map=SCALAR_MAP),
        # A call event's selection runs once for all subscribers that would get one answer.
        execution_context_class=SharedEventExecution,
        extensions=[
            ErrorShaping,
            # The limits' rules are made once per schema (QueryDepthLimiter and
            # MaxAliasesLimiter make new ones for every request); ParseOnce keeps the documents
            # that passed them, parsed and validated.
            partial(AddValidationRules, limit_rules),
            partial(MaxTokensLimiter, max_token_count=limits.max_tokens),
            ParseOnce,
            partial(InputGuard, InputRules(input_bounds(definitions))),
            QueryCost,
            ReadTimeLimit,
        ],
    )
