"""Segmentation (R8) through the API: configuration and its checks, each contact's segment on
every write, the background recomputation after a change, filters and counts by segment, access.

The recomputation runs in the service's event loop; the tests wait for it by polling
``segmentationJob`` a bounded number of times.
"""

import asyncio
from dataclasses import dataclass
from typing import Any

import pytest
import pytest_asyncio
from beanie import PydanticObjectId

import app.segmentation_jobs as segmentation_jobs
from app.demo import ensure_demo_data
from models.contact import Contact
from models.crm import Crm
from models.field_definition import FieldType
from tests.client import NO_SUCH_ID, GraphQLClient, field_paths
from tests.import_support import csv_file, imported
from tests.records import CrmTenant, define_fields, with_default_crm

COLORS = {"Weak": "#E53935", "Moderate": "#FB8C00", "Advanced": "#43A047"}


@dataclass
class Company:
    """A company with R8.4's stages, positions and (once saved) segmentation."""

    crm: CrmTenant
    stages: dict[str, str]
    positions: dict[str, str]

    @property
    def admin(self) -> GraphQLClient:
        return self.crm.admin


async def r84_company(tenant) -> Company:
    crm = await with_default_crm(tenant)
    stages = {}
    for name in ("Lead", "Main Lead", "Client"):
        created = await crm.admin.op("CreateStage", input={"name": name})
        stages[name] = created.data["createStage"]["id"]
    positions = {}
    for name in ("Consultant", "Manager", "Supervisor"):
        created = await crm.admin.op("CreatePosition", input={"name": name})
        positions[name] = created.data["createPosition"]["id"]
    return Company(crm, stages, positions)


def values(points: dict[str, int]) -> list[dict[str, Any]]:
    return [{"condition": "VALUE", "value": v, "points": p} for v, p in points.items()]


def definitions(*ranges: tuple[str, float, float]) -> list[dict[str, Any]]:
    return [
        {"name": name, "from": start, "to": end, "color": COLORS.get(name, "#000000")}
        for name, start, end in ranges
    ]


def three() -> list[dict[str, Any]]:
    return definitions(("Weak", 0, 30), ("Moderate", 30, 70), ("Advanced", 70, 100))


def r84_input(company: Company) -> dict[str, Any]:
    """R8.4: Weak 0-30 %, Moderate 30-70 %, Advanced 70-100 %; stage, position, tag: 1, 5, 10."""
    s, p = company.stages, company.positions
    return {
        "definitions": three(),
        "classifiers": [
            {
                "kind": "NATIVE",
                "parameter": "STAGE",
                "rules": values({s["Lead"]: 1, s["Main Lead"]: 5, s["Client"]: 10}),
            },
            {
                "kind": "NATIVE",
                "parameter": "POSITION",
                "rules": values({p["Consultant"]: 1, p["Manager"]: 5, p["Supervisor"]: 10}),
            },
            {
                "kind": "NATIVE",
                "parameter": "TAGS",
                "rules": values({"Helpline": 1, "Helpdesk": 5, "Complaints": 10}),
            },
        ],
    }


async def save(client: GraphQLClient, input_: dict[str, Any], crm_id: str | None = None) -> dict:
    result = await client.op("UpdateSegmentation", crmId=crm_id, input=input_)
    return result.data["updateSegmentation"]


async def finished_job(client: GraphQLClient, crm_id: str | None = None) -> dict[str, Any]:
    """The CRM's job once it has ended, polled through the API a bounded number of times."""
    job = None
    for _ in range(600):
        job = (await client.op("SegmentationJob", crmId=crm_id)).data["segmentationJob"]
        if job is not None and job["status"] in ("DONE", "FAILED"):
            return job
        await asyncio.sleep(0.02)
    raise AssertionError(f"the segmentation job did not end: {job}")


