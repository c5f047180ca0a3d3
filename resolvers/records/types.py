"""Output and input types shared by contacts and organizations."""

import strawberry
from strawberry import UNSET

from models.address import Address as AddressModel


@strawberry.type
class Phone:
    number: str = strawberry.field(description="E.164, normalized with the company's region.")
    raw: str = strawberry.field(description="As it was entered.")
    label: str | None

    @classmethod
    def from_stored(cls, phone: dict) -> "Phone":
        return cls(number=phone["number"], raw=phone["raw"], label=phone.get("label"))


@strawberry.type
class Address:
    country: str | None = None
    region: str | None = None
    city: str | None = None
    postal_code: str | None = None
    line1: str | None = None
    line2: str | None = None

    @classmethod
    def from_stored(cls, address: dict | None) -> "Address":
        return cls(**AddressModel.model_validate(address or {}).model_dump())


@strawberry.input
class PhoneInput:
    number: str
    label: str | None = None


@strawberry.input(description="Only the members given change; null clears one.")
class AddressInput:
    country: str | None = UNSET
    region: str | None = UNSET
    city: str | None = UNSET
    postal_code: str | None = UNSET
    line1: str | None = UNSET
    line2: str | None = UNSET
