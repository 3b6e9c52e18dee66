"""The frozen clock the order tests run on, and moving a symbol's book by hand."""

from __future__ import annotations

import datetime as dt

from ttai_tui.exchange.clock import NY
from ttai_tui.exchange.server import ExchangeServer

WED_11 = dt.datetime(2026, 6, 3, 11, 0, tzinfo=NY).timestamp()


def set_book(ex: ExchangeServer, sym: str, bid: float, ask: float, size: int | None = None) -> None:
    st = ex.market.states[sym]
    st.bid, st.ask = bid, ask
    if size is not None:
        st.bid_size = st.ask_size = size
    st.quote_seq += 1