async def contact(company: Company, last_name: str, **fields: Any) -> dict[str, Any]:
    created = await company.admin.op(
        "CreateSegmentedContact", input={"firstName": "A", "lastName": last_name, **fields}
    )
    return created.data["createContact"]


async def r84_contact(company: Company, last_name: str, stage: str, position: str, tag: str):
    return await contact(
        company,
        last_name,
        stageId=company.stages[stage],
        positionId=company.positions[position],
        tags=[tag],
    )


def summary(node: dict[str, Any]) -> tuple[str, float, float, float] | None:
    segment = node["segment"]
    if segment is None:
        return None
    return segment["definition"]["name"], segment["score"], segment["maxScore"], segment["percent"]


async def segments(company: Company, **variables: Any) -> dict[str, Any]:
    """Last name -> (segment, score, maximum, percent) of the listed contacts."""
    listed = (await company.admin.op("SegmentedContacts", **variables)).data["contacts"]
    return {edge["node"]["lastName"]: summary(edge["node"]) for edge in listed["edges"]}


async def counts(company: Company) -> list[tuple[str | None, int]]:
    rows = (await company.admin.op("SegmentCounts")).data["segmentCounts"]
    return [
        (row["definition"]["name"] if row["definition"] else None, row["count"]) for row in rows
    ]


@pytest_asyncio.fixture
async def company(tenant) -> Company:
    return await r84_company(tenant)


# --- R8.4 ---------------------------------------------------------------------------------------


async def test_the_r84_example_holds_exactly(company):
    before = await r84_contact(company, "Before", "Lead", "Consultant", "Helpline")
    assert before["segment"] is None

    saved = await save(company.admin, r84_input(company))

    assert saved["maxScore"] == 30
    assert [c["maxScore"] for c in saved["classifiers"]] == [10, 10, 10]
    assert [(d["name"], d["from"], d["to"], d["color"]) for d in saved["definitions"]] == [
        ("Weak", 0, 30, "#E53935"),
        ("Moderate", 30, 70, "#FB8C00"),
        ("Advanced", 70, 100, "#43A047"),
    ]
    assert (await company.admin.op("Segmentation")).data["segmentation"] == saved
    job = await finished_job(company.admin)
    assert (job["status"], job["processed"], job["total"]) == ("DONE", 1, 1)
    moderate = await r84_contact(company, "Moderate", "Main Lead", "Manager", "Helpdesk")
    advanced = await r84_contact(company, "Advanced", "Client", "Supervisor", "Complaints")

    assert summary(moderate) == ("Moderate", 15, 30, 50)
    assert summary(advanced) == ("Advanced", 30, 30, 100)
    assert await segments(company) == {
        "Before": ("Weak", 3, 30, 10),
        "Moderate": ("Moderate", 15, 30, 50),
        "Advanced": ("Advanced", 30, 30, 100),
    }
    ids = {d["name"]: d["id"] for d in saved["definitions"]}
    assert moderate["segment"]["definition"] == {
        "id": ids["Moderate"],
        "name": "Moderate",
        "from": 30,
        "to": 70,
        "color": "#FB8C00",
    }


async def test_boundaries_from_inclusive_to_exclusive_and_100_in_the_last(company):
    # Points of a stage alone, out of 10: 3 is exactly 30 %, 7 exactly 70 %.
    s = company.stages
    await save(
        company.admin,
        {
            "definitions": three(),
            "classifiers": [
                {
                    "kind": "NATIVE",
                    "parameter": "STAGE",
                    "rules": values({s["Lead"]: 3, s["Main Lead"]: 7, s["Client"]: 10}),
                },
            ],
        },
    )
    await finished_job(company.admin)
    for name in ("Lead", "Main Lead", "Client"):
        await contact(company, name, stageId=s[name])
    await contact(company, "None")

    assert await segments(company) == {
        "Lead": ("Moderate", 3, 10, 30),
        "Main Lead": ("Advanced", 7, 10, 70),
        "Client": ("Advanced", 10, 10, 100),
        "None": ("Weak", 0, 10, 0),
    }


