"""The simulated exchange in a child process, for ``ttai --demo``'s start-up.

``ExchangeProcess(seed, market_hours)`` spawns ``python -m ttai_tui.exchange.process SEED MH`` at
once, so the exchange imports and builds its market on the second core while ttai loads its UI.
It has what the broker needs of a local server: ``url``, ``async start()`` (waits for the child's
URL, without blocking the event loop) and ``async stop()``. The child prints its URL on stdout and
stops when its stdin closes, so it never outlives ttai, however ttai ends (quit, crash, SIGKILL:
the kernel closes the pipe). If the child cannot start or gives no URL, ``start()`` runs the
exchange in this process instead, as before, and logs why.

The child's environment points OpenSSL's default CA locations (``SSL_CERT_FILE``,
``SSL_CERT_DIR``) at the null device: importing aiohttp builds two client SSL contexts that load
the system's CA certificates (~0.1 s of CPU before the URL), and the exchange only serves plain
HTTP on loopback; it opens no TLS connection, and one it opened would trust no certificate.
"""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ttai_tui.exchange.server import ExchangeServer

log = logging.getLogger(__name__)
URL_TIMEOUT_S = 20.0


class ExchangeProcess:
    """The exchange in a child process (see the module docstring)."""

    def __init__(self, seed: int = 1, market_hours: bool = False) -> None:
        self.seed, self.market_hours = seed, market_hours
        self.proc: subprocess.Popen[bytes] | None = None
        self.fallback: ExchangeServer | None = None
        self._url = ""
        self._line: list[str] = []
        self._done = threading.Event()
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "ttai_tui.exchange.process", str(seed), "1" if market_hours else "0"],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                close_fds=True, start_new_session=True,  # the terminal's Ctrl-C is ttai's to handle
                env={**os.environ, "SSL_CERT_FILE": os.devnull, "SSL_CERT_DIR": os.devnull},
            )
        except OSError as exc:
            log.warning("could not start the exchange process (%s); it will run in-process", exc)
            self._done.set()
            return
        threading.Thread(target=self._read_url, name="exchange-process-url", daemon=True).start()

    @property
    def url(self) -> str:
        return self.fallback.url if self.fallback is not None else self._url

    def _read_url(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        try:
            self._line.append(self.proc.stdout.readline().decode(errors="replace").strip())
        finally:
            self._done.set()

    async def start(self) -> None:
        """Wait for the child's URL; run the exchange in-process if it gives none."""
        if self._url or self.fallback is not None:
            return
        done = await asyncio.to_thread(self._done.wait, URL_TIMEOUT_S)
        line = self._line[0] if self._line else ""
        if done and line.startswith("http://"):
            self._url = line
            return
        log.warning("exchange process gave no URL (%r, exit %s); running it in-process",
                    line[:200], None if self.proc is None else self.proc.poll())
        await self._stop_child()
        from ttai_tui.exchange.server import ExchangeServer

        self.fallback = ExchangeServer(host="127.0.0.1", port=0, seed=self.seed, market_hours=self.market_hours)
        await self.fallback.start()

    async def stop(self) -> None:
        if self.fallback is not None:
            await self.fallback.stop()
        await self._stop_child()

    async def _stop_child(self) -> None:
        """Close its stdin (it stops itself), then make sure it is gone."""
        proc = self.proc
        if proc is None:
            return
        if proc.stdin is not None and not proc.stdin.closed:
            try:
                proc.stdin.close()
            except OSError as exc:
                log.debug("exchange process stdin close: %s", exc)
        try:
            await asyncio.to_thread(proc.wait, 3.0)
        except subprocess.TimeoutExpired:
            log.warning("exchange process %s did not stop in 3 s; killing it", proc.pid)
            proc.kill()
            await asyncio.to_thread(proc.wait)


async def _serve(seed: int, market_hours: bool) -> None:
    import gc

    # Start-up (imports, the market's histories) allocates objects that all live on: the cyclic
    # collector's passes over them found nothing and cost ~10 % of the time to the URL.
    held = gc.isenabled()
    if held:
        gc.disable()
    from ttai_tui.exchange.server import ExchangeServer

    server = ExchangeServer(host="127.0.0.1", port=0, seed=seed, market_hours=market_hours)
    await server.start()
    sys.stdout.write(server.url + "\n")
    sys.stdout.flush()
    if held:
        gc.enable()
    # until ttai closes our stdin (or dies: the pipe closes with it)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.buffer.read)
    await server.stop()


if __name__ == "__main__":
    asyncio.run(_serve(int(sys.argv[1]), sys.argv[2] == "1"))
