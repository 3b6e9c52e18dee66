"""ExchangeServer: the simulated TastyTrade (REST + DXLink + account streamer) on one port.

    server = ExchangeServer(seed=1)
    await server.start()          # binds 127.0.0.1 on a free port
    print(server.url)             # http://127.0.0.1:PORT  -> point the SDK's base URL here
    server.faults.error_rate = .5 # knobs are live
    await server.stop()
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import secrets
import time
from collections.abc import Callable
from typing import Any

from aiohttp import web

from ttai_tui.exchange.account import Order, PaperAccount
from ttai_tui.exchange.alerts import AlertConnection
from ttai_tui.exchange.dxlink import DxLinkConnection, subscription_counts
from ttai_tui.exchange.faults import Faults
from ttai_tui.exchange.feed import Feed
from ttai_tui.exchange.instruments.world import Instruments
from ttai_tui.exchange.market import STEP, Market
from ttai_tui.exchange.options import OptionBook
from ttai_tui.exchange.rest import Rest
from ttai_tui.exchange.stats import Stats

log = logging.getLogger(__name__)

DEFAULT_WATCHLISTS = {
    "My Watchlist": ["SPY", "QQQ", "IWM", "AAPL", "MSFT", "NVDA", "TSLA", "AMZN"],
    "Tech": ["AAPL", "MSFT", "NVDA", "GOOGL", "META", "AMD", "NFLX"],
    # futures (listed as their active month's contract when the exchange starts) and pairs, in
    # the streamer form the app's watchlists store: something to trade beyond stocks
    "Futures & Crypto": ["/ES", "/MES", "/NQ", "/CL", "/GC", "/ZN", "BTC/USD", "ETH/USD"],
}
PUBLIC_WATCHLISTS = {
    "tasty default": ["SPY", "QQQ", "IWM", "DIA", "GLD", "TLT", "AAPL", "TSLA", "NVDA", "AMZN"],
    "High IV": ["GME", "MSTR", "COIN", "PLTR", "TSLA", "NVDA", "AMD"],
    "Indices": ["SPX", "VIX", "SPY", "QQQ", "IWM", "DIA"],
    "Crypto": ["BTC/USD", "ETH/USD", "SOL/USD"],
}


class ExchangeServer:
    """One simulated exchange. All state is in memory and deterministic per ``seed``."""

    def __init__(
        self,
        seed: int = 1,
        host: str = "127.0.0.1",
        port: int = 0,
        client_secret: str | None = None,
        refresh_token: str | None = None,
        token_lifetime: float = 900,
        faults: Faults | None = None,
        market_hours: bool = False,
        rate: float | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.seed = seed
        self.host = host
        self.port = port
        self.client_secret = client_secret
        self.refresh_token = refresh_token
        self.token_lifetime = token_lifetime
        self.faults = faults if faults is not None else Faults()
        #: events/s per DXLink connection, spread over its subscriptions; None = natural pace
        self.rate = rate
        self.stats = Stats()
        self.market = Market(seed=seed, market_hours=market_hours, clock=clock)
        self.book = OptionBook(self.market)
        self.feed = Feed(self.market, self.book)
        self.instruments = Instruments(self.market, self.book, self.feed)
        self.account = PaperAccount(self.market, self.book)
        self.instruments.seed_paper(self.account)
        self.access_tokens: dict[str, float] = {}
        self.user_logins: dict[str, str] = {}  # login -> password for POST /sessions; empty: any pair
        self.session_users: dict[str, str] = {}  # session token -> login
        self.remember_tokens: dict[str, str] = {}  # remember token -> login
        self.quote_tokens: set[str] = set()
        self.watchlists: dict[str, dict[str, object]] = {
            name: _wl(name, [self._listed(s) for s in syms], i)
            for i, (name, syms) in enumerate(DEFAULT_WATCHLISTS.items())
        }
        self.dx_conns: list[DxLinkConnection] = []
        self.alert_conns: list[AlertConnection] = []
        self._rest = Rest(self)
        self._runner: web.AppRunner | None = None
        self._ticker: asyncio.Task[None] | None = None
        self._cache: dict[Any, bytes] = {}
        self._n = itertools.count(1)
        self._pushes: set[asyncio.Task[None]] = set()

    # ------------------------------------------------------------------ lifecycle
    def _listed(self, symbol: str) -> str:
        """A watchlist entry as stored: futures products as their active contract's streamer
        symbol (/ESZ26:XCME), crypto pairs with their venue (BTC/USD:CXTALP)."""
        if symbol.startswith("/"):
            return self.instruments.front(symbol[1:]).streamer_symbol
        return self.instruments.streamer_symbol(symbol) or symbol

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://{self.host}:{self.port}"

    @property
    def accepts_any_credentials(self) -> bool:
        return self.client_secret is None and self.refresh_token is None

    async def start(self) -> None:
        app = web.Application(client_max_size=4 * 1024 * 1024)
        app.router.add_route("GET", "/dxlink", self._dxlink)
        app.router.add_route("GET", "/notifications", self._notifications)
        app.router.add_route("*", "/{tail:.*}", self._rest.handle)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port, reuse_address=True)
        await site.start()
        server = site._server
        if isinstance(server, asyncio.Server) and server.sockets:
            self.port = server.sockets[0].getsockname()[1]
        self.market.advance()
        self._ticker = asyncio.create_task(self._tick())

    async def stop(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
            try:
                await self._ticker
            except asyncio.CancelledError:
                pass  # cancelled just above
            except Exception:  # it had died earlier: say so, the stop goes on
                log.exception("exchange: the market ticker had failed")
            self._ticker = None
        self._rest._never.set()
        for ws in [c.ws for c in self.dx_conns] + [c.ws for c in self.alert_conns]:
            try:
                await ws.close(code=1001, message=b"exchange stopping")
            except Exception as e:  # a connection already broken: nothing left to close
                log.debug("exchange stopping: closing a connection failed: %r", e)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> ExchangeServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # ------------------------------------------------------------------ tokens
    def issue_access_token(self) -> str:
        tok = f"tt-access-{next(self._n)}-{secrets.token_hex(6)}"
        self.access_tokens[tok] = time.time() + self.token_lifetime
        self.stats.token_refreshes += 1
        if len(self.access_tokens) > 10000:
            now = time.time()
            self.access_tokens = {k: v for k, v in self.access_tokens.items() if v > now}
        return tok

    def issue_quote_token(self) -> str:
        tok = f"dxlink-{next(self._n)}-{secrets.token_hex(6)}"
        self.quote_tokens.add(tok)
        if len(self.quote_tokens) > 10000:  # reconnect storms must not grow memory forever
            self.quote_tokens = set(sorted(self.quote_tokens, key=lambda t: int(t.split("-")[1]))[-5000:])
        self.stats.quote_tokens += 1
        return tok

    def expire_access_tokens(self) -> None:
        """Test hook: every issued access token is expired from now on."""
        for k in self.access_tokens:
            self.access_tokens[k] = 0.0

    def revoke_refresh_token(self) -> None:
        """Test hook: the refresh token stops working (refresh -> 401 invalid_grant)."""
        self.faults.refresh_revoked = True

    async def send_oversized(self) -> int:
        """Test hook: send a > 64 KiB FEED_DATA on every DXLink connection with a subscription."""
        n = 0
        for c in list(self.dx_conns):
            if await c.send_oversized():
                n += 1
        return n

    async def drop_connections(self, code: int = 1001) -> int:
        """Test hook: close every DXLink connection now."""
        n = 0
        for c in list(self.dx_conns):
            try:
                await c.ws.close(code=code, message=b"exchange: dropped")
                n += 1
            except Exception as e:  # already broken: not counted as dropped
                log.debug("drop_connections: closing a connection failed: %r", e)
        self.stats.faults["drop"] += n
        return n

    # ------------------------------------------------------------------ websockets
    async def _dxlink(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(max_msg_size=1 << 20, autoping=True)
        await ws.prepare(request)
        conn = DxLinkConnection(self, ws)
        self.dx_conns.append(conn)
        self.stats.dxlink_connections += 1
        self.stats.dxlink_active += 1
        try:
            await conn.run()
        finally:
            self.dx_conns.remove(conn)
            self.stats.dxlink_active -= 1
        return ws

    async def _notifications(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(autoping=True, heartbeat=None)
        await ws.prepare(request)
        conn = AlertConnection(self, ws)
        self.alert_conns.append(conn)
        self.stats.account_connections += 1
        self.stats.account_active += 1
        try:
            await conn.run()
        finally:
            self.alert_conns.remove(conn)
            self.stats.account_active -= 1
        return ws

    # ------------------------------------------------------------------ market loop
    async def _tick(self) -> None:
        day = self.book.today()
        market = self.market
        while True:
            # wake when the next step is due, not at a random phase of the 100 ms grid: quotes
            # are stamped with their step's time, so a late wake-up made every quote look up
            # to 100 ms old before it was even sent
            due = market.t + STEP - market.clock()
            await asyncio.sleep(min(STEP, max(0.0, due) + 0.001))
            try:
                market.advance()
                if self.book.today() != day:
                    day = self.book.today()
                    self._cache.clear()
                    for o in self.account.roll_day():
                        self.after_order_change(o)
                    self._push([("CurrentPosition", self.account.position_json(p))
                                for p in self.account.closed_now]
                               + [("AccountBalance", self.account.balances_json())])
                    self.account.closed_now.clear()
                for o in self.account.check_fills():
                    self.stats.orders_filled += o.status == "Filled"
                    self.after_order_change(o)
            except Exception:  # a bug in one step must not freeze the market
                log.exception("exchange tick failed")

    def after_order_change(self, order: Order) -> None:
        """Push the order, the positions it touched and the balance to account streamers."""
        if not self.alert_conns:
            self.account.closed_now.clear()
            return
        a = self.account
        msgs: list[tuple[str, dict[str, object]]] = [("Order", a.order_json(order))]
        if order.fills:  # filled, or partly: positions and balance moved
            for leg in order.legs:
                pos = a.positions.get(str(leg["symbol"]))
                if pos is not None:
                    msgs.append(("CurrentPosition", a.position_json(pos)))
            for pos in a.closed_now:
                msgs.append(("CurrentPosition", a.position_json(pos)))
            a.closed_now.clear()
            msgs.append(("AccountBalance", a.balances_json()))
        self._push(msgs)

    def _push(self, msgs: list[tuple[str, dict[str, object]]]) -> None:
        for c in list(self.alert_conns):
            task = asyncio.get_running_loop().create_task(c.push_many(msgs))
            self._pushes.add(task)  # keep a reference until done (tasks are weakly held)
            task.add_done_callback(self._pushes.discard)

    # ------------------------------------------------------------------ misc
    def cached(self, key: Any, build: Callable[[], bytes]) -> bytes:
        k = (key, self.book.today())
        hit = self._cache.get(k)
        if hit is None:
            hit = self._cache[k] = build()
        return hit

    def public_watchlists(self) -> list[dict[str, object]]:
        return [_wl(n, s, i) for i, (n, s) in enumerate(PUBLIC_WATCHLISTS.items())]

    def stats_json(self) -> dict[str, object]:
        return self.stats.to_json(subscription_counts(self.dx_conns))


def _wl(name: str, syms: list[str], i: int) -> dict[str, object]:
    return {"name": name, "group-name": "main", "order-index": i,
            "watchlist-entries": [{"symbol": s, "instrument-type": "Index" if s in ("SPX", "VIX") else
                                   "Future" if s.startswith("/") else
                                   "Cryptocurrency" if "/" in s else "Equity"} for s in syms]}
