"""Start the simulated exchange in-process for ``--demo`` (the same path as live after that)."""

from __future__ import annotations

from typing import Any


async def start_demo_exchange(settings: Any) -> Any:
    """An ExchangeServer on a free loopback port, seeded from ``settings.demo``."""
    from ttai_tui.exchange.server import ExchangeServer

    demo = getattr(settings, "demo", None)
    kwargs: dict[str, Any] = {"host": "127.0.0.1", "port": 0}
    if demo is not None:
        kwargs["seed"] = demo.seed
        kwargs["market_hours"] = demo.market_hours
    server = ExchangeServer(**kwargs)
    await server.start()
    return server
