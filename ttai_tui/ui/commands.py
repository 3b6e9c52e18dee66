"""Command palette (ctrl+p): symbol search, switch account, switch watchlist, theme.

Context-aware like posting's provider: it offers the lists and accounts that exist right now,
and symbol hits come from the broker's symbol search (through the bridge) as the user types.
"""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider


class TtaiCommands(Provider):
    def _static_commands(self) -> list[tuple[str, object, str]]:
        app = self.app
        out: list[tuple[str, object, str]] = []
        try:
            dash = app.dashboard  # type: ignore[attr-defined]
        except LookupError:
            return out
        wl = dash.watchlist
        for name in wl.store.names:
            out.append((f"Watchlist: {name}", partial(wl.show_list, name), "switch to this watchlist"))
        for acct in app.bridge.accounts():  # type: ignore[attr-defined]
            label = f"Account: {acct.number}" + (f" ({acct.nickname})" if acct.nickname else "")
            out.append((label, partial(app.switch_account, acct.number), "switch account"))  # type: ignore[attr-defined]
        for theme in sorted(app.available_themes):
            out.append((f"Theme: {theme}", partial(setattr, app, "theme", theme), "change the colours"))
        out.append(("New alert…", dash.action_new_alert, "an alert on the selected symbol, position or chart"))
        out.append(("Alerts list", partial(dash.action_focus_pane, "alerts"), "armed and fired alerts"))
        out.append(("Refresh account data", app.refresh_account, "reload balances and positions"))  # type: ignore[attr-defined]
        out.append(("Help: keys", app.action_help, "every binding and its id"))  # type: ignore[attr-defined]
        return out

    async def discover(self) -> Hits:
        for name, cb, help_text in self._static_commands():
            yield DiscoveryHit(name, cb, help=help_text)  # type: ignore[arg-type]

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, cb, help_text in self._static_commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), cb, help=help_text)  # type: ignore[arg-type]
        text = query.strip()
        if not text or len(text) > 24 or " " in text:
            return
        try:
            matches = await self.app.bridge.search(text)  # type: ignore[attr-defined]
        except Exception:
            return
        for m in matches[:10]:
            dash = self.app.dashboard  # type: ignore[attr-defined]
            yield Hit(
                0.9 if m.symbol.upper() == text.upper() else 0.5,
                f"Open {m.symbol} — {m.description}",
                partial(dash.open_symbol, m.symbol),
                help="show its chain and chart",
            )
            yield Hit(
                0.4,
                f"Add {m.symbol} to {dash.watchlist.current}",
                partial(dash.watchlist.add_symbol, m.symbol),
                help="add to the current watchlist",
            )
