"""The failed rows of an import: the ``errors`` connection, and the file of them a person fixes
and imports again (``GET /imports/{id}/errors.csv``)."""

import base64
import binascii
import csv
import io
from collections.abc import AsyncIterator

from beanie import PydanticObjectId

from app.csv_escaping import csv_text
from app.spreadsheets import CSV_DELIMITER
from models.errors import ValidationFailed
from models.import_job import FailedRow, ImportJob
from models.import_messages import ERROR_HEADER, Language, in_language
from resolvers.common.pagination import Connection, Edge, PageInfo, check_page_size
from resolvers.imports.types import ImportRowError

BOM = "\ufeff"


def _cursor(row: int, index: int) -> str:
    return base64.urlsafe_b64encode(f"{row}:{index}".encode()).decode()


def _position(cursor: str) -> tuple[int, int]:
    try:
        row, index = base64.urlsafe_b64decode(cursor.encode()).decode().split(":")
        return int(row), int(index)
    except (ValueError, binascii.Error, UnicodeDecodeError) as error:
        raise ValidationFailed.single("after", "Not a cursor of this list.") from error


async def error_page(
    job_id: PydanticObjectId, total: int, first: int, after: str | None
) -> Connection[ImportRowError]:
    """Errors in row order (a failed row has one or more), keyset-paged on (row, index)."""
    check_page_size(first)
    start = _position(after) if after is not None else (0, -1)
    rows = (
        await FailedRow.get_pymongo_collection()
        .find({"job_id": job_id, "row": {"$gte": start[0]}})
        .sort("row", 1)
        .limit(first + 1)
        .to_list()
    )
    edges = []
    for doc in rows:
        for index, problem in enumerate(doc["problems"]):
            if (doc["row"], index) <= start:
                continue
            node = ImportRowError(
                row=doc["row"],
                column=problem.get("column"),
                value=problem.get("value"),
                message=problem["message"],
            )
            edges.append(Edge(cursor=_cursor(doc["row"], index), node=node))
    page = edges[:first]

    async def count() -> int:
        return total

    return Connection(
        edges=page,
        page_info=PageInfo(
            has_next_page=len(edges) > first, end_cursor=page[-1].cursor if page else None
        ),
        count=count,
    )


def _line(cells: list[str]) -> str:
    buffer = io.StringIO()
    # Escaped like an export's cells: an uploader's formula must not run for who downloads it.
    writer = csv.writer(buffer, delimiter=CSV_DELIMITER, lineterminator="\r\n")
    writer.writerow([csv_text(cell) for cell in cells])
    return buffer.getvalue()


def _described(doc: dict, language: Language) -> str:
    messages = ((p.get("column"), in_language(p["message"], language)) for p in doc["problems"])
    return "; ".join(f"{column}: {message}" if column else message for column, message in messages)


async def errors_csv(job: ImportJob, language: Language) -> AsyncIterator[str]:
    """The header of the file plus an error column, then each failed row as it was; the error
    column's header and texts in ``language``."""
    width = len(job.headers)
    yield BOM + _line([*job.headers, ERROR_HEADER[language]])
    cursor = FailedRow.get_pymongo_collection().find({"job_id": job.id}).sort("row", 1)
    async for doc in cursor:
        values = (doc["values"] + [""] * width)[:width]
        yield _line([*values, _described(doc, language)])
