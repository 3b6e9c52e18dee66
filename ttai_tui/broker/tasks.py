"""Stopping background tasks: one place for the cancel-then-await that every stop() does."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable

log = logging.getLogger(__name__)


async def cancel_all(tasks: Iterable[asyncio.Task[object] | None]) -> None:
    """Cancel the tasks, then wait for each to finish; their errors are already logged by them
    (or irrelevant once we are stopping), so none is raised here."""
    live = [t for t in tasks if t is not None]
    for t in live:
        t.cancel()
    for t in live:
        try:
            await t
        except asyncio.CancelledError:
            pass  # what we asked for
        except Exception as exc:  # stopping goes on; the task's failure is still recorded
            log.info("task %s ended with %s while stopping", t.get_name(), type(exc).__name__, exc_info=exc)