# --- the recomputation ---------------------------------------------------------------------------


async def test_saving_recomputes_the_crms_contacts_and_counts_follow(company):
    for name, stage, position, tag in (
        ("Weak1", "Lead", "Consultant", "Helpline"),
        ("Weak2", "Lead", "Manager", "nothing"),
        ("Moderate1", "Main Lead", "Manager", "Helpdesk"),
        ("Advanced1", "Client", "Supervisor", "complaints"),
        ("Trashed", "Client", "Supervisor", "Complaints"),
    ):
        created = await r84_contact(company, name, stage, position, tag)
    await company.admin.op("DeleteContact", id=created["id"])
    assert await counts(company) == [(None, 4)]

    saved = await save(company.admin, r84_input(company))
    job = await finished_job(company.admin)

    assert (job["status"], job["processed"], job["total"], job["error"]) == ("DONE", 5, 5, None)
    assert job["startedAt"] <= job["finishedAt"]
    assert await segments(company) == {
        "Weak1": ("Weak", 3, 30, 10),
        "Weak2": ("Weak", 6, 30, 20),
        "Moderate1": ("Moderate", 15, 30, 50),
        "Advanced1": ("Advanced", 30, 30, 100),
    }
    assert await segments(company, deleted=True) == {"Trashed": ("Advanced", 30, 30, 100)}
    assert await counts(company) == [("Weak", 2), ("Moderate", 1), ("Advanced", 1), (None, 0)]
    ids = {d["name"]: d["id"] for d in saved["definitions"]}
    weak = await segments(company, filter={"segmentId": {"eq": ids["Weak"]}})
    assert set(weak) == {"Weak1", "Weak2"}
    not_weak = await segments(company, filter={"segmentId": {"ne": ids["Weak"]}})
    assert set(not_weak) == {"Moderate1", "Advanced1"}

    # A new configuration: what was Weak goes, the others keep their ids.
    changed = r84_input(company)
    changed["definitions"] = [
        {"id": ids["Moderate"], "name": "Low", "from": 0, "to": 50, "color": "#111111"},
        {"id": ids["Advanced"], "name": "High", "to": 100, "color": "#222222"},
    ]
    resaved = await save(company.admin, changed)
    assert [d["id"] for d in resaved["definitions"]] == [ids["Moderate"], ids["Advanced"]]
    await finished_job(company.admin)

    assert await segments(company) == {
        "Weak1": ("Low", 3, 30, 10),
        "Weak2": ("Low", 6, 30, 20),
        "Moderate1": ("High", 15, 30, 50),
        "Advanced1": ("High", 30, 30, 100),
    }
    assert await counts(company) == [("Low", 2), ("High", 2), (None, 0)]
    assert await segments(company, filter={"segmentId": {"eq": ids["Weak"]}}) == {}
    high = await segments(company, filter={"segmentId": {"eq": ids["Advanced"]}})
    assert set(high) == {"Moderate1", "Advanced1"}


async def test_an_empty_configuration_gives_no_segment(company):
    await save(company.admin, r84_input(company))
    await finished_job(company.admin)
    await r84_contact(company, "Nowak", "Client", "Supervisor", "Complaints")
    assert (await segments(company))["Nowak"] is not None

    emptied = await save(company.admin, {"definitions": [], "classifiers": []})
    assert emptied == {"definitions": [], "classifiers": [], "maxScore": 0}
    await finished_job(company.admin)

    assert await segments(company) == {"Nowak": None}
    assert await segments(company, filter={"segmentId": {"exists": False}}) == {"Nowak": None}
    assert await counts(company) == [(None, 1)]
    assert summary(await r84_contact(company, "Later", "Client", "Manager", "Helpdesk")) is None


