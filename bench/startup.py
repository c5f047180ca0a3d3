"""Time from ``crm serve`` to a ready ``/readyz`` on the embedded database.

Measures a first start (empty data directory: keys generated, database created, indexes built,
demo data written) and a second start on the same directory. The baseline, from the same run, is
the embedded database server alone: start to its first answered ``ping``.

    python bench/startup.py
"""

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.embedded import EmbeddedServer
from tests.conftest import free_port


def time_to_ready(data_dir: Path) -> float:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRM_")}
    env.update(CRM_DATA_DIR=str(data_dir), CRM_LOG_LEVEL="WARNING")
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "app", "serve", "--demo", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                    return time.perf_counter() - started
            except httpx.HTTPError:
                pass
            if process.poll() is not None:
                raise RuntimeError("crm serve exited")
            time.sleep(0.02)
    finally:
        process.terminate()
        process.wait(timeout=30)


def database_alone(data_dir: Path) -> float:
    started = time.perf_counter()
    server = EmbeddedServer(data_dir).start()
    elapsed = time.perf_counter() - started
    server.stop()
    return elapsed


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        first = time_to_ready(base / "service")
        second = time_to_ready(base / "service")
        baseline = database_alone(base / "db-alone")
    print(f"crm serve --demo to ready /readyz, first start:  {first * 1000:7.0f} ms")
    print(f"crm serve --demo to ready /readyz, second start: {second * 1000:7.0f} ms")
    print(f"baseline: embedded database alone to first ping: {baseline * 1000:7.0f} ms")


if __name__ == "__main__":
    main()
