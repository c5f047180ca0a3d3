"""Recomputing the segments of a CRM of 100,000 contacts with 6 classifiers (R8).

Prints the contacts per second of the segmentation job (``app.segmentation_jobs.run_job``, what
the service runs in the background after ``updateSegmentation``: count, scan, score, write,
progress) beside raw ``bulk_write`` calls of precomputed segments, in the same run, on the same
data: the job's own writes (which apply only to a contact unchanged since it was read, see
app/segmentation_jobs.py), and the same changes by ``_id`` alone, the cheapest write there is.
Bar: the job at least 40 % of the speed of the writes by ``_id``.

Every contact changes segment each time (the two configurations have different definitions):
the job takes them from the first configuration to the second, its precomputed writes take them
back, the writes by ``_id`` to the second again. The contacts are loaded with
``insert_many`` in the shape the service writes them (``models.contact_keys.derive_contact``,
their segment under the first configuration); loading is not measured.

    python bench/segmentation.py [--contacts 100000]
"""

import argparse
import asyncio
import random
import signal
import sys
import tempfile
import time
import uuid
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from beanie import PydanticObjectId, init_beanie
from bson.decimal128 import Decimal128
from pymongo import AsyncMongoClient, UpdateOne

from app.embedded import EmbeddedServer
from app.segmentation_jobs import (
    BATCH_SIZE,
    request_update,
    run_job,
    segment_change,
    segment_update,
)
from models.contact import Contact
from models.contact_keys import derive_contact
from models.crm import Crm
from models.crm_lists import Stage
from models.field_definition import FieldDefinition, FieldEntity, FieldType
from models.record_rows import new_record_row
from models.registry import DOCUMENT_MODELS
from models.segmentation import (
    Classifier,
    ClassifierKind,
    NativeParameter,
    Rule,
    RuleCondition,
    Scorer,
    Segmentation,
    segment_definitions,
    segment_sk,
)
from models.values import name_key

CONTACTS = 100_000  # --contacts: fewer, to try the benchmark out
BAR = 0.40  # the job's speed, at least this share of the raw writes'
DATABASE = f"crm_bench_{uuid.uuid4().hex[:8]}"

STAGES = ["Lead", "Główny lead", "Oferta", "Klient", "Utracony"]
POSITIONS = ["Konsultant", "Kierownik", "Dyrektor", "Prezes"]
TAGS = ["Infolinia", "Helpdesk", "Reklamacje", "VIP", "Newsletter", "Partner"]
CITIES = ["Kraków", "Warszawa", "Gdańsk", "Łódź", "Poznań", "Wrocław", "Lublin", "Opole"]
BRANCHES = ["IT", "Handel", "Produkcja", "Usługi"]
FIELDS = {"obrot": FieldType.DECIMAL, "branza": FieldType.SELECT}


def values(points: dict[Any, int]) -> list[Rule]:
    return [Rule(condition=RuleCondition.VALUE, value=str(v), points=p) for v, p in points.items()]


def classifiers(stage_ids: list[Any], position_ids: list[Any]) -> list[Classifier]:
    """Six parameters: three that name records by id, tags, a text, a decimal range, a choice."""
    return [
        Classifier(
            kind=ClassifierKind.NATIVE,
            parameter=NativeParameter.STAGE,
            rules=values(dict(zip(stage_ids, (1, 3, 5, 10, 0), strict=True))),
        ),
        Classifier(
            kind=ClassifierKind.NATIVE,
            parameter=NativeParameter.POSITION,
            weight=Decimal(2),
            rules=values(dict(zip(position_ids, (1, 3, 6, 10), strict=True))),
        ),
        Classifier(
            kind=ClassifierKind.NATIVE,
            parameter=NativeParameter.TAGS,
            rules=values({"Infolinia": 1, "Helpdesk": 5, "Reklamacje": 10, "VIP": 8}),
        ),
        Classifier(
            kind=ClassifierKind.NATIVE,
            parameter=NativeParameter.CITY,
            weight=Decimal("0.5"),
            rules=[
                *values({"Kraków": 4, "Warszawa": 6}),
                Rule(condition=RuleCondition.EXISTS, points=1),
            ],
        ),
        Classifier(
            kind=ClassifierKind.CUSTOM,
            field_key="obrot",
            rules=[
                Rule(condition=RuleCondition.RANGE, range_to=Decimal(10_000), points=1),
                Rule(condition=RuleCondition.RANGE, range_to=Decimal(100_000), points=5),
                Rule(condition=RuleCondition.RANGE, range_from=Decimal(100_000), points=10),
            ],
        ),
        Classifier(
            kind=ClassifierKind.CUSTOM,
            field_key="branza",
            weight=Decimal("1.5"),
            rules=values({"IT": 10, "Handel": 4}),
        ),
    ]


