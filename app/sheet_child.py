"""The reader's child process: ``python -m app.sheet_child REQUEST`` reads one imported file and
writes its header, then its rows if asked for, as JSON lines (app/sheet_wire.py) to stdout.

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

from app.sheet_limits import MB, ReaderLimits, SpreadsheetError, check_row, too_large
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
    """The header; then, if asked for, the rows (each checked unless all were)."""
    sheet = parse(Path(request["path"]), request["kind"], request["sheet"], not request["rows"])
    header = {"kind": sheet.kind, "headers": sheet.headers, "header_row": sheet.header_row}
    out.write(encode({**header, "total": sheet.total}))
    out.flush()
    if request["rows"]:
        rows = islice(sheet.records(), sheet.header_row, None)
        for number, row in enumerate(rows, start=sheet.header_row + 1):
            if not sheet.checked:
                check_row(number, row)
            out.write(encode(row))
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
