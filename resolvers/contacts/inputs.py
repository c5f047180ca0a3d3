"""The static members of the contact inputs; ``custom`` is added per company (see schema.py)."""

from typing import Any

import strawberry
from strawberry import UNSET

from resolvers.records.inputs import REQUIRED
from resolvers.records.types import AddressInput, PhoneInput

CREATE_MEMBERS: dict[str, tuple[Any, Any]] = {
    "crm_id": (strawberry.ID | None, None),
    "first_name": (str, REQUIRED),
    "last_name": (str, REQUIRED),
    "email": (str | None, None),
    "phones": (list[PhoneInput], strawberry.field(default_factory=list)),
    "position_id": (strawberry.ID | None, None),
    "stage_id": (strawberry.ID | None, None),
    "acquisition_source_id": (strawberry.ID | None, None),
    "tags": (list[str], strawberry.field(default_factory=list)),
    "address": (AddressInput | None, None),
    "organization_id": (strawberry.ID | None, None),
}

UPDATE_MEMBERS: dict[str, tuple[Any, Any]] = {
    "first_name": (str | None, UNSET),
    "last_name": (str | None, UNSET),
    "email": (str | None, UNSET),
    "phones": (list[PhoneInput] | None, UNSET),
    "position_id": (strawberry.ID | None, UNSET),
    "stage_id": (strawberry.ID | None, UNSET),
    "acquisition_source_id": (strawberry.ID | None, UNSET),
    "tags": (list[str] | None, UNSET),
    "address": (AddressInput | None, UNSET),
    "organization_id": (strawberry.ID | None, UNSET),
}
