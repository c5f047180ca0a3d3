"""The static members of the organization inputs; ``custom`` is added per company."""

from typing import Any

import strawberry
from strawberry import UNSET

from resolvers.records.inputs import REQUIRED
from resolvers.records.types import AddressInput, PhoneInput

CREATE_MEMBERS: dict[str, tuple[Any, Any]] = {
    "crm_id": (strawberry.ID | None, None),
    "name": (str, REQUIRED),
    "tax_id": (str | None, None),
    "regon": (str | None, None),
    "address": (AddressInput | None, None),
    "phones": (list[PhoneInput], strawberry.field(default_factory=list)),
    "emails": (list[str], strawberry.field(default_factory=list)),
    "website": (str | None, None),
}

UPDATE_MEMBERS: dict[str, tuple[Any, Any]] = {
    "name": (str | None, UNSET),
    "tax_id": (str | None, UNSET),
    "regon": (str | None, UNSET),
    "address": (AddressInput | None, UNSET),
    "phones": (list[PhoneInput] | None, UNSET),
    "emails": (list[str] | None, UNSET),
    "website": (str | None, UNSET),
}
