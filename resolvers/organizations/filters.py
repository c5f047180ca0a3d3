"""The native members of ``OrganizationFilter`` and how each is matched."""

from resolvers.contacts.filters import phone_field
from resolvers.generated.filter_inputs import DateTimeFilter, TextFilter
from resolvers.records.filtering import FilterField, text_field, timestamp_field

FILTER_MEMBERS: dict[str, type] = {
    "name": TextFilter,
    "tax_id": TextFilter,
    "regon": TextFilter,
    "email": TextFilter,
    "phone": TextFilter,
    "website": TextFilter,
    "country": TextFilter,
    "region": TextFilter,
    "city": TextFilter,
    "postal_code": TextFilter,
    "created_at": DateTimeFilter,
    "updated_at": DateTimeFilter,
}


def filter_fields(region: str) -> dict[str, FilterField]:
    return {
        "name": text_field("name"),
        "tax_id": text_field("taxId"),
        "regon": text_field("regon"),
        "email": text_field("emails"),
        "phone": phone_field(region),
        "website": text_field("website"),
        "country": text_field("country"),
        "region": text_field("region"),
        "city": text_field("city"),
        "postal_code": text_field("postalCode"),
        "created_at": timestamp_field("createdAt"),
        "updated_at": timestamp_field("updatedAt"),
    }
