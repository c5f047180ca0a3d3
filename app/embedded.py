"""The embedded SecantusDB server, run as a child process.

The service never imports SecantusDB (GPL-2.0): it runs the ``secantusd-py`` program that the
package installs and talks to it over the MongoDB wire protocol. A child process also gives the
database its own core instead of sharing this interpreter's lock.
"""

import fcntl
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from pymongo import MongoClient
from pymongo.errors import PyMongoError

log = logging.getLogger(__name__)

STARTUP_TIMEOUT_SECONDS = 30.0
# A clean stop writes a checkpoint; past this the child is killed.
STOP_TIMEOUT_SECONDS = 5.0
LOCK_FILE = "server.lock"
RECORD_FILE = "server.json"


class EmbeddedServerError(RuntimeError):
    """The embedded server could not be started."""


def _free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _server_program() -> str:
    beside_python = Path(sys.executable).with_name("secantusd-py")
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which("secantusd-py")
    if found is None:
        raise EmbeddedServerError("secantusd-py not found: install the SecantusDB package")
    return found


def uri_of(port: int) -> str:
    return f"mongodb://127.0.0.1:{port}/?directConnection=true"


def _answers(uri: str) -> bool:
    client: MongoClient = MongoClient(uri, serverSelectionTimeoutMS=500)
    try:
        client.admin.command("ping")
        return True
    except PyMongoError:
        return False
    finally:
        client.close()


@dataclass
class EmbeddedServer:
    """A ``secantusd-py`` child, or one that another process of this data directory runs.

    One process of a data directory runs the server: the one holding the exclusive lock on
    ``server.lock``. It records the server's port in ``server.json``; the other processes (a
    second service, ``crm token``) connect to that port instead of starting a second server on
    the same files, and leave it running when they stop. When the server goes away (its process
    stopped, or the server was killed), :meth:`attach_or_start` is called again: the first
    process to take the lock starts it again, on the same port when it is free, and the others
    attach to the port the new record names.
    """

    storage_path: Path
    port: int = field(default_factory=_free_loopback_port)
    process: subprocess.Popen[bytes] | None = None
    _lock: IO[str] | None = field(default=None, repr=False)
    _closed: bool = field(default=False, repr=False)
    _guard: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def uri(self) -> str:
        return uri_of(self.port)

    @property
    def _record(self) -> Path:
        return self.storage_path / RECORD_FILE

    @property
    def child_exited(self) -> bool:
        """This process started the server, and it is no longer running."""
        return self.process is not None and self.process.poll() is not None

    def attach_or_start(self, timeout: float = STARTUP_TIMEOUT_SECONDS) -> "EmbeddedServer":
        """Connects to the server of the data directory, starting it when no process runs it.

        Waits up to ``timeout`` for a server that another process holds the lock for (it may be
        starting it); EmbeddedServerError when none answers by then."""
        self.storage_path.mkdir(parents=True, exist_ok=True)
        deadline = time.monotonic() + timeout
        while not self._closed:
            recorded = self._recorded_port()
            if self._take_lock():
                if recorded is not None and _answers(uri_of(recorded)):
                    # Left running by a process that died without stopping it: adopted.
                    self.port = recorded
                    return self
                if recorded is not None and recorded != self.port and _port_is_free(recorded):
                    self.port = recorded  # the others still look for it there
                return self.start()
            if recorded is not None and _answers(uri_of(recorded)):
                if recorded != self.port:
                    log.info("using the embedded database running on port %s", recorded)
                self.port = recorded
                return self
            if time.monotonic() >= deadline:
                raise EmbeddedServerError(
                    f"another process holds {self.storage_path / LOCK_FILE} but no embedded "
                    f"database answers on the port {self._record} names"
                )
            time.sleep(0.2)
        raise EmbeddedServerError("the embedded database is being stopped")

    def start(self) -> "EmbeddedServer":
        """Starts the server on :attr:`port` (another free one when that is taken)."""
        self.storage_path.mkdir(parents=True, exist_ok=True)
        if not self._take_lock():
            raise EmbeddedServerError(f"another process holds {self.storage_path / LOCK_FILE}")
        self._end_child()
        if not _port_is_free(self.port):
            self.port = _free_loopback_port()
        command = [
            _server_program(),
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--storage-path",
            str(self.storage_path / "db"),
            "--log-level",
            "WARNING",
            # Change streams of quiet collections keep a resume token inside the oplog window.
            "--noop-heartbeat-seconds",
            "10",
        ]
        with self._guard, (self.storage_path / "secantusd.log").open("ab") as log_file:
            if self._closed:  # stopped meanwhile: no child may outlive this process
                raise EmbeddedServerError("the embedded database is being stopped")
            self.process = subprocess.Popen(
                command,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                # Its own process group: a Ctrl-C in the terminal reaches the service, which
                # then stops the database cleanly instead of both dying at once.
                start_new_session=True,
            )
        self._wait_until_ready(self.process)
        record = {"port": self.port, "pid": self.process.pid, "owner": os.getpid()}
        self._record.write_text(json.dumps(record))
        log.info("embedded database listening on 127.0.0.1:%s", self.port)
        return self

    def _recorded_port(self) -> int | None:
        try:
            return int(json.loads(self._record.read_text())["port"])
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def _take_lock(self) -> bool:
        """Whether this process holds the data directory's lock (taken now if it is free)."""
        if self._lock is not None:
            return True
        handle = (self.storage_path / LOCK_FILE).open("a")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        self._lock = handle
        return True

    def _wait_until_ready(self, process: subprocess.Popen[bytes]) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
        client: MongoClient = MongoClient(self.uri, serverSelectionTimeoutMS=200)
        try:
            while time.monotonic() < deadline and not self._closed:
                if process.poll() is not None:
                    raise EmbeddedServerError(
                        f"secantusd-py exited with code {process.returncode}; "
                        f"see {self.storage_path / 'secantusd.log'}"
                    )
                try:
                    client.admin.command("ping")
                    return
                except PyMongoError:
                    time.sleep(0.05)
        finally:
            client.close()
        self._end_child()
        raise EmbeddedServerError("the embedded database did not answer in time")

    def _end_child(self) -> None:
        """Stops the child this process started, if it still runs: cleanly when it can."""
        process = self.process
        self.process = None
        if process is None or process.poll() is not None:
            return
        self._record.unlink(missing_ok=True)
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    def stop(self) -> None:
        """Stops the child this process started and gives up the lock. Safe to call while
        another thread is in :meth:`attach_or_start`: that one then starts nothing."""
        with self._guard:
            self._closed = True
        self._end_child()
        if self._lock is not None:
            self._lock.close()
            self._lock = None
