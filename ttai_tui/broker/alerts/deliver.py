"""Where a firing goes besides the screen: a desktop notification and a webhook.

Both run as background tasks, so a slow or dead webhook never holds up the stream. The webhook
gets ``firing_payload`` as JSON (POST, ``webhook_timeout`` per try, ``webhook_retries`` retries
with a doubling pause, any 2xx is success); the URL is never logged (its path often carries a
token). The desktop notification uses ``notify-send`` when it is installed (off by default).
The terminal bell is the front end's (the dashboard's or ``ttai alert watch``'s).
"""

from __future__ import annotations

import asyncio
import logging
import shutil
from datetime import UTC, datetime
from typing import Any

from ttai_tui.broker import events as ev

log = logging.getLogger(__name__)

RETRY_PAUSE_S = 0.5


def firing_payload(e: ev.AlertFired) -> dict[str, Any]:
    """The JSON a script sees (webhook body, one line of ``ttai alert watch --json``)."""
    return {
        "id": e.alert_id,
        "alert": e.text,
        "value": e.value,
        "reference": e.reference,
        "unit": e.unit,
        "fires": e.fires,
        "time": datetime.fromtimestamp(e.at, UTC).isoformat(timespec="milliseconds"),
        "epoch": e.at,
        "seen_by": "this process" if e.local else "another ttai process",
    }


def firing_text(e: ev.AlertFired) -> str:
    """One human line: time, id, the alert, the value that fired it."""
    t = datetime.fromtimestamp(e.at).astimezone().strftime("%Y-%m-%d %H:%M:%S")
    ref = "" if e.reference is None else f" (reference {e.reference:g})"
    return f"{t} alert #{e.alert_id} fired: {e.text} at {e.value:g}{e.unit}{ref}"


class Notifier:
    """Listens for AlertFired (``broker.add_listener(notifier.on_event)``) and delivers it."""

    def __init__(
        self,
        *,
        webhook: str = "",
        timeout: float = 5.0,
        retries: int = 3,
        desktop: bool = False,
    ) -> None:
        self.webhook = webhook
        self.timeout = timeout
        self.retries = retries
        self.desktop = desktop and shutil.which("notify-send") is not None
        self.delivered = 0  # webhook posts answered with 2xx
        self.failed = 0  # webhook firings given up after the retries
        self._tasks: set[asyncio.Task[None]] = set()
        self._session: Any = None

    @classmethod
    def from_settings(cls, alerts: Any) -> Notifier:
        return cls(
            webhook=alerts.webhook, timeout=alerts.webhook_timeout,
            retries=alerts.webhook_retries, desktop=alerts.desktop,
        )

    def on_event(self, event: ev.BrokerEvent) -> None:
        if not isinstance(event, ev.AlertFired) or not event.local:
            return  # a firing of another process was delivered there
        if self.webhook:
            self._spawn(self.post(firing_payload(event)))
        if self.desktop:
            self._spawn(self._notify_desktop(event))

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def post(self, payload: dict[str, Any]) -> bool:
        """POST ``payload``; True once a try is answered 2xx, False after the last retry."""
        import aiohttp

        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout))
        for attempt in range(self.retries + 1):
            try:
                async with self._session.post(self.webhook, json=payload) as resp:
                    if 200 <= resp.status < 300:
                        self.delivered += 1
                        return True
                    reason = f"HTTP {resp.status}"
            except (aiohttp.ClientError, TimeoutError) as exc:
                reason = type(exc).__name__
            log.warning(
                "alert %s: webhook try %d/%d failed (%s)",
                payload.get("id"), attempt + 1, self.retries + 1, reason,
            )
            if attempt < self.retries:
                await asyncio.sleep(RETRY_PAUSE_S * 2**attempt)
        self.failed += 1
        return False

    async def _notify_desktop(self, e: ev.AlertFired) -> None:
        try:
            proc = await asyncio.create_subprocess_exec(
                "notify-send", "--app-name=ttai", f"ttai alert #{e.alert_id}",
                f"{e.text}: {e.value:g}{e.unit}",
                stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
            )
            await asyncio.wait_for(proc.wait(), 5.0)
        except (OSError, TimeoutError) as exc:
            log.warning("desktop notification failed: %s", exc)

    async def aclose(self, wait: float = 2.0) -> None:
        """Give pending deliveries ``wait`` seconds, then close the HTTP session."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=wait)
            for t in list(self._tasks):
                t.cancel()
        if self._session is not None:
            await self._session.close()
            self._session = None
