"""Helpers of the import and export tests: real xlsx and CSV files made in memory, the GraphQL
multipart upload, and bounded polling of a job until it is finished."""

import asyncio
import csv
import io
import json
from datetime import date, datetime
from typing import Any

import xlsxwriter

from tests.client import GraphQLClient, Result
from tests.operations import document

FINISHED = {"COMPLETED", "FAILED", "CANCELLED"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_file(rows: list[list[Any]], sheet: str = "Kontakty", **extra_sheets: list) -> bytes:
    """An xlsx file: dates as date cells (Excel shows them as dates), other cells as given."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    day = workbook.add_format({"num_format": "dd.mm.yyyy"})
    for name, content in {sheet: rows, **extra_sheets}.items():
        worksheet = workbook.add_worksheet(name)
        for r, row in enumerate(content):
            for c, cell in enumerate(row):
                if isinstance(cell, date):
                    moment = cell if isinstance(cell, datetime) else datetime(*cell.timetuple()[:3])
                    worksheet.write_datetime(r, c, moment, day)
                elif isinstance(cell, str):
                    worksheet.write_string(r, c, cell)
                elif cell is not None:
                    worksheet.write(r, c, cell)
    workbook.close()
    return buffer.getvalue()


def csv_file(rows: list[list[Any]], delimiter: str = ";", bom: bool = True) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return ("\ufeff" if bom else "").encode() + buffer.getvalue().encode()


async def upload(
    client: GraphQLClient,
    content: bytes,
    file_name: str = "kontakty.xlsx",
    **variables: Any,
) -> Result:
    """``importContacts`` as the GraphQL multipart request spec sends it."""
    operations = {
        "query": document("ImportContacts"),
        "operationName": "ImportContacts",
        "variables": {"file": None, **variables},
    }
    headers = {"Authorization": f"Bearer {client.token}"} if client.token else {}
    response = await client.http.post(
        "/graphql",
        data={"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.file"]})},
        files={"0": (file_name, content, XLSX)},
        headers=headers,
    )
    return Result(response.status_code, response.json())


async def finished(client: GraphQLClient, job_id: str, polls: int = 2000) -> dict[str, Any]:
    """The job once it is finished (bounded polling through the API)."""
    for _ in range(polls):
        job = (await client.op("ImportJob", id=job_id, first=200)).data["importJob"]
        if job["status"] in FINISHED:
            return job
        await asyncio.sleep(0.02)
    raise AssertionError(f"import {job_id} did not finish: {job}")


async def imported(client: GraphQLClient, content: bytes, file_name: str = "k.xlsx", **variables):
    """Uploads, waits, and returns the finished job."""
    result = await upload(client, content, file_name, **variables)
    return await finished(client, result.data["importContacts"]["id"])


async def export_finished(client: GraphQLClient, job_id: str, polls: int = 2000) -> dict:
    for _ in range(polls):
        job = (await client.op("ExportJob", id=job_id)).data["exportJob"]
        if job["status"] in FINISHED:
            return job
        await asyncio.sleep(0.02)
    raise AssertionError(f"export {job_id} did not finish: {job}")