def configuration(ranges: list[tuple[str, int, int]], parts: list[Classifier]) -> Segmentation:
    return Segmentation(
        definitions=segment_definitions(
            (name, start, end, "#123456") for name, start, end in ranges
        ),
        classifiers=parts,
    )


def contact(crm: Crm, definitions: list[FieldDefinition], i: int, rng: random.Random) -> dict:
    document: dict[str, Any] = {
        **new_record_row(crm.tenant_id, crm.id),
        "first_name": rng.choice(["Anna", "Jan", "Zofia", "Piotr", "Ewa"]),
        "last_name": f"Nowak{i}",
        "email": f"kontakt{i}@example.pl",
        "phones": [{"number": f"+4850{i:07d}", "raw": f"+48 50{i:07d}", "label": None}],
        "stage_id": rng.choice(crm.stages).id,
        "position_id": rng.choice(POSITION_IDS),
        "tags": rng.sample(TAGS, rng.randrange(4)),
        "address": {"city": rng.choice(CITIES)} if rng.random() < 0.9 else {},
        "custom": {
            "obrot": Decimal128(str(Decimal(rng.randrange(0, 50_000_000)) / 100)),
            "branza": rng.choice(BRANCHES),
        },
    }
    return {**document, **derive_contact(document, definitions, None)}


POSITION_IDS = [PydanticObjectId() for _ in POSITIONS]


async def load(crm: Crm, definitions: list[FieldDefinition], scorer: Scorer) -> list[dict]:
    """Inserts the contacts with their segment under ``scorer``; returns them as stored."""
    rng = random.Random(42)
    collection = Contact.get_pymongo_collection()
    stored, batch = [], []
    for i in range(CONTACTS):
        document = contact(crm, definitions, i, rng)
        segment = scorer.stored_segment(document)
        document["segment"] = segment
        document["sk"] = segment_sk(document["sk"], segment)
        batch.append(document)
        if len(batch) == BATCH_SIZE:
            await collection.insert_many(batch, ordered=False)
            stored.extend(batch)
            batch = []
    if batch:
        await collection.insert_many(batch, ordered=False)
        stored.extend(batch)
    return stored


async def save(crm: Crm, segmentation: Segmentation) -> None:
    """What updateSegmentation writes: the configuration and the request of a job, at once."""
    update = request_update()
    update["$set"]["segmentation.definitions"] = [d.model_dump() for d in segmentation.definitions]
    update["$set"]["segmentation.classifiers"] = [c.model_dump() for c in segmentation.classifiers]
    await Crm.get_pymongo_collection().update_one({"_id": crm.id}, update)


def precomputed(
    contacts: list[dict], scorer: Scorer
) -> tuple[list[UpdateOne], list[UpdateOne], list[dict]]:
    """The writes that take ``contacts`` (as stored) to ``scorer``'s segments, computed
    beforehand: the job's (which apply only to the contact as it was read), and the same by
    ``_id`` alone; and the contacts as they are stored afterwards."""
    guarded, plain, after = [], [], []
    for document in contacts:
        update, change = segment_update(scorer, document), segment_change(scorer, document)
        assert update is not None, "every contact changes segment"
        assert change is not None
        guarded.append(update)
        plain.append(UpdateOne({"_id": document["_id"]}, change))
        segment = scorer.stored_segment(document)
        after.append({**document, "segment": segment, "sk": segment_sk(document["sk"], segment)})
    return guarded, plain, after


async def raw_writes(updates: list[UpdateOne]) -> float:
    collection = Contact.get_pymongo_collection()
    started = time.perf_counter()
    matched = 0
    for i in range(0, len(updates), BATCH_SIZE):
        result = await collection.bulk_write(updates[i : i + BATCH_SIZE], ordered=False)
        matched += result.matched_count
    elapsed = time.perf_counter() - started
    assert matched == len(updates), f"raw: {matched} of {len(updates)} written"
    return elapsed


