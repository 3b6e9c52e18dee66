"""Logging to a file only, with every registered secret redacted.

The terminal belongs to the TUI (or to a command's output), so nothing is ever logged to
it. The redaction filter sits on the handler, so records from the SDK and httpx2 are
scrubbed too, not just ttai's own.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
from pathlib import Path

from ttai_tui import paths
from ttai_tui.secrets import RedactingFilter

_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"


_current: Path | None = None  # the file setup_logging opened (for "details in <file>")


def current_log_file() -> Path | None:
    """The log file of this process, None before ``setup_logging``."""
    return _current


def log_file(configured: Path | None) -> Path:
    return configured if configured is not None else paths.log_dir() / "ttai.log"


def setup_logging(level: str = "INFO", file: Path | None = None) -> Path:
    """Send ttai's, the SDK's and the HTTP stack's records to one rotating file."""
    target = log_file(file)
    target.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.handlers.RotatingFileHandler(target, maxBytes=5_000_000, backupCount=3, encoding="utf-8")
    try:
        os.chmod(target, 0o600)
    except OSError as exc:  # e.g. a file owned by someone else: the log still works
        logging.getLogger(__name__).warning("cannot make %s private: %s", target, exc)
    handler.setFormatter(logging.Formatter(_FORMAT))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
        old.close()
    numeric = getattr(logging, level.upper(), logging.INFO)
    handler.setLevel(numeric)
    root.addHandler(handler)
    root.setLevel(numeric)
    # The SDK forces its own logger to DEBUG when imported and logs every frame it receives;
    # below DEBUG verbosity, switch those records off globally so they cost one integer compare
    # instead of filling the log (and the disk) with market data all day.
    logging.disable(logging.DEBUG if numeric > logging.DEBUG else logging.NOTSET)
    # The HTTP stack is chatty at DEBUG and logs headers; keep it at WARNING unless asked.
    for name in ("httpx2", "httpcore2", "hpack", "aiohttp.access"):
        logging.getLogger(name).setLevel(logging.WARNING)
    logging.captureWarnings(True)
    global _current
    _current = target
    return target
