"""Command palette (ctrl+p): symbol search, switch account, switch watchlist, theme.

Context-aware like posting's provider: it offers the lists and accounts that exist right now,
and symbol hits come from the broker's symbol search (through the bridge) as the user types.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

from ttai_tui.broker.errors import BrokerFailure

if TYPE_CHECKING:
    from ttai_tui.ui.app import TtaiApp

log = logging.getLogger(__name__)


class TtaiCommands(Provider):
    def _ttai_app(self) -> TtaiApp | None:
        from ttai_tui.ui.app import TtaiApp

        return self.app if isinstance(self.app, TtaiApp) else None

    def _static_commands(self) -> list[tuple[str, Callable[[], object], str]]:
        out: list[tuple[str, Callable[[], object], str]] = []
        app = self._ttai_app()
        if app is None:
            return out
        try:
            dash = app.dashboard
        except LookupError:
            return out
        wl = dash.watchlist
        for name in wl.store.names:
            out.append((f"Watchlist: {name}", partial(wl.show_list, name), "switch to this watchlist"))
        for acct in app.bridge.accounts():
            label = f"Account: {acct.number}" + (f" ({acct.nickname})" if acct.nickname else "")
            out.append((label, partial(app.switch_account, acct.number), "switch account"))
        for theme in sorted(app.available_themes):
            out.append((f"Theme: {theme}", partial(setattr, app, "theme", theme), "change the colours"))
        out.append(("New alert…", dash.action_new_alert, "an alert on the selected symbol, position or chart"))
        out.append(("Alerts list", partial(dash.action_focus_pane, "alerts"), "armed and fired alerts"))
        out.append(("Refresh account data", app.refresh_account, "reload balances and positions"))
        out.append(("Help: keys", app.action_help, "every binding and its id"))
        return out

    def _trade(self, symbol: str) -> None:
        from ttai_tui.ui.messages import trade_symbol

        self.app.post_message(trade_symbol(symbol))

    async def discover(self) -> Hits:
        for name, cb, help_text in self._static_commands():
            yield DiscoveryHit(name, cb, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, cb, help_text in self._static_commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), cb, help=help_text)
        text = query.strip()
        app = self._ttai_app()
        if app is None or not text or len(text) > 24 or " " in text:
            return
        try:
            matches = await app.bridge.search(text)
        except BrokerFailure as exc:  # no hits this time; the palette keeps working
            log.info("palette symbol search for %r failed: %s", text, exc)
            return
        for m in matches[:10]:
            dash = app.dashboard
            yield Hit(
                0.9 if m.symbol.upper() == text.upper() else 0.5,
                f"Open {m.symbol} — {m.description}",
                partial(dash.open_symbol, m.symbol),
                help="show its chain and chart",
            )
            yield Hit(
                0.45,
                f"Trade {m.symbol} — order ticket",
                partial(self._trade, m.symbol),
                help="buy or sell shares (options: enter on a strike in the chain)",
            )
            yield Hit(
                0.4,
                f"Add {m.symbol} to {dash.watchlist.current}",
                partial(dash.watchlist.add_symbol, m.symbol),
                help="add to the current watchlist",
            )
