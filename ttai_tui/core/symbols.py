"""Symbol syntax: what may be sent to TastyTrade as a symbol.

Why here: every symbol typed by a user (CLI arguments, the watchlist add box) ends up in a URL
path or a DXLink subscription. Checking the shape first turns typos and hostile input into a
clear one-line message instead of odd requests. Same rule as the config file's symbol lists.
"""

from __future__ import annotations

import re

#: equities (F, BRK/B), indices ($SPX), options (.SPY260717C500), futures (/ESZ26:XCME),
#: futures-option streamer symbols (./EW4Z26C6000:XCME) and crypto pairs (BTC/USD)
SYMBOL_RE = re.compile(r"^(?:(?:\./|[/.$])?[A-Z0-9][A-Z0-9./:\-]{0,23})\Z")


def printable(text: str, limit: int = 40) -> str:
    """``text`` safe to show on a terminal: control characters escaped, long text cut."""
    shown = "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


def normalise_symbol(text: object) -> str:
    """Upper-cased symbol, or ValueError("... is not a valid symbol ...") naming it safely."""
    sym = text.strip().upper() if isinstance(text, str) else ""
    if not SYMBOL_RE.match(sym):
        raise ValueError(
            f'"{printable(str(text))}" is not a valid symbol '
            '(letters, digits, "/", "." or "-", up to 24 characters)'
        )
    return sym
