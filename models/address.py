from pydantic import BaseModel


class Address(BaseModel):
    country: str | None = None
    region: str | None = None
    city: str | None = None
    postal_code: str | None = None
    line1: str | None = None
    line2: str | None = None