async def job(crm: Crm, segmentation: Segmentation) -> float:
    await save(crm, segmentation)
    started = time.perf_counter()
    await run_job(crm.id)
    elapsed = time.perf_counter() - started
    stored = await Crm.get(crm.id)
    assert stored is not None
    assert stored.segmentation.job is not None
    state = stored.segmentation.job
    assert (state.status, state.processed, state.total) == ("DONE", CONTACTS, CONTACTS), state
    return elapsed


async def check(expected: list[dict]) -> None:
    """The stored segments are the expected ones: the same number of contacts in each."""
    rows = await Contact.get_pymongo_collection().aggregate(
        [{"$group": {"_id": "$segment.definition.name", "count": {"$sum": 1}}}]
    )
    stored = {row["_id"]: row["count"] async for row in rows}
    assert stored == Counter(d["segment"]["definition"]["name"] for d in expected), stored


async def main() -> None:
    with tempfile.TemporaryDirectory(prefix="crm-bench-") as tmp:
        server = EmbeddedServer(Path(tmp) / "embedded").start()
        client: AsyncMongoClient = AsyncMongoClient(server.uri, tz_aware=True)
        try:
            await init_beanie(database=client[DATABASE], document_models=DOCUMENT_MODELS)
            await run(client)
        finally:
            await client.close()
            server.stop()


async def run(client: AsyncMongoClient) -> None:
    tenant_id = PydanticObjectId()
    definitions = [
        FieldDefinition(
            tenant_id=tenant_id,
            entity=FieldEntity.CONTACT,
            name=key,
            key=key,
            type=field_type,
            options=BRANCHES if field_type is FieldType.SELECT else [],
            searchable=True,
        )
        for key, field_type in FIELDS.items()
    ]
    await FieldDefinition.insert_many(definitions)
    stages = [Stage(name=name, name_key=name_key(name)) for name in STAGES]
    crm = Crm(tenant_id=tenant_id, name="Sprzedaż", name_key="sprzedaz", stages=stages)
    parts = classifiers([s.id for s in stages], POSITION_IDS)
    first = configuration([("Słaby", 0, 30), ("Średni", 30, 70), ("Mocny", 70, 100)], parts)
    second = configuration([("A", 0, 25), ("B", 25, 50), ("C", 50, 75), ("D", 75, 100)], parts)
    crm.segmentation = first
    await crm.insert()
    first_scorer, second_scorer = Scorer(first, definitions), Scorer(second, definitions)

    started = time.perf_counter()
    contacts = await load(crm, definitions, first_scorer)
    loaded = time.perf_counter() - started
    print(f"loaded {len(contacts):,} contacts in {loaded:.1f} s ({len(contacts) / loaded:,.0f}/s)")
    spread = Counter(d["segment"]["definition"]["name"] for d in contacts)
    print(f"segments under the first configuration: {dict(sorted(spread.items()))}")

    # The job takes the contacts from the first configuration to the second; the job's writes,
    # computed beforehand, take them back (their guards name the contacts as the job leaves
    # them); the plain writes by _id take them to the second again.
    _, plain_to_second, as_second = precomputed(contacts, second_scorer)
    guarded_to_first, _, _ = precomputed(as_second, first_scorer)
    started = time.perf_counter()
    await Contact.get_pymongo_collection().count_documents(
        {"crm_id": crm.id, "tenant_id": tenant_id}
    )
    counting = time.perf_counter() - started

    job_time = await job(crm, second)
    await check(as_second)
    guarded_time = await raw_writes(guarded_to_first)
    await check(contacts)
    plain_time = await raw_writes(plain_to_second)
    await check(as_second)

    def line(name: str, seconds: float) -> str:
        return f"{name:<58} {CONTACTS / seconds:7,.0f} contacts/s ({seconds:6.1f} s)"

    print(line(f"segmentation job, {CONTACTS:,} contacts, 6 classifiers", job_time))
    print(f"  of which counting the CRM's contacts: {counting:.1f} s")
    print(line("raw bulk_write of the job's writes, precomputed", guarded_time))
    print(line("raw bulk_write by _id alone, precomputed (the bar's)", plain_time))
    ratio = plain_time / job_time
    verdict = "PASS" if ratio >= BAR else "FAIL"
    print(
        f"job / raw by _id: {ratio:.0%} | job / raw of its own writes: "
        f"{guarded_time / job_time:.0%} | bar >= {BAR:.0%} of raw by _id: {verdict}"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--contacts", type=int, default=CONTACTS)
    CONTACTS = parser.parse_args().contacts
    # A terminated run still stops its database server (the finally of main).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    asyncio.run(main())
