"""``crm serve``: uvicorn, stopped within :data:`DEADLINE_SECONDS` of SIGTERM or SIGINT (both
start the same graceful shutdown), or when the database is given up (app/db.py).

The shutdown is bounded step by step: open connections (WebSockets) get
:data:`GRACEFUL_SECONDS`, the background workers ``app.server.STOP_SECONDS``, the database
client and the embedded server theirs. Should anything still hold the process at the deadline
(a task that does not end when cancelled), it exits there all the same.
"""

import contextlib
import logging
import os
import sys
import threading
import time
from types import FrameType

import uvicorn
from starlette.applications import Starlette

from app.db import Database
from app.settings import Settings

log = logging.getLogger(__name__)

GRACEFUL_SECONDS = 2
DEADLINE_SECONDS = 9.0


class _Server(uvicorn.Server):
    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self._deadline: threading.Thread | None = None

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        self.stop_soon()
        super().handle_exit(sig, frame)

    def stop_soon(self) -> None:
        """Starts the shutdown, and the clock that ends the process at the deadline."""
        self.should_exit = True
        if self._deadline is None:
            self._deadline = threading.Thread(target=_exit_at_deadline, daemon=True)
            self._deadline.start()


def _exit_at_deadline() -> None:
    time.sleep(DEADLINE_SECONDS)
    log.critical("the shutdown took longer than %.0f s; exiting now", DEADLINE_SECONDS)
    logging.shutdown()
    os._exit(1)


def serve(app: Starlette, settings: Settings) -> None:
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level.lower(),
        timeout_graceful_shutdown=GRACEFUL_SECONDS,
    )
    server = _Server(config)
    database: Database = app.state.services.database
    database.on_gone = lambda _: server.stop_soon()
    with contextlib.suppress(KeyboardInterrupt):  # SIGINT, raised again once stopped
        server.run()
    if database.gone is not None:
        sys.exit(f"crm serve: {database.gone}")
