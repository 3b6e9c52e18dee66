"""The demo's simulated exchange, chosen by the composition root (cli, ui/app.make_app, headless).

`ttai --demo` runs the exchange in-process on a free loopback port and hands it to the Broker,
which starts it on its own event loop and connects to it through the same SDK path as live. The
broker itself never imports the exchange: it only knows a `LocalServer` (start, stop, url).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ttai_tui.config import Settings, Target
    from ttai_tui.exchange.server import ExchangeServer


def demo_server(settings: Settings, target: Target) -> ExchangeServer | None:
    """The in-process exchange for a demo target without a URL (None for every other target)."""
    if target.mode != "demo" or target.url:
        return None
    from ttai_tui.exchange.server import ExchangeServer

    return ExchangeServer(
        host="127.0.0.1", port=0, seed=settings.demo.seed, market_hours=settings.demo.market_hours
    )
