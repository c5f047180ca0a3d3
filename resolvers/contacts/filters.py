"""The native members of ``ContactFilter`` and how each is matched."""

from typing import Any

from models.contact_keys import native_key
from models.errors import ValidationFailed
from models.phones import InvalidPhone, normalize_phone
from resolvers.generated.filter_inputs import DateTimeFilter, IdFilter, ListFilter, TextFilter
from resolvers.records.filtering import FilterField, id_field, text_field, timestamp_field

FILTER_MEMBERS: dict[str, type] = {
    "first_name": TextFilter,
    "last_name": TextFilter,
    "email": TextFilter,
    "phone": TextFilter,
    "stage_id": IdFilter,
    "position_id": IdFilter,
    "acquisition_source_id": IdFilter,
    "tags": ListFilter,
    "country": TextFilter,
    "region": TextFilter,
    "city": TextFilter,
    "postal_code": TextFilter,
    "organization_id": IdFilter,
    "segment_id": IdFilter,
    "created_at": DateTimeFilter,
    "updated_at": DateTimeFilter,
}


def phone_field(region: str) -> FilterField:
    def encode(value: Any) -> str:
        try:
            return normalize_phone(str(value), region)
        except InvalidPhone as error:
            raise ValidationFailed.single("filter.phone", str(error)) from error

    return FilterField(native_key("phone"), encode)


def filter_fields(region: str) -> dict[str, FilterField]:
    return {
        "first_name": text_field("firstName"),
        "last_name": text_field("lastName"),
        "email": text_field("email"),
        "phone": phone_field(region),
        "stage_id": id_field("stageId"),
        "position_id": id_field("positionId"),
        "acquisition_source_id": id_field("acquisitionSourceId"),
        "tags": text_field("tags"),
        "country": text_field("country"),
        "region": text_field("region"),
        "city": text_field("city"),
        "postal_code": text_field("postalCode"),
        "organization_id": id_field("organizationId"),
        "segment_id": id_field("segmentId"),
        "created_at": timestamp_field("createdAt"),
        "updated_at": timestamp_field("updatedAt"),
    }