async def test_reads_keep_working_and_progress_shows_while_the_job_runs(company, monkeypatch):
    for i in range(5):
        await r84_contact(company, f"C{i}", "Client", "Supervisor", "Complaints")
    monkeypatch.setattr(segmentation_jobs, "BATCH_SIZE", 2)
    gate, reached = asyncio.Event(), asyncio.Event()
    recompute = segmentation_jobs.recompute
    batches = []

    async def second_batch_waits(*args, **kwargs):
        batches.append(args)
        if len(batches) == 2:
            reached.set()
            await gate.wait()
        return await recompute(*args, **kwargs)

    monkeypatch.setattr(segmentation_jobs, "recompute", second_batch_waits)
    await save(company.admin, r84_input(company))
    await asyncio.wait_for(reached.wait(), timeout=30)

    job = (await company.admin.op("SegmentationJob")).data["segmentationJob"]
    assert (job["status"], job["processed"], job["total"]) == ("RUNNING", 2, 5)
    listed = await segments(company)
    assert sorted(listed) == [f"C{i}" for i in range(5)]
    assert sum(s is not None for s in listed.values()) == 2
    gate.set()
    job = await finished_job(company.admin)

    assert (job["status"], job["processed"], job["total"]) == ("DONE", 5, 5)
    assert set((await segments(company)).values()) == {("Advanced", 30, 30, 100)}


async def test_an_unfinished_job_is_resumed_at_start_up(company):
    await r84_contact(company, "Nowak", "Main Lead", "Manager", "Helpdesk")
    await save(company.admin, r84_input(company))
    await finished_job(company.admin)
    # As a process stopped mid-job leaves it: RUNNING, the contact not yet recomputed.
    crm_id = PydanticObjectId(company.crm.crm_id)
    await Crm.get_pymongo_collection().update_one(
        {"_id": crm_id}, {"$set": {"segmentation.job.status": "RUNNING"}}
    )
    await Contact.get_pymongo_collection().update_many(
        {"crm_id": crm_id}, {"$unset": {"segment": ""}}
    )
    assert await segments(company) == {"Nowak": None}

    assert await segmentation_jobs.JOBS.resume() >= 1
    job = await finished_job(company.admin)

    assert (job["status"], job["processed"], job["total"]) == ("DONE", 1, 1)
    assert await segments(company) == {"Nowak": ("Moderate", 15, 30, 50)}


async def test_imported_contacts_get_their_segment(company):
    await save(company.admin, r84_input(company))
    await finished_job(company.admin)
    content = csv_file(
        [
            ["Imię", "Nazwisko", "Etap", "Stanowisko", "Tagi"],
            ["Anna", "Imported", "Client", "Supervisor", "Complaints"],
            ["Jan", "Partly", "Lead", "Consultant", "helpline"],
        ]
    )

    # The tags are new to the CRM: the import may add them.
    options = {"createMissingReferences": True}
    job = await imported(company.admin, content, "kontakty.csv", options=options)

    assert (job["status"], job["created"], job["failed"]) == ("COMPLETED", 2, 0)
    assert await segments(company) == {
        "Imported": ("Advanced", 30, 30, 100),
        "Partly": ("Weak", 3, 30, 10),
    }
    assert await counts(company) == [("Weak", 1), ("Moderate", 0), ("Advanced", 1), (None, 0)]


# --- every write of a contact -------------------------------------------------------------------


