"""The simulated exchange for ``--demo`` (the same path as live after that).

Two ways, same exchange:

- ``prespawn(settings)``: the dashboard's composition root calls this first thing for a demo, so
  the exchange starts in a child process (``python -m ttai_tui.broker.demo SEED MARKET_HOURS``)
  on the second core while this process imports Textual and draws its first frame. Its import
  and market build (~0.3 s of CPU) leave the path to the first live price. The child prints its
  URL on stdout and stops when its stdin closes, so it never outlives ttai, whatever ends it
  (quit, crash, SIGKILL).
- ``start_demo_exchange(settings)``: what the broker awaits. It returns the pre-spawned child
  once its URL is known, or, when nothing was pre-spawned (tests, headless commands) or the child
  failed, an ``ExchangeServer`` in this process as before.

Either way the result has ``url`` and ``async stop()``.
"""

from __future__ import annotations

import asyncio
import logging
import subprocess
import sys
import threading
from typing import Any

log = logging.getLogger(__name__)
URL_TIMEOUT_S = 20.0

_pending: DemoProcess | None = None


class DemoProcess:
    """The exchange in a child process; ``url`` once it answered."""

    def __init__(self, seed: int, market_hours: bool) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "ttai_tui.broker.demo", str(seed), "1" if market_hours else "0"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            close_fds=True, start_new_session=True,  # Ctrl-C in the terminal is ttai's to handle
        )
        self.url = ""
        self._line: list[str] = []
        self._done = threading.Event()
        threading.Thread(target=self._read_url, name="demo-exchange-url", daemon=True).start()

    def _read_url(self) -> None:
        assert self.proc.stdout is not None
        try:
            self._line.append(self.proc.stdout.readline().decode().strip())
        finally:
            self._done.set()

    async def ready(self) -> bool:
        """Wait (without blocking the loop) for the child's URL; False if it did not come."""
        done = await asyncio.to_thread(self._done.wait, URL_TIMEOUT_S)
        line = self._line[0] if self._line else ""
        if done and line.startswith("http://"):
            self.url = line
            return True
        log.warning("demo exchange child gave no URL (%r, exit %s); starting it in-process",
                    line[:200], self.proc.poll())
        await self.stop()
        return False

    async def stop(self) -> None:
        """Close its stdin (it stops itself), then make sure it is gone."""
        proc = self.proc
        if proc.stdin is not None and not proc.stdin.closed:
            try:
                proc.stdin.close()
            except OSError as exc:
                log.debug("demo exchange stdin close: %s", exc)
        try:
            await asyncio.to_thread(proc.wait, 3.0)
        except subprocess.TimeoutExpired:
            log.warning("demo exchange child %s did not stop in 3 s; killing it", proc.pid)
            proc.kill()
            await asyncio.to_thread(proc.wait)


def prespawn(settings: Any) -> None:
    """Start the demo exchange's child process now (see the module docstring)."""
    global _pending
    demo = getattr(settings, "demo", None)
    try:
        _pending = DemoProcess(getattr(demo, "seed", 1), bool(getattr(demo, "market_hours", False)))
    except OSError as exc:  # the broker starts it in-process instead
        log.warning("could not start the demo exchange process: %s", exc)


async def start_demo_exchange(settings: Any) -> Any:
    """The pre-spawned child once it is up, else an ExchangeServer on a free loopback port."""
    global _pending
    child, _pending = _pending, None
    if child is not None and await child.ready():
        return child
    from ttai_tui.exchange.server import ExchangeServer

    demo = getattr(settings, "demo", None)
    kwargs: dict[str, Any] = {"host": "127.0.0.1", "port": 0}
    if demo is not None:
        kwargs["seed"] = demo.seed
        kwargs["market_hours"] = demo.market_hours
    server = ExchangeServer(**kwargs)
    await server.start()
    return server


async def _serve(seed: int, market_hours: bool) -> None:
    from ttai_tui.exchange.server import ExchangeServer

    server = ExchangeServer(host="127.0.0.1", port=0, seed=seed, market_hours=market_hours)
    await server.start()
    sys.stdout.write(server.url + "\n")
    sys.stdout.flush()
    # until ttai closes our stdin (or dies: the pipe closes with it)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.buffer.read)
    await server.stop()


if __name__ == "__main__":
    asyncio.run(_serve(int(sys.argv[1]), sys.argv[2] == "1"))
