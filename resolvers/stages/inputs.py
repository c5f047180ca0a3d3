import strawberry

from models.crm_lists import DEFAULT_STAGE_COLOR
from resolvers.contact_options.crm_target import CRM_ID_DESCRIPTION
from resolvers.stages.types import StageFlag

KANBAN_POSITION = "0 or more; null: after the positioned stages."
COLOR = "#RRGGBB."


@strawberry.input
class CreateStageInput:
    name: str
    crm_id: strawberry.ID | None = strawberry.field(default=None, description=CRM_ID_DESCRIPTION)
    flag: StageFlag = StageFlag.OPEN
    show_in_kanban: bool = True
    kanban_position: int | None = strawberry.field(default=None, description=KANBAN_POSITION)
    color: str = strawberry.field(default=DEFAULT_STAGE_COLOR, description=COLOR)


@strawberry.input(description="Only the fields given are changed; kanbanPosition null unsets it.")
class UpdateStageInput:
    name: str | None = strawberry.UNSET
    flag: StageFlag | None = strawberry.UNSET
    show_in_kanban: bool | None = strawberry.UNSET
    kanban_position: int | None = strawberry.field(
        default=strawberry.UNSET, description=KANBAN_POSITION
    )
    color: str | None = strawberry.field(default=strawberry.UNSET, description=COLOR)