async def test_each_write_of_a_contact_recomputes_its_segment(company):
    await save(company.admin, r84_input(company))
    await finished_job(company.admin)
    created = await r84_contact(company, "Nowak", "Lead", "Consultant", "Helpline")
    assert summary(created) == ("Weak", 3, 30, 10)

    updated = await company.admin.op(
        "UpdateSegmentedContact",
        id=created["id"],
        input={"tags": ["HELPLINE", "complaints"], "positionId": company.positions["Manager"]},
    )
    assert summary(updated.data["updateContact"]) == ("Moderate", 16, 30, 53.33)
    moved = await company.admin.op(
        "MoveContactToStage", contactId=created["id"], stageId=company.stages["Client"]
    )
    assert moved.data["moveContactToStage"]["id"] == created["id"]
    read = await company.admin.op("SegmentedContact", id=created["id"])
    assert summary(read.data["contact"]) == ("Advanced", 25, 30, 83.33)
    # A renamed stage keeps its rules: they name it by id.
    await company.admin.op("UpdateStage", id=company.stages["Client"], input={"name": "Klient VIP"})
    cleared = await company.admin.op(
        "UpdateSegmentedContact", id=created["id"], input={"positionId": None, "tags": []}
    )
    assert summary(cleared.data["updateContact"]) == ("Moderate", 10, 30, 33.33)
    await company.admin.op("DeleteContact", id=created["id"])
    restored = await company.admin.op("RestoreContact", id=created["id"])
    assert restored.data["restoreContact"]["id"] == created["id"]
    assert await counts(company) == [("Weak", 0), ("Moderate", 1), ("Advanced", 0), (None, 0)]


async def test_custom_fields_decimal_ranges_weights_and_text_case(tenant):
    crm = await with_default_crm(tenant)
    await define_fields(
        tenant,
        {
            "obrot": (FieldType.DECIMAL, [], True, False),
            "branza": (FieldType.TEXT, [], False, False),
            "pakiet": (FieldType.SELECT, ["Mały", "Duży"], False, False),
        },
    )
    company = Company(crm, {}, {})
    saved = await save(
        crm.admin,
        {
            "definitions": three(),
            "classifiers": [
                {
                    "kind": "CUSTOM",
                    "fieldKey": "obrot",
                    "weight": 0.5,
                    "rules": [
                        {"condition": "RANGE", "from": "0", "to": "1000.50", "points": 2},
                        {"condition": "RANGE", "from": "500", "to": "5000", "points": 8},
                        {"condition": "RANGE", "from": "5000.01", "points": 10},
                    ],
                },
                {
                    "kind": "CUSTOM",
                    "fieldKey": "branza",
                    "weight": 2,
                    "rules": values({"Informatyka": 5}),
                },
                {"kind": "CUSTOM", "fieldKey": "pakiet", "rules": values({"duży": 10})},
            ],
        },
    )
    # 10 x 0.5 + 5 x 2 + 10: what 100 % is. Stored values are canonical: the option as declared.
    assert saved["maxScore"] == 25
    assert saved["classifiers"][2]["rules"][0]["value"] == "Duży"
    assert saved["classifiers"][0]["rules"][0]["to"] == "1000.50"
    await finished_job(crm.admin)
    for name, custom in (
        ("Edge", {"obrot": "1000.50", "branza": "INFORMATYKA ", "pakiet": "Duży"}),
        ("Above", {"obrot": "1000.51"}),
        ("Open", {"obrot": "99999", "pakiet": "Mały"}),
        ("Below", {"obrot": "-1"}),
    ):
        await contact(company, name, custom=custom)

    # Edge: the first range holds 1000.50 (bounds inclusive, first declared wins): 1 + 10 + 10.
    assert await segments(company) == {
        "Edge": ("Advanced", 21, 25, 84),
        "Above": ("Weak", 4, 25, 16),
        "Open": ("Weak", 5, 25, 20),
        "Below": ("Weak", 0, 25, 0),
    }


# --- the checks ----------------------------------------------------------------------------------


def _bad_definition_from(i: dict, c: Company) -> str:
    i["definitions"][0]["from"] = 10
    return "input.definitions.0.from"


def _gap(i: dict, c: Company) -> str:
    i["definitions"][1]["from"] = 35
    return "input.definitions.1.from"


def _short_last(i: dict, c: Company) -> str:
    i["definitions"][2]["to"] = 90
    return "input.definitions.2.to"


