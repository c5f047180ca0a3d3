"""The embedded SecantusDB server, run as a child process.

The service never imports SecantusDB (GPL-2.0): it runs the ``secantusd-py`` program that the
package installs and talks to it over the MongoDB wire protocol. A child process also gives the
database its own core instead of sharing this interpreter's lock.
"""

import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from pymongo import MongoClient
from pymongo.errors import PyMongoError

log = logging.getLogger(__name__)

STARTUP_TIMEOUT_SECONDS = 30.0


class EmbeddedServerError(RuntimeError):
    """The embedded server could not be started."""


def _free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _server_program() -> str:
    beside_python = Path(sys.executable).with_name("secantusd-py")
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which("secantusd-py")
    if found is None:
        raise EmbeddedServerError("secantusd-py not found: install the SecantusDB package")
    return found


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
    """A ``secantusd-py`` child, or one that another process of this data directory started.

    The process that starts the server records its port in ``server.json``; other processes on
    the same data directory (a second service, ``crm token``) connect to it instead of starting
    a second server on the same files, and leave it running when they stop.
    """

    storage_path: Path
    port: int = field(default_factory=_free_loopback_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def uri(self) -> str:
        return f"mongodb://127.0.0.1:{self.port}/?directConnection=true"

    @property
    def _record(self) -> Path:
        return self.storage_path / "server.json"

    def attach_or_start(self) -> "EmbeddedServer":
        try:
            recorded = json.loads(self._record.read_text())
            if _answers(f"mongodb://127.0.0.1:{recorded['port']}/?directConnection=true"):
                self.port = recorded["port"]
                log.info("using the embedded database already running on port %s", self.port)
                return self
        except (OSError, ValueError, KeyError):
            pass
        return self.start()

    def start(self) -> "EmbeddedServer":
        self.storage_path.mkdir(parents=True, exist_ok=True)
        log_file = (self.storage_path / "secantusd.log").open("ab")
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
        self.process = subprocess.Popen(
            command,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            # Its own process group: a Ctrl-C in the terminal reaches the service, which then
            # stops the database cleanly instead of both dying at once.
            start_new_session=True,
        )
        log_file.close()
        self._wait_until_ready()
        self._record.write_text(json.dumps({"port": self.port, "pid": self.process.pid}))
        log.info("embedded database listening on 127.0.0.1:%s", self.port)
        return self

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
        client: MongoClient = MongoClient(self.uri, serverSelectionTimeoutMS=200)
        try:
            while time.monotonic() < deadline:
                if self.process is not None and self.process.poll() is not None:
                    raise EmbeddedServerError(
                        f"secantusd-py exited with code {self.process.returncode}; "
                        f"see {self.storage_path / 'secantusd.log'}"
                    )
                try:
                    client.admin.command("ping")
                    return
                except PyMongoError:
                    time.sleep(0.05)
        finally:
            client.close()
        self.stop()
        raise EmbeddedServerError("the embedded database did not answer in time")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self._record.unlink(missing_ok=True)
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
