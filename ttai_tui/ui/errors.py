"""Keep the dashboard alive when one part of it fails.

Textual stops a widget's message loop (and then the app) on an unhandled exception. A trading
screen must instead say what broke and keep showing everything else, so every UI entry point
(actions, message handlers, the flush timer) is wrapped with `guarded`: the exception is
logged with its context (where, widget id, traceback, never locals) and shown as a notification,
throttled so a failure repeating at 15 Hz does not flood the screen.
"""

from __future__ import annotations

import functools
import inspect
import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar, cast

from textual.dom import DOMNode

log = logging.getLogger("ttai_tui.ui")

F = TypeVar("F", bound=Callable[..., Any])
NOTIFY_EVERY = 10.0


def report(node: DOMNode, where: str, exc: BaseException) -> None:
    """Log and notify one failure (no secrets: messages only, never locals)."""
    ident = getattr(node, "id", None) or type(node).__name__
    log.error("UI error in %s (%s): %s", where, ident, exc, exc_info=exc)
    now = time.monotonic()
    try:
        app = getattr(node, "app", None)
    except Exception as no_app:  # no active app (shutdown): the log above has the failure
        log.debug("no app to notify about %s: %s", where, type(no_app).__name__)
        return
    if app is None:
        return
    last: dict[str, float] = app.__dict__.setdefault("_ttai_error_times", {})
    if now - last.get(where, -1e9) < NOTIFY_EVERY:
        return
    last[where] = now
    try:
        app.notify(f"{where} failed: {exc}", title="Error (the app keeps running)",
                       severity="error", timeout=6)
    except Exception as no_app:  # during shutdown there may be no app to tell
        log.debug("could not notify about %s: %s", where, type(no_app).__name__)


def guarded(where: str) -> Callable[[F], F]:
    """Decorate a method so an exception is reported instead of killing the widget."""

    def deco(fn: F) -> F:
        if inspect.iscoroutinefunction(fn):

            @functools.wraps(fn)
            async def awrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
                try:
                    return await fn(self, *args, **kwargs)
                except Exception as exc:
                    report(self, where, exc)
                    return None

            return cast(F, awrapper)

        @functools.wraps(fn)
        def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
            try:
                return fn(self, *args, **kwargs)
            except Exception as exc:
                report(self, where, exc)
                return None

        return cast(F, wrapper)

    return deco
