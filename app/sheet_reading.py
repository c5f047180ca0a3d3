"""Reading an imported file in a child process, never in the service's own.

A hostile spreadsheet can make a reader allocate what it declares (512 GiB for a cell at
XFD1048576) or unpack a zip bomb; in the service process that ends every request and job. The
file is read by ``python -m app.sheet_child`` under memory and processor-time limits, which sends
its rows back over a pipe as JSON lines. The service waits at most ``timeout_seconds`` for each
message, and reads any end of the child other than its own (killed past a limit, a crash) as the
file being larger than the import allows. Blocking: call :func:`open_sheet` and iterate the rows
in a thread.
"""

import contextlib
import fcntl
import json
import logging
import os
import select
import signal
import subprocess
import sys
import tempfile
import threading
from collections import deque
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from app.sheet_limits import (
    BATCH_ROWS,
    MAX_COLUMNS,
    MAX_ROW_CHARS,
    FileTooLarge,
    ReaderLimits,
    SheetNotFound,
    SpreadsheetError,
    too_large,
)
from app.sheet_wire import decode
from models.import_job import FileKind

log = logging.getLogger(__name__)

_ROOT = Path(__file__).resolve().parent.parent
_ERRORS = {kind.__name__: kind for kind in (SpreadsheetError, SheetNotFound, FileTooLarge)}
# The longest line a batch within the bounds makes (at most 2 * MAX_ROW_CHARS characters, every
# one escaped as \uXXXX, and BATCH_ROWS rows of tagged cells).
_MAX_LINE_BYTES = 12 * MAX_ROW_CHARS + 32 * MAX_COLUMNS * BATCH_ROWS
_CHUNK = 1 << 20
_EXIT_WAIT_SECONDS = 5


class _Child:
    """The child process reading one file, and its output as messages."""

    def __init__(
        self, path: Path, kind: FileKind | None, sheet: str | None, limits: ReaderLimits, rows: bool
    ) -> None:
        self.limits = limits
        request = {
            "path": str(path),
            "kind": kind.value if kind else None,
            "sheet": sheet,
            "limits": asdict(limits),
            "rows": rows,
        }
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 (closed by stop())
        self.process = subprocess.Popen(
            [sys.executable, "-m", "app.sheet_child", json.dumps(request)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            cwd=_ROOT,
            env={**os.environ, "RUST_BACKTRACE": "0"},
        )
        assert self.process.stdout is not None
        self._fd = self.process.stdout.fileno()
        with contextlib.suppress(OSError, AttributeError):  # a larger pipe: fewer switches
            fcntl.fcntl(self._fd, fcntl.F_SETPIPE_SZ, _CHUNK)
        self._poll = select.poll()
        self._poll.register(self._fd, select.POLLIN)
        self._lines: deque[str] = deque()
        self._partial = ""
        self._stopped = False
        # Held while the pipe is read (in a thread) and while it is closed: a read never meets
        # a closed descriptor, nor one reused by another file.
        self._lock = threading.RLock()

    def message(self) -> Any:
        while not self._lines:
            self._read()
        return decode(self._lines.popleft())

    def _read(self) -> None:
        with self._lock:
            if self._stopped:
                raise SpreadsheetError("The file's reader was closed.")
            self._read_chunk()

    def _read_chunk(self) -> None:
        if not self._poll.poll(self.limits.timeout_seconds * 1000):
            self.stop()
            raise too_large(f"reading it took longer than {self.limits.timeout_seconds:g} s")
        chunk = os.read(self._fd, _CHUNK)
        if not chunk:
            raise self._ended()
        # The child writes ASCII (JSON escapes the rest): text decodes faster than bytes.
        lines = (self._partial + chunk.decode("ascii", "replace")).split("\n")
        self._partial = lines.pop()
        if len(self._partial) > _MAX_LINE_BYTES:
            self.stop()
            raise too_large(f"its rows hold more than {MAX_ROW_CHARS:,} characters each")
        self._lines.extend(lines)

    def _ended(self) -> FileTooLarge:
        """Why the child's output ended before its last message."""
        try:
            code = self.process.wait(timeout=_EXIT_WAIT_SECONDS)
        except subprocess.TimeoutExpired:
            code = None
        self._stderr.seek(0)
        log.warning(
            "The import reader ended with %s: %s",
            code,
            self._stderr.read()[-2000:].decode("utf-8", "replace"),
        )
        self.stop()
        if code == -signal.SIGXCPU:
            return too_large(
                f"reading it needs more than {self.limits.cpu_seconds:,} s of processor time"
            )
        return too_large(f"reading it needs more than {self.limits.memory_mb:,} MB of memory")

    def stop(self) -> None:
        """Kills the child if it still runs (which wakes a read waiting for it), and closes."""
        if self.process.poll() is None:
            self.process.kill()
        with self._lock:
            if self._stopped:
                return
            self._stopped = True
            self.process.wait()
            assert self.process.stdout is not None
            self.process.stdout.close()
            self._stderr.close()


def _error(message: dict[str, Any]) -> SpreadsheetError:
    return _ERRORS.get(message["error"], SpreadsheetError)(message["message"])


@dataclass
class SheetInfo:
    """A sheet's header and how many rows follow it (the header's row is usually 1)."""

    kind: FileKind
    headers: list[str]
    header_row: int
    total: int

    @classmethod
    def of(cls, header: dict[str, Any]) -> "SheetInfo":
        return cls(
            kind=FileKind(header["kind"]),
            headers=header["headers"],
            header_row=header["header_row"],
            total=header["total"],
        )


@dataclass
class SheetReader:
    """An open sheet: its header, and the rows below it with the numbers a spreadsheet shows."""

    info: SheetInfo
    _child: _Child = field(repr=False)

    @property
    def headers(self) -> list[str]:
        return self.info.headers

    def rows(self) -> Iterator[tuple[int, list[Any]]]:
        """The rows below the header; entirely blank ones too (they are counted, not used).
        Raises :class:`SpreadsheetError` if the reader fails on the way."""
        number = self.info.header_row
        while True:
            message = self._child.message()
            if isinstance(message, list):  # a batch of rows
                for row in message:
                    number += 1
                    yield number, row
                continue
            self._child.stop()
            if "error" in message:
                raise _error(message)
            return

    def close(self) -> None:
        self._child.stop()


def _started(
    path: Path, kind: FileKind | None, sheet: str | None, limits: ReaderLimits | None, rows: bool
) -> tuple[_Child, SheetInfo]:
    child = _Child(path, kind, sheet, limits or ReaderLimits(), rows)
    try:
        header = child.message()
        if "error" in header:
            raise _error(header)
    except BaseException:
        child.stop()
        raise
    return child, SheetInfo.of(header)


def inspect_sheet(path: Path, sheet: str | None, limits: ReaderLimits | None = None) -> SheetInfo:
    """The kind (from the content), header and length of the named sheet (the first visible
    worksheet when None), every row checked against the bounds. Blocking."""
    child, info = _started(path, None, sheet, limits, rows=False)
    child.stop()
    return info


def open_sheet(
    path: Path,
    kind: FileKind | None = None,
    sheet: str | None = None,
    limits: ReaderLimits | None = None,
) -> SheetReader:
    """Opens the named sheet of a file of ``kind`` (found from its content when None) to read
    its rows. Blocking; the reader runs until the rows end or :meth:`SheetReader.close`."""
    child, info = _started(path, kind, sheet, limits, rows=True)
    return SheetReader(info, child)
