"""Tables (rich) and JSON shapes for the headless commands.

Human tables use core.formatting (missing -> "—"); JSON uses null for missing, never 0.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ttai_tui.core import formatting as fm
from ttai_tui.core.market_state import MarketState
from ttai_tui.core.models import AccountInfo, Balance, Expiration, OptionChain, StrikeRow
from ttai_tui.core.portfolio import PositionView, group_by_underlying, totals


def _iso(t: float | None) -> str | None:
    if t is None:
        return None
    return datetime.fromtimestamp(t, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _round(v: float | None, nd: int = 4) -> float | None:
    return None if v is None else round(v, nd)


# ---- quotes -------------------------------------------------------------------------------


def _clock_time(t: float | None) -> str:
    """New York wall-clock time of a quote, ``15:59:58``."""
    if not t:
        return fm.MISSING
    from ttai_tui.core.clock import NEW_YORK

    return datetime.fromtimestamp(t, NEW_YORK).strftime("%H:%M:%S")


def quote_dict(state: MarketState, symbol: str) -> dict[str, Any]:
    q = state.quote(symbol)
    t = state.trade(symbol)
    when = None
    if q is not None:
        when = q.time or q.updated
    return {
        "symbol": symbol,
        "bid": None if q is None else q.bid,
        "ask": None if q is None else q.ask,
        "last": None if t is None else t.price,
        "mark": _round(state.mark(symbol)),
        "bid_size": None if q is None else q.bid_size,
        "ask_size": None if q is None else q.ask_size,
        "change": _round(state.change(symbol)),
        "change_pct": _round(state.change_pct(symbol)),
        "volume": state.volume(symbol),
        "time": _iso(when),
    }


def quote_line(state: MarketState, symbol: str) -> str:
    d = quote_dict(state, symbol)
    return (
        f"{d['time'] or fm.MISSING} {symbol:<8} bid {fm.fmt_price(d['bid']):>10} "
        f"ask {fm.fmt_price(d['ask']):>10} last {fm.fmt_price(d['last']):>10} "
        f"{fm.fmt_pct(d['change_pct']):>8}"
    )


def quotes_table(state: MarketState, symbols: list[str]) -> Any:
    from rich.table import Table

    tbl = Table(title="Quotes", header_style="bold")
    for col in ("Symbol", "Bid", "Ask", "Last", "Change", "% Chg", "Volume", "Time (NY)"):
        tbl.add_column(col, justify="left" if col in ("Symbol", "Time") else "right")
    for s in symbols:
        q = state.quote(s)
        d = quote_dict(state, s)
        tbl.add_row(
            s,
            fm.fmt_price(d["bid"]),
            fm.fmt_price(d["ask"]),
            fm.fmt_price(d["last"]),
            fm.fmt_change(d["change"]),
            fm.fmt_pct(d["change_pct"]),
            fm.fmt_size(d["volume"]),
            _clock_time(q.time or q.updated) if q is not None else fm.MISSING,
        )
    return tbl


# ---- chain --------------------------------------------------------------------------------


def _side(state: MarketState, sym: str) -> dict[str, Any]:
    q, g, s, t = state.quote(sym), state.greek(sym), state.summary(sym), state.trade(sym)
    return {
        "symbol": sym,
        "bid": None if q is None else q.bid,
        "ask": None if q is None else q.ask,
        "mark": _round(state.mark(sym)),
        "delta": None if g is None else _round(g.delta),
        "gamma": None if g is None else _round(g.gamma, 5),
        "theta": None if g is None else _round(g.theta),
        "vega": None if g is None else _round(g.vega),
        "iv": None if g is None else _round(g.volatility),
        "open_interest": None if s is None else s.open_interest,
        "volume": None if t is None else t.day_volume,
    }


def chain_dict(
    state: MarketState, chain: OptionChain, exp: Expiration, rows: list[StrikeRow], days: int
) -> dict[str, Any]:
    return {
        "underlying": chain.underlying,
        "price": _round(state.mark(chain.underlying)),
        "expiration": exp.date.isoformat(),
        "dte": days,
        "strikes": [
            {
                "strike": r.strike,
                # order_symbol: what `ttai order` takes (OCC, or ./ESZ6 EW4Z6 261218C6000)
                "call": {**_side(state, r.call_streamer), "order_symbol": r.call},
                "put": {**_side(state, r.put_streamer), "order_symbol": r.put},
            }
            for r in rows
        ],
    }


ITM_STYLE = "on grey19"
_CHAIN_COLS = ("bid", "ask", "delta", "gamma", "theta", "vega", "iv", "open_interest")
_CHAIN_HEAD = {"bid": "Bid", "ask": "Ask", "delta": "Δ", "gamma": "Γ", "theta": "Θ",
               "vega": "Vega", "iv": "IV", "open_interest": "OI"}


def _cell(key: str, v: Any) -> str:
    if key in ("bid", "ask"):
        return fm.fmt_price(v)
    if key == "iv":
        return fm.fmt_ratio_pct(v)
    if key == "open_interest":
        return fm.fmt_int(v)
    if key == "gamma":
        return fm.fmt_greek(v, 4)
    return fm.fmt_greek(v, 3 if key == "delta" else 2)


def chain_table(
    state: MarketState,
    chain: OptionChain,
    exp: Expiration,
    rows: list[StrikeRow],
    days: int,
    compact: bool = False,
) -> Any:
    """calls | strike | puts; ``compact`` (narrow terminals) leaves out gamma and vega."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    cols = tuple(k for k in _CHAIN_COLS if not (compact and k in ("gamma", "vega")))
    price = state.mark(chain.underlying)
    title = (
        f"CALLS · {chain.underlying} {fm.fmt_price(price)} · {exp.date.isoformat()} "
        f"({days}d, {exp.expiration_type}) · PUTS"
    )
    tbl = Table(title=title, header_style="bold", box=box.SIMPLE_HEAD, padding=(0, 1))
    for k in reversed(cols):
        tbl.add_column(_CHAIN_HEAD[k], justify="right", no_wrap=True)
    tbl.add_column("Strike", justify="center", style="bold", no_wrap=True)
    for k in cols:
        tbl.add_column(_CHAIN_HEAD[k], justify="right", no_wrap=True)
    for r in rows:
        c, p = _side(state, r.call_streamer), _side(state, r.put_streamer)
        call_itm = price is not None and r.strike < price
        put_itm = price is not None and r.strike > price
        cells: list[Any] = [
            Text(_cell(k, c[k]), style=ITM_STYLE if call_itm else "") for k in reversed(cols)
        ]
        cells.append(fm.fmt_strike(r.strike))
        cells += [Text(_cell(k, p[k]), style=ITM_STYLE if put_itm else "") for k in cols]
        tbl.add_row(*cells)
    return tbl


