"""Stopping a process's background work within a deadline.

A stop that waits on a database that is gone, or a task whose cancellation pymongo swallowed,
must not keep the process from ending: what has not stopped by the deadline is left (and logged),
and the process goes on shutting down.
"""

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

log = logging.getLogger(__name__)


async def stop_within(seconds: float, **stops: Coroutine[Any, Any, None]) -> None:
    """Runs the ``stops`` together; gives up on those not done after ``seconds``."""
    tasks = {asyncio.ensure_future(stop): name for name, stop in stops.items()}
    done, pending = await asyncio.wait(tasks, timeout=seconds)
    for task in pending:
        task.cancel()
        log.error("stopping %s took longer than %.0f s; left behind", tasks[task], seconds)
    for task in done:
        if not task.cancelled() and task.exception() is not None:
            log.error("stopping %s failed", tasks[task], exc_info=task.exception())
