"""GraphQL types of stages (R7)."""

from typing import TYPE_CHECKING, Annotated

import strawberry

from models.crm import Crm as CrmModel
from models.crm_lists import Stage as StageModel
from models.crm_lists import StageFlag as StageFlagModel
from models.crm_lists import in_kanban_order

if TYPE_CHECKING:
    from resolvers.crms.types import Crm

# Lazy: the CRM type lists its stages, and a stage names its CRM.
LazyCrm = Annotated["Crm", strawberry.lazy("resolvers.crms.types")]

StageFlag = strawberry.enum(StageFlagModel, description="What reaching a stage means for a deal.")


@strawberry.type(description="A business stage of the contacts of one CRM (e.g. Lead).")
class Stage:
    id: strawberry.ID
    name: str
    flag: StageFlag
    show_in_kanban: bool = strawberry.field(description="Whether the Kanban board shows it.")
    kanban_position: int | None = strawberry.field(
        description="The column of the Kanban board, from the left; none: after the others."
    )
    color: str = strawberry.field(description="The tab color, #RRGGBB.")
    crm_model: strawberry.Private[CrmModel]

    @strawberry.field(description="The CRM the stage belongs to.")
    def crm(self) -> LazyCrm:
        from resolvers.crms.types import Crm

        return Crm.from_model(self.crm_model)

    @classmethod
    def from_model(cls, stage: StageModel, crm: CrmModel) -> "Stage":
        return cls(
            id=strawberry.ID(str(stage.id)),
            name=stage.name,
            flag=stage.flag,
            show_in_kanban=stage.show_in_kanban,
            kanban_position=stage.kanban_position,
            color=stage.color,
            crm_model=crm,
        )


def stages_of(crm: CrmModel) -> list[Stage]:
    """The CRM's stages in Kanban order: by kanbanPosition (none last), then by name."""
    return [Stage.from_model(stage, crm) for stage in in_kanban_order(crm.stages)]