def _empty_range(i: dict, c: Company) -> str:
    i["definitions"][1]["to"] = 30
    return "input.definitions.1.to"


def _auto_past_100(i: dict, c: Company) -> str:
    del i["definitions"][2]["to"]
    i["definitions"][2]["from"] = 90
    i["definitions"][1]["to"] = 90
    return "input.definitions.2.to"


def _bad_color(i: dict, c: Company) -> str:
    i["definitions"][1]["color"] = "orange"
    return "input.definitions.1.color"


def _same_name(i: dict, c: Company) -> str:
    i["definitions"][2]["name"] = " weak "
    return "input.definitions.2.name"


def _unknown_definition_id(i: dict, c: Company) -> str:
    i["definitions"][0]["id"] = NO_SUCH_ID
    return "input.definitions.0.id"


def _no_parameter(i: dict, c: Company) -> str:
    del i["classifiers"][0]["parameter"]
    return "input.classifiers.0.parameter"


def _unknown_field(i: dict, c: Company) -> str:
    i["classifiers"][1] = {"kind": "CUSTOM", "fieldKey": "nope", "rules": values({"x": 1})}
    return "input.classifiers.1.fieldKey"


def _range_on_native(i: dict, c: Company) -> str:
    i["classifiers"][2]["rules"][1] = {"condition": "RANGE", "from": "1", "points": 1}
    return "input.classifiers.2.rules.1.condition"


def _unknown_stage(i: dict, c: Company) -> str:
    i["classifiers"][0]["rules"][2]["value"] = NO_SUCH_ID
    return "input.classifiers.0.rules.2.value"


def _position_as_stage(i: dict, c: Company) -> str:
    i["classifiers"][0]["rules"][0]["value"] = c.positions["Manager"]
    return "input.classifiers.0.rules.0.value"


def _twice_the_same_parameter(i: dict, c: Company) -> str:
    i["classifiers"][2] = i["classifiers"][0]
    return "input.classifiers.2.parameter"


def _zero_weight(i: dict, c: Company) -> str:
    i["classifiers"][1]["weight"] = 0
    return "input.classifiers.1.weight"


def _no_rules(i: dict, c: Company) -> str:
    i["classifiers"][1]["rules"] = []
    return "input.classifiers.1.rules"


def _duplicate_value(i: dict, c: Company) -> str:
    i["classifiers"][2]["rules"][1]["value"] = "HELPLINE"
    return "input.classifiers.2.rules.1.value"


@pytest.mark.parametrize(
    "spoil",
    [
        _bad_definition_from,
        _gap,
        _short_last,
        _empty_range,
        _auto_past_100,
        _bad_color,
        _same_name,
        _unknown_definition_id,
        _no_parameter,
        _unknown_field,
        _range_on_native,
        _unknown_stage,
        _position_as_stage,
        _twice_the_same_parameter,
        _zero_weight,
        _no_rules,
        _duplicate_value,
    ],
)
async def test_an_invalid_configuration_names_what_is_at_fault_and_nothing_changes(company, spoil):
    stored = await save(company.admin, r84_input(company))
    await finished_job(company.admin)
    bad = r84_input(company)
    path = spoil(bad, company)

    refused = await company.admin.op("UpdateSegmentation", input=bad)

    assert field_paths(refused) == {path}
    assert (await company.admin.op("Segmentation")).data["segmentation"] == stored
    assert (await company.admin.op("SegmentationJob")).data["segmentationJob"]["status"] == "DONE"


async def test_a_missing_to_ends_15_points_above_from(company):
    input_ = r84_input(company)
    input_["definitions"] = [
        {"name": "A", "from": 0, "color": "#000001"},
        {"name": "B", "color": "#000002"},
        {"name": "C", "to": 100, "color": "#000003"},
    ]
    saved = await save(company.admin, input_)
    assert [(d["name"], d["from"], d["to"]) for d in saved["definitions"]] == [
        ("A", 0, 15),
        ("B", 15, 30),
        ("C", 30, 100),
    ]
    await finished_job(company.admin)
    created = await r84_contact(company, "Nowak", "Lead", "Manager", "Helpline")  # 7 of 30
    assert summary(created) == ("B", 7, 30, 23.33)


