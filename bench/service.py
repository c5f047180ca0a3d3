"""The service as the benchmarks run it: ``crm serve`` in a child process, as in production, on
an embedded database of its own."""

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from app.embedded import EmbeddedServer
from tests.conftest import free_port, wait_until_ready

ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def running_service(data_dir: Path, database: str, jwt_secret: str) -> Iterator[tuple[str, str]]:
    """(database uri, service base url): the embedded database and ``crm serve`` on it."""
    server = EmbeddedServer(data_dir / "embedded").start()
    process = None
    try:
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("CRM_")}
        env.update(
            CRM_MONGODB_URI=server.uri,
            CRM_DATABASE=database,
            CRM_DATA_DIR=str(data_dir),
            CRM_JWT_SECRET=jwt_secret,
            CRM_LOG_LEVEL="WARNING",
        )
        log = data_dir / "service.log"
        with log.open("wb") as output:
            process = subprocess.Popen(
                [sys.executable, "-m", "app", "serve", "--port", str(port)],
                env=env,
                cwd=ROOT,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        base_url = f"http://127.0.0.1:{port}"
        wait_until_ready(base_url, process, timeout=60, log=log)
        yield server.uri, base_url
    finally:
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        server.stop()
