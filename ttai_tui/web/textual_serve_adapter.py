"""Everything ttai uses from textual-serve, including its one private attribute, in one place.

textual-serve's AppService starts the app process and speaks Textual's web-driver protocol, but
it has no public way to kill a process that ignores the quit request, so `ensure_exited` reads
its `_process`. The version is pinned in pyproject.toml and checked here, and
tests/web/test_adapter.py fails when the attribute or the version changes.
"""

from __future__ import annotations

import asyncio
import logging
from asyncio.subprocess import Process
from importlib.metadata import version
from pathlib import Path

import textual_serve
from textual_serve.app_service import AppService
from textual_serve.download_manager import DownloadManager

__all__ = ["STATIC_DIR", "AppService", "DownloadManager", "ensure_exited", "process_of"]

log = logging.getLogger("ttai.web")

WRITTEN_FOR = "1.1.3"
STATIC_DIR = Path(textual_serve.__file__).parent / "static"

if version("textual-serve") != WRITTEN_FOR:  # pragma: no cover - guarded by the pin
    log.warning("textual-serve %s is installed; ttai serve was written for %s", version("textual-serve"), WRITTEN_FOR)


def process_of(service: AppService) -> Process | None:
    """The app's process (textual-serve keeps it private)."""
    process = getattr(service, "_process", None)
    return process if isinstance(process, Process) else None


async def ensure_exited(service: AppService, grace: float) -> int | None:
    """Make sure the app process is gone: terminate, then kill after `grace` seconds."""
    process = process_of(service)
    if process is None:
        return None
    if process.returncode is None:
        try:
            process.terminate()
            await asyncio.wait_for(process.wait(), grace)
        except ProcessLookupError:
            log.debug("app process %d had already ended", process.pid)
        except TimeoutError:
            log.warning("app process %d ignored SIGTERM for %.0f s; killing it", process.pid, grace)
            process.kill()
            await process.wait()
    return process.returncode
