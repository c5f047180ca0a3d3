"""The reader's child process: ``python -m app.sheet_child REQUEST`` reads one imported file and
writes its header, then its rows (in batches) if asked for, as JSON lines (app/sheet_wire.py) to
stdout.

Its resource limits are set before the file is touched: address space (a reader believing a
hostile file's sizes fails to allocate and the process ends), processor time, no core file. The
service (app/sheet_reading.py) adds a wall-clock limit and reads any end of this process as the
file being too large: whatever a file does here, the service process is untouched.
"""

import json
import os
import resource
import sys
import traceback
from itertools import islice
from pathlib import Path
from typing import Any, BinaryIO

from app.sheet_limits import (
    BATCH_ROWS,
    MAX_ROW_CHARS,
    MB,
    ReaderLimits,
    SpreadsheetError,
    check_row,
    too_large,
)
from app.sheet_parsing import parse
from app.sheet_wire import encode


def _limit(limits: ReaderLimits) -> None:
    memory = limits.memory_mb * MB
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 5))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _error(error: SpreadsheetError) -> dict[str, Any]:
    return {"error": type(error).__name__, "message": str(error)}


def _send(request: dict[str, Any], out: BinaryIO) -> None:
    """The header; then, if asked for, the rows in batches (each row checked on the way)."""
    sheet = parse(Path(request["path"]), request["kind"], request["sheet"], not request["rows"])
    header = {"kind": sheet.kind, "headers": sheet.headers, "header_row": sheet.header_row}
    out.write(encode({**header, "total": sheet.total}))
    out.flush()
    if request["rows"]:
        batch: list[list[Any]] = []
        chars = 0
        rows = islice(sheet.records(), sheet.header_row, None)
        for number, row in enumerate(rows, start=sheet.header_row + 1):
            chars += check_row(number, row)
            batch.append(row)
            if len(batch) == BATCH_ROWS or chars >= MAX_ROW_CHARS:
                out.write(encode(batch))
                batch, chars = [], 0
        if batch:
            out.write(encode(batch))
    out.write(encode({"end": True}))


def _run(request: dict[str, Any], out: BinaryIO) -> None:
    limits = ReaderLimits(**request["limits"])
    _limit(limits)
    try:
        _send(request, out)
    except SpreadsheetError as error:
        out.write(encode(_error(error)))
    except MemoryError:
        memory = too_large(f"reading it needs more than {limits.memory_mb:,} MB of memory")
        out.write(encode(_error(memory)))
    except BrokenPipeError:
        raise
    except Exception as error:  # a reader's failure on a damaged file, whatever its type
        traceback.print_exc()
        out.write(encode(_error(SpreadsheetError(f"The file cannot be read: {error}."))))


def main() -> None:
    out = sys.stdout.buffer
    try:
        _run(json.loads(sys.argv[1]), out)
        out.flush()
    except BrokenPipeError:  # the service stopped reading (it needed only the header)
        os._exit(0)


if __name__ == "__main__":
    main()
