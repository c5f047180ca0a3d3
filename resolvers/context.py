"""The per-request context and the access rules every resolver goes through."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from beanie import PydanticObjectId
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.dataloader import DataLoader
from strawberry.types import Info as StrawberryInfo

from app.principal import Principal, PrincipalKind
from app.services import Services
from models.company import Company
from models.errors import CrmDisabled, Forbidden, Unauthenticated
from models.user import Role, User


@dataclass
class Context:
    request: Request | WebSocket
    response: Response | WebSocket | None
    services: Services
    principal: Principal
    connection_params: dict[str, Any] | None = field(default=None)
    loaders: dict[str, DataLoader] = field(default_factory=dict)

    def loader(self, name: str, load: Callable[[list[Any]], Awaitable[list[Any]]]) -> DataLoader:
        """The request's DataLoader ``name``, made on first use: related records of a page are
        read with one query per kind, whatever the page size."""
        if name not in self.loaders:
            self.loaders[name] = DataLoader(load_fn=load)
        return self.loaders[name]

    def user(self) -> User:
        """The calling user; anyone else (anonymous, operator) is refused."""
        if self.principal.kind is PrincipalKind.USER and self.principal.user is not None:
            return self.principal.user
        if self.principal.kind is PrincipalKind.OPERATOR:
            raise Forbidden("Operator tokens only manage companies.")
        if self.principal.kind is PrincipalKind.TELEPHONY:
            raise Forbidden("Telephony tokens only report calls and receive dial requests.")
        raise Unauthenticated()

    def company(self) -> Company:
        self.user()
        assert self.principal.company is not None
        return self.principal.company

    @property
    def tenant_id(self) -> PydanticObjectId:
        """The caller's company: the base of every query of tenant data."""
        company = self.company()
        assert company.id is not None
        return company.id

    def require_admin(self) -> User:
        """R3.2: configuration is for admins only."""
        user = self.user()
        if not user.is_admin:
            raise Forbidden("Only administrators can change the configuration.")
        return user

    def require_any_role(self, *roles: Role) -> User:
        user = self.user()
        if not any(role in user.roles for role in roles):
            raise Forbidden()
        return user

    def require_crm_enabled(self) -> None:
        """R1.1: with the CRM off, every CRM operation of the company is refused."""
        if not self.company().settings.crm_enabled:
            raise CrmDisabled()

    def configuring(self) -> PydanticObjectId:
        """The caller's company, once a change of its CRM configuration is allowed: the CRM is
        on (R1.1) and the caller an admin (R3.2)."""
        self.require_crm_enabled()
        self.require_admin()
        return self.tenant_id

    def require_operator(self) -> None:
        if self.principal.kind is PrincipalKind.OPERATOR:
            return
        if self.principal.kind is PrincipalKind.ANONYMOUS:
            raise Unauthenticated()
        raise Forbidden("Only operators can do this.")


Info = StrawberryInfo[Context, None]
