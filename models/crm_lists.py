"""The small lists a CRM document holds and reads together: stages (R7), acquisition sources (R9).

Each item has its own id, which contacts store (``stage_id``, ``acquisition_source_id``), and a
``name_key`` (:func:`models.values.name_key`) under which names are unique within the CRM.
"""

import hashlib
import re
from enum import StrEnum

from beanie import PydanticObjectId
from bson import ObjectId
from pydantic import BaseModel, Field

from models.errors import Validator
from models.field_order import field_order_key
from models.polish_order import polish_sort_key
from models.values import name_key

# A CRM document is read whole on every CRM read: its lists stay small.
MAX_ITEMS_PER_LIST = 200

DEFAULT_STAGE_COLOR = "#9E9E9E"
_COLOR = re.compile(r"^#[0-9A-Fa-f]{6}$")


class CrmListItem(BaseModel):
    id: PydanticObjectId = Field(default_factory=PydanticObjectId)
    name: str
    name_key: str


class StageFlag(StrEnum):
    OPEN = "OPEN"
    WON = "WON"
    LOST = "LOST"


class Stage(CrmListItem):
    flag: StageFlag = StageFlag.OPEN
    show_in_kanban: bool = True
    kanban_position: int | None = None
    color: str = DEFAULT_STAGE_COLOR


def in_kanban_order(stages: list[Stage]) -> list[Stage]:
    """R7: by ``kanban_position``, none last; equal positions by name in Polish order."""
    return sorted(stages, key=lambda s: field_order_key(s.kanban_position, s.name))


def check_color(v: Validator, value: str, path: str) -> str:
    """A tab color ``#RRGGBB``, stored upper-case so that equal colors are equal texts."""
    trimmed = value.strip()
    v.check(bool(_COLOR.match(trimmed)), path, "Must be a color #RRGGBB, e.g. #1E88E5.")
    return trimmed.upper()


class AcquisitionSourceSystemKey(StrEnum):
    INBOUND_CALL = "INBOUND_CALL"
    OUTBOUND_CALL = "OUTBOUND_CALL"
    EMAIL = "EMAIL"
    WEBSITE = "WEBSITE"
    CHAT = "CHAT"
    IMPORT = "IMPORT"
    REFERRAL = "REFERRAL"
    OTHER = "OTHER"


SYSTEM_SOURCE_NAMES: dict[AcquisitionSourceSystemKey, str] = {
    AcquisitionSourceSystemKey.INBOUND_CALL: "Połączenie przychodzące",
    AcquisitionSourceSystemKey.OUTBOUND_CALL: "Połączenie wychodzące",
    AcquisitionSourceSystemKey.EMAIL: "E-mail",
    AcquisitionSourceSystemKey.WEBSITE: "Strona WWW",
    AcquisitionSourceSystemKey.CHAT: "Czat",
    AcquisitionSourceSystemKey.IMPORT: "Import",
    AcquisitionSourceSystemKey.REFERRAL: "Polecenie",
    AcquisitionSourceSystemKey.OTHER: "Inne",
}


class AcquisitionSource(CrmListItem):
    """R9: a system source (``system_key`` set; never renamed or deleted) or a company's own."""

    system: bool = False
    system_key: AcquisitionSourceSystemKey | None = None


def _derived_id(crm_id: ObjectId, key: AcquisitionSourceSystemKey) -> PydanticObjectId:
    digest = hashlib.sha256(crm_id.binary + key.value.encode()).digest()
    return PydanticObjectId(digest[:12])


def system_sources(crm_id: ObjectId | None = None) -> list[AcquisitionSource]:
    """The system sources every CRM has from its creation, in their fixed order.

    A new CRM gives them fresh ids. For a CRM stored before sources existed, pass its id: the
    ids are then derived from it, so every read shows the same ids until they are stored.
    """
    return [
        AcquisitionSource(
            id=_derived_id(crm_id, key) if crm_id is not None else PydanticObjectId(),
            name=name,
            name_key=name_key(name),
            system=True,
            system_key=key,
        )
        for key, name in SYSTEM_SOURCE_NAMES.items()
    ]


def in_source_order(sources: list[AcquisitionSource]) -> list[AcquisitionSource]:
    """The system sources first, in their fixed order, then the others in Polish name order."""
    system_order = list(AcquisitionSourceSystemKey)
    return sorted(
        sources,
        key=lambda s: (
            s.system_key is None,
            system_order.index(s.system_key) if s.system_key is not None else 0,
            polish_sort_key(s.name),
        ),
    )
