"""The one check behind every patch of Textual's private code (ui/span_writer.py,
ui/prompt_frame.py): on only for the exact Textual version the patch was written against, and only
while the source it copies or calls hashes to what was read. Otherwise Textual's own code runs
and the log says why."""

from __future__ import annotations

import logging
from collections.abc import Callable

log = logging.getLogger(__name__)


def fence_open(what: str, written_for: str, running: str, digest: Callable[[], str], expected: str) -> bool:
    """True if ``what`` may patch Textual: version ``running`` is ``written_for`` and ``digest()``
    (of the Textual source it relies on) is ``expected``."""
    if running != written_for:
        log.info("%s off: written for Textual %s, running %s", what, written_for, running)
        return False
    if digest() != expected:
        log.warning("%s off: the Textual code it relies on changed; Textual's own code runs", what)
        return False
    return True