# --- what classifiers name ---------------------------------------------------------------------


async def test_a_stage_or_position_a_rule_names_is_not_deleted(company):
    saved = await save(company.admin, r84_input(company))
    await finished_job(company.admin)

    stage = await company.admin.op("DeleteStage", id=company.stages["Client"])
    position = await company.admin.op("DeletePosition", id=company.positions["Manager"])

    for refused in (stage, position):
        assert refused.error_code == "CONFLICT"
        assert refused.error["extensions"]["existingId"] == company.crm.crm_id
    stages = (await company.admin.op("Stages")).data["stages"]
    assert company.stages["Client"] in {s["id"] for s in stages}
    positions = (await company.admin.op("Positions")).data["positions"]
    assert company.positions["Manager"] in {p["id"] for p in positions}
    assert (await company.admin.op("Segmentation")).data["segmentation"] == saved
    # Once no rule names it, it goes.
    input_ = r84_input(company)
    input_["classifiers"] = input_["classifiers"][2:]
    await save(company.admin, input_)
    deleted = await company.admin.op("DeleteStage", id=company.stages["Client"])
    assert deleted.data["deleteStage"]["id"] == company.stages["Client"]


async def test_a_classified_custom_field_keeps_its_rules_valid(tenant):
    crm = await with_default_crm(tenant)
    await define_fields(
        tenant,
        {
            "obrot": (FieldType.DECIMAL, [], False, False),
            "kwota": (FieldType.DECIMAL, [], False, False),
        },
    )
    definitions_ = (await crm.admin.op("FieldDefinitions", entity="CONTACT")).data
    ids = {d["key"]: d["id"] for d in definitions_["fieldDefinitions"]}
    await save(
        crm.admin,
        {
            "definitions": three(),
            "classifiers": [
                {"kind": "CUSTOM", "fieldKey": "obrot", "rules": values({"12.5": 10})},
                {
                    "kind": "CUSTOM",
                    "fieldKey": "kwota",
                    "rules": [{"condition": "RANGE", "to": "100", "points": 10}],
                },
            ],
        },
    )
    await finished_job(crm.admin)
    company = Company(crm, {}, {})
    await contact(company, "Nowak", custom={"obrot": "12.50", "kwota": "5"})
    assert await segments(company) == {"Nowak": ("Advanced", 20, 20, 100)}

    deleted = await crm.admin.op("DeleteFieldDefinition", id=ids["obrot"])
    retyped = await crm.admin.op("UpdateFieldDefinition", id=ids["kwota"], input={"type": "TEXT"})

    assert deleted.error_code == "CONFLICT"
    assert field_paths(retyped) == {"input.type"}
    kept = (await crm.admin.op("FieldDefinitions", entity="CONTACT")).data["fieldDefinitions"]
    assert [(d["key"], d["type"]) for d in kept] == [("obrot", "DECIMAL"), ("kwota", "DECIMAL")]

    # Its values become texts: "12.50" is not the value "12.5" any more. The contacts follow.
    changed = await crm.admin.op("UpdateFieldDefinition", id=ids["obrot"], input={"type": "TEXT"})
    assert changed.data["updateFieldDefinition"]["type"] == "TEXT"
    await finished_job(crm.admin)
    assert await segments(company) == {"Nowak": ("Moderate", 10, 20, 50)}


