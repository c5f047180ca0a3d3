"""``exportContacts`` takes every filter that ``contacts`` takes, and writes exactly the contacts
that list holds: the filter table of tests/test_contact_filters.py, run through exports.

A single equality (``{custom: {segment: {eq: "a"}}}``, ``{stageId: {eq: ...}}``) answered
INTERNAL_SERVER_ERROR once: the export stored the index its query named, and such a query named
none.
"""

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from models.import_job import FileKind
from tests.import_support import export_finished
from tests.test_contact_filters import CASES, DataSet, build_data_set, module_tenant
from tests.test_export import read


@pytest_asyncio.fixture(scope="module")
async def data(http, services) -> DataSet:
    return await build_data_set(await module_tenant(http, services, "Exports"))


def names(rows: list[Any]) -> Counter:
    return Counter((row.natives["firstName"], row.natives["lastName"]) for row in rows)


@pytest.mark.parametrize("name", list(CASES))
async def test_an_export_holds_exactly_what_the_filter_lists(data: DataSet, name: str, tmp_path):
    filter_ = CASES[name](data)
    expected = [row for row in data.rows if row.id in data.expected(filter_)]
    started = await data.admin.op("ExportContacts", format="CSV", filter=filter_)
    assert not started.errors, started.errors
    job = await export_finished(data.admin, started.data["exportContacts"]["id"])
    assert job["status"] == "COMPLETED", job
    assert job["total"] == len(expected)
    response = await data.admin.http.get(
        job["downloadUrl"], headers={"Authorization": f"Bearer {data.admin.token}"}
    )
    path = Path(tmp_path) / "export.csv"
    path.write_bytes(response.content)
    headers, rows = read(path, FileKind.CSV)
    first, last = headers.index("Imię"), headers.index("Nazwisko")
    assert Counter((row[first], row[last]) for row in rows) == names(expected), name
