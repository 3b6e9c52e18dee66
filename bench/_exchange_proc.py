"""`python -m bench._exchange_proc PORT RATE`: the simulated exchange alone in its own process.

Used by the load benches (`_rig.py`, `bench_pipeline.py`) so the exchange's CPU is not billed to
the app. The same as `ttai exchange --port PORT --rate RATE`, without depending on that command's
flags. Contract: PORT 0 picks a free port; the first line on stdout is the URL to connect to;
RATE 0 means the natural pace; SIGTERM/SIGINT stop it cleanly.
"""

from __future__ import annotations

import asyncio
import signal
import sys


async def serve(port: int, rate: float | None) -> None:
    from ttai_tui.exchange.server import ExchangeServer

    server = ExchangeServer(host="127.0.0.1", port=port, rate=rate)
    await server.start()
    print(server.url, flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await server.stop()


if __name__ == "__main__":
    port, rate = int(sys.argv[1]), float(sys.argv[2])
    asyncio.run(serve(port, rate or None))
