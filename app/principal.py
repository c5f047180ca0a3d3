"""Who is calling: resolved once per request (or WebSocket connection) from the bearer token."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from beanie import PydanticObjectId

from models.company import Company
from models.user import Permission, Role, User


class PrincipalKind(StrEnum):
    ANONYMOUS = "ANONYMOUS"
    USER = "USER"
    OPERATOR = "OPERATOR"
    # A company's telephony side: no user, only the permission TELEPHONY.
    TELEPHONY = "TELEPHONY"


@dataclass(frozen=True)
class Principal:
    kind: PrincipalKind
    user: User | None = None
    company: Company | None = None
    project_ids: frozenset[PydanticObjectId] = field(default_factory=frozenset)
    # The CRM of each of those projects (None: it has none), read with them.
    project_crms: Mapping[PydanticObjectId, PydanticObjectId | None] = field(
        default_factory=dict, hash=False, compare=False
    )

    @property
    def tenant_id(self) -> PydanticObjectId | None:
        return self.company.id if self.company is not None else None

    def has_role(self, role: Role) -> bool:
        return self.user is not None and role in self.user.roles

    @property
    def permissions(self) -> list[Permission]:
        """The effective permissions, in their declared order: a user's own and those the
        company's settings give their roles."""
        if self.kind is PrincipalKind.TELEPHONY:
            return [Permission.TELEPHONY]
        if self.user is None:
            return []
        granted = set(self.user.permissions)
        if self.company is not None:
            granted |= self.company.settings.permissions_of(self.user.roles)
        return [permission for permission in Permission if permission in granted]

    def has_permission(self, permission: Permission) -> bool:
        return permission in self.permissions


ANONYMOUS = Principal(PrincipalKind.ANONYMOUS)
OPERATOR = Principal(PrincipalKind.OPERATOR)
