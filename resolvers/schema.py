"""Builds the GraphQL schema from the root fields of every domain."""

from functools import partial

import strawberry
from strawberry.extensions import MaxAliasesLimiter, MaxTokensLimiter, QueryDepthLimiter
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types

from resolvers.auth.schema import AuthMutation, AuthQuery
from resolvers.company.schema import CompanyMutation
from resolvers.company.settings_schema import CompanySettingsMutation, CompanySettingsQuery
from resolvers.crms.schema import CRM_TYPES, CrmMutation, CrmQuery
from resolvers.errors import ErrorShaping
from resolvers.fields.schema import FieldDefinitionMutation, FieldDefinitionQuery
from resolvers.positions.schema import PositionMutation, PositionQuery
from resolvers.projects.schema import ProjectMutation, ProjectQuery
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
)


class CrmSchema(strawberry.Schema):
    def process_errors(self, errors, execution_context=None) -> None:  # type: ignore[no-untyped-def]
        """Nothing here: :class:`ErrorShaping` logs the unexpected errors, once, with their id."""


def build_schema(
    *, max_depth: int = 12, max_aliases: int = 30, max_tokens: int = 5000
) -> CrmSchema:
    return CrmSchema(
        query=merge_types("Query", QUERIES),
        mutation=merge_types("Mutation", MUTATIONS),
        # Implementations of interfaces that no field names.
        types=CRM_TYPES,
        config=StrawberryConfig(sort_schema=False),
        extensions=[
            ErrorShaping,
            partial(QueryDepthLimiter, max_depth=max_depth),
            partial(MaxAliasesLimiter, max_alias_count=max_aliases),
            partial(MaxTokensLimiter, max_token_count=max_tokens),
        ],
    )
