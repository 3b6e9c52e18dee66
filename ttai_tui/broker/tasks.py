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
    me = asyncio.current_task()
    # a stop() may run while its caller is already being cancelled (a `finally` on Ctrl-C): only
    # a cancel that arrives while we wait here is the caller's to receive
    cancels_before = me.cancelling() if me is not None else 0
    for t in live:
        t.cancel()
    for t in live:
        try:
            await t
        except asyncio.CancelledError:
            if me is not None and me.cancelling() > cancels_before:
                raise  # the caller was cancelled while it waited: stopping must not swallow that
            # otherwise it is the task's own cancellation: what we asked for
        except Exception as exc:  # stopping goes on; the task's failure is still recorded
            log.info("task %s ended with %s while stopping", t.get_name(), type(exc).__name__, exc_info=exc)
