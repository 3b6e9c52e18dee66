"""The simulated exchange for ``--demo`` (the same path as live after that).

``prespawn(settings)``: the dashboard's composition root (cli) calls this first thing for a demo,
so the exchange starts in a child process (``ttai_tui.exchange.process``) on the second core
while this process imports Textual and draws its first frame. ``start_demo_exchange(settings)``,
awaited by the broker, returns that child once it is up (or, if it failed, the exchange run
in-process by it); when nothing was pre-spawned (tests, headless commands) it starts an
``ExchangeServer`` in this process as before. Either way the result has ``url`` and ``stop()``.
"""

from __future__ import annotations

from typing import Any

from ttai_tui.exchange.process import ExchangeProcess

_pending: ExchangeProcess | None = None


def prespawn(settings: Any) -> None:
    """Start the demo exchange's child process now."""
    global _pending
    demo = getattr(settings, "demo", None)
    _pending = ExchangeProcess(getattr(demo, "seed", 1), bool(getattr(demo, "market_hours", False)))


async def start_demo_exchange(settings: Any) -> Any:
    """The pre-spawned exchange process once it is up, else an ExchangeServer in this process."""
    global _pending
    child, _pending = _pending, None
    if child is not None:
        await child.start()
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
