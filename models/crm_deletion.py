"""R2.5: a CRM being deleted with everything that belongs to it (issue 12.4).

The CRM's own document is deleted at once, in the transaction that stores this job, so the CRM is
gone from every query the moment ``deleteCrm`` answers; this job then deletes, in the background
and in batches, the records that named it (``resolvers/crms/deletion.py``). ``total`` counts
those records (contacts, organizations, calls, import and export jobs) as they were when the
deletion was asked for; ``processed`` the ones deleted so far.
"""

from beanie import Document, PydanticObjectId
from pymongo import ASCENDING, IndexModel

from models.background_job import LeasedJob


class CrmDeletion(Document, LeasedJob):
    tenant_id: PydanticObjectId
    crm_id: PydanticObjectId
    # The CRM's name, for whoever follows the deletion: the CRM itself is gone.
    crm_name: str
    # The admin who asked for it.
    user_id: PydanticObjectId

    class Settings:
        name = "crm_deletions"
        indexes = [
            IndexModel(
                [("tenant_id", ASCENDING), ("crm_id", ASCENDING)], name="of_crm", unique=True
            ),
            IndexModel([("status", ASCENDING)], name="unfinished"),
        ]
