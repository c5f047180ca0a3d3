"""Who is calling: resolved once per request (or WebSocket connection) from the bearer token."""

from dataclasses import dataclass, field
from enum import StrEnum

from beanie import PydanticObjectId

from models.company import Company
from models.user import Permission, Role, User


class PrincipalKind(StrEnum):
    ANONYMOUS = "ANONYMOUS"
    USER = "USER"
    OPERATOR = "OPERATOR"


@dataclass(frozen=True)
class Principal:
    kind: PrincipalKind
    user: User | None = None
    company: Company | None = None
    project_ids: frozenset[PydanticObjectId] = field(default_factory=frozenset)

    @property
    def tenant_id(self) -> PydanticObjectId | None:
        return self.company.id if self.company is not None else None

    def has_role(self, role: Role) -> bool:
        return self.user is not None and role in self.user.roles

    def has_permission(self, permission: Permission) -> bool:
        return self.user is not None and permission in self.user.permissions


ANONYMOUS = Principal(PrincipalKind.ANONYMOUS)
OPERATOR = Principal(PrincipalKind.OPERATOR)