# --- who may do what ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["SUPERVISOR", "AGENT"])
async def test_only_admins_change_the_segmentation_and_users_read_it(company, role):
    saved = await save(company.admin, r84_input(company))
    await finished_job(company.admin)
    member = await company.crm.tenant.add_user([role])
    await company.admin.op(
        "CreateProject",
        input={"name": "Infolinia", "crmId": company.crm.crm_id, "memberIds": [member.id]},
    )

    refused = await member.client.op(
        "UpdateSegmentation", input={"definitions": [], "classifiers": []}
    )

    assert refused.error_code == "FORBIDDEN"
    assert (await member.client.op("Segmentation")).data["segmentation"] == saved
    job = (await member.client.op("SegmentationJob")).data["segmentationJob"]
    assert job["status"] == "DONE"
    counted = (await member.client.op("SegmentCounts")).data["segmentCounts"]
    assert [row["count"] for row in counted] == [0, 0, 0, 0]


async def test_counts_are_for_those_who_work_with_the_crms_contacts(company):
    agent = await company.crm.tenant.add_user(["AGENT"])
    assert (await agent.client.op("SegmentCounts")).error_code == "FORBIDDEN"
    assert (await agent.client.op("Segmentation")).data["segmentation"]["definitions"] == []


async def test_with_the_crm_disabled_segmentation_is_refused(company):
    saved = await save(company.admin, r84_input(company))
    await finished_job(company.admin)
    await company.admin.op("UpdateCompanySettings", input={"crmEnabled": False})
    attempts = [
        ("Segmentation", {}),
        ("SegmentationJob", {}),
        ("SegmentCounts", {}),
        ("UpdateSegmentation", {"input": {"definitions": [], "classifiers": []}}),
    ]
    for name, variables in attempts:
        assert (await company.admin.op(name, **variables)).error_code == "CRM_DISABLED", name
    await company.admin.op("UpdateCompanySettings", input={"crmEnabled": True})
    assert (await company.admin.op("Segmentation")).data["segmentation"] == saved


async def test_another_companys_segmentation_is_not_found_and_stays_unchanged(company, new_tenant):
    saved = await save(company.admin, r84_input(company))
    await finished_job(company.admin)
    other = (await new_tenant()).admin
    crm_id = company.crm.crm_id
    empty = {"definitions": [], "classifiers": []}
    for name, variables in (
        ("Segmentation", {"crmId": crm_id}),
        ("SegmentationJob", {"crmId": crm_id}),
        ("SegmentCounts", {"crmId": crm_id}),
        ("UpdateSegmentation", {"crmId": crm_id, "input": empty}),
    ):
        assert (await other.op(name, **variables)).error_code == "NOT_FOUND", name
    assert (await company.admin.op("Segmentation")).data["segmentation"] == saved


async def test_a_crm_never_segmented_has_no_job_and_no_segments(company):
    assert (await company.admin.op("SegmentationJob")).data["segmentationJob"] is None
    segmentation = (await company.admin.op("Segmentation")).data["segmentation"]
    assert segmentation == {"definitions": [], "classifiers": [], "maxScore": 0}


# --- the demo ------------------------------------------------------------------------------------


async def test_the_demo_data_has_a_segmentation(http, services):
    demo = GraphQLClient(http, (await ensure_demo_data(services.tokens)).token)
    segmentation = (await demo.op("Segmentation")).data["segmentation"]
    assert [d["name"] for d in segmentation["definitions"]] == [
        "Słaby",
        "Umiarkowany",
        "Zaawansowany",
    ]
    assert [c["parameter"] or c["fieldKey"] for c in segmentation["classifiers"]] == [
        "STAGE",
        "POSITION",
        "limitKredytowy",
    ]
    listed = (await demo.op("SegmentedContacts")).data["contacts"]["edges"]
    assert {edge["node"]["lastName"]: summary(edge["node"]) for edge in listed} == {
        "Kowalski": ("Zaawansowany", 21, 30, 70),
        "Nowak": ("Umiarkowany", 10, 30, 33.33),
        "Żak": ("Umiarkowany", 11, 30, 36.67),
    }