# ---- positions ------------------------------------------------------------------------------


def display_symbol(p: Any) -> str:
    """``SPY 18Dec26 600 C`` for options, the plain symbol otherwise."""
    if p.expiration is not None and p.strike is not None and p.option_type:
        return f"{p.underlying} {p.expiration:%d%b%y} {fm.fmt_strike(p.strike)} {p.option_type}"
    return p.symbol


def position_dict(v: PositionView) -> dict[str, Any]:
    p = v.position
    return {
        "account": p.account,
        "symbol": p.symbol,
        "underlying": p.underlying,
        "instrument_type": p.instrument_type,
        "quantity": p.quantity,
        "multiplier": p.multiplier,
        "streamer_symbol": p.streamer_symbol,
        "average_open_price": p.average_open_price,
        "mark": _round(v.mark),
        "day_pnl": _round(v.day_pnl, 2),
        "open_pnl": _round(v.open_pnl, 2),
        "delta": _round(v.delta, 2),
        "theta": _round(v.theta, 2),
        "beta_delta": _round(v.beta_delta, 2),
        "dte": v.dte,
    }


def positions_list(views: list[PositionView], account: AccountInfo | None) -> list[dict[str, Any]]:
    return [position_dict(v) for v in views]


def positions_table(views: list[PositionView], account: AccountInfo | None) -> Any:
    from rich.table import Table

    title = "Positions" + (f" · {account.number}" if account else "")
    tbl = Table(title=title, header_style="bold")
    for col in ("Symbol", "Qty", "Avg", "Mark", "Day P&L", "Open P&L", "Δ", "Θ", "β-Δ", "DTE"):
        tbl.add_column(col, justify="left" if col == "Symbol" else "right", no_wrap=True)
    for under, group in group_by_underlying(views).items():
        tbl.add_row(f"[bold]{under}[/bold]", *[""] * 9)
        for v in group:
            p = v.position
            tbl.add_row(
                "  " + display_symbol(p),
                fm.fmt_qty(p.quantity),
                fm.fmt_price(p.average_open_price),
                fm.fmt_price(v.mark),
                fm.fmt_money(v.day_pnl, signed=True),
                fm.fmt_money(v.open_pnl, signed=True),
                fm.fmt_greek(v.delta, 1),
                fm.fmt_greek(v.theta, 1),
                fm.fmt_greek(v.beta_delta, 1),
                fm.MISSING if v.dte is None else str(v.dte),
            )
    t = totals(views)
    tbl.add_row(
        "[bold]Total[/bold]", "", "", "",
        fm.fmt_money(t.day_pnl, signed=True), fm.fmt_money(t.open_pnl, signed=True),
        fm.fmt_greek(t.delta, 1), fm.fmt_greek(t.theta, 1), fm.fmt_greek(t.beta_delta, 1), "",
        end_section=True,
    )
    return tbl


# ---- balances -------------------------------------------------------------------------------


def balance_dict(b: Balance | None, account: AccountInfo | None) -> dict[str, Any]:
    if b is None:
        return {"account": account.number if account else None}
    return {
        "account": b.account,
        "net_liq": b.net_liq,
        "option_buying_power": b.option_buying_power,
        "equity_buying_power": b.equity_buying_power,
        "cash": b.cash,
        "maintenance_requirement": b.maintenance_requirement,
        "as_of": _iso(b.as_of),
    }


def balance_table(b: Balance | None, account: AccountInfo | None) -> Any:
    from rich.table import Table

    d = balance_dict(b, account)
    tbl = Table(title=f"Balances · {d.get('account') or fm.MISSING}", header_style="bold")
    tbl.add_column("Item")
    tbl.add_column("Value", justify="right")
    for key, label in (
        ("net_liq", "Net liquidating value"),
        ("option_buying_power", "Option buying power"),
        ("equity_buying_power", "Equity buying power"),
        ("cash", "Cash"),
        ("maintenance_requirement", "Maintenance requirement"),
    ):
        tbl.add_row(label, fm.fmt_money(d.get(key)))
    tbl.add_row("As of", d.get("as_of") or fm.MISSING)
    return tbl
