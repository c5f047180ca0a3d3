"""Record ids in the API are ObjectId hex strings; a malformed one is simply not found."""

from beanie import PydanticObjectId
from bson.errors import InvalidId

from models.errors import NotFound


def parse_id(value: str, what: str) -> PydanticObjectId:
    try:
        return PydanticObjectId(value)
    except (InvalidId, TypeError) as error:
        raise NotFound(what, value) from error
