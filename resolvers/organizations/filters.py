"""The native members of ``OrganizationFilter`` and how each is matched."""

import re

from models.contact_keys import native_key
from models.sortable import encode_text
from resolvers.contacts.filters import phone_field
from resolvers.generated.filter_inputs import DateTimeFilter, TextFilter
from resolvers.records.filtering import FilterField, text_field, timestamp_field

# Tax ids and REGONs are stored compact (python-stdnum); a filter value may be written with the
# separators people use: "526-025-02-74", "526 025 02 74".
_SEPARATORS = re.compile(r"[\s.\-/]")


def compact_number_field(name: str) -> FilterField:
    return FilterField(native_key(name), lambda value: encode_text(_SEPARATORS.sub("", value)))


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
        "tax_id": compact_number_field("taxId"),
        "regon": compact_number_field("regon"),
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
