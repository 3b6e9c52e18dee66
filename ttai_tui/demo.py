"""The demo's simulated exchange, chosen by the composition root (cli, ui/app.make_app, headless).

`ttai --demo`'s dashboard runs the exchange in a child process: the CLI calls `prespawn` first
thing, so the exchange imports and builds its market on the second core while this process loads
Textual and draws its first frame (`ttai_tui.exchange.process`; it falls back to running in this
process if the child fails). Everything else (tests, headless commands, `make_app` without a
pre-spawn) gets an in-process `ExchangeServer` on a free loopback port. The Broker starts either
on its own event loop and connects to it through the same SDK path as live; it never imports the
exchange, it only knows a `LocalServer` (start, stop, url).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ttai_tui.broker.service import LocalServer
    from ttai_tui.config import Settings, Target
    from ttai_tui.exchange.process import ExchangeProcess

_pending: ExchangeProcess | None = None


def prespawn(settings: Settings) -> None:
    """Start the demo exchange's child process now (the dashboard's start-up)."""
    global _pending
    from ttai_tui.exchange.process import ExchangeProcess

    _pending = ExchangeProcess(settings.demo.seed, settings.demo.market_hours)


def demo_server(settings: Settings, target: Target) -> LocalServer | None:
    """The exchange for a demo target without a URL (None for every other target): the
    pre-spawned child when there is one, else an in-process ExchangeServer."""
    global _pending
    if target.mode != "demo" or target.url:
        return None
    child, _pending = _pending, None
    if child is not None:
        return child
    from ttai_tui.exchange.server import ExchangeServer

    return ExchangeServer(
        host="127.0.0.1", port=0, seed=settings.demo.seed, market_hours=settings.demo.market_hours
    )
