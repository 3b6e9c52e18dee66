"""Unknown binding ids in `[keys]` are reported, as unknown config keys are: a typo in a
remap would otherwise silently do nothing."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping

from textual.binding import Binding


def binding_ids(classes: Iterable[type]) -> set[str]:
    return {b.id for cls in classes for b in getattr(cls, "BINDINGS", []) if isinstance(b, Binding) and b.id}


def all_binding_classes() -> list[type]:
    """Every class in the app that declares bindings (imported here, after start-up)."""
    from ttai_tui.ui.app import TtaiApp
    from ttai_tui.ui.screens import add_symbol, help, modals, pickers, review, ticket
    from ttai_tui.ui.screens.dashboard import DashboardScreen
    from ttai_tui.ui.widgets import chain, chart, live_table, orders, positions, risk, watchlist

    classes: list[type] = [TtaiApp, DashboardScreen]
    for module in (add_symbol, help, modals, pickers, review, ticket, chain, chart, live_table, orders,
                   positions, risk, watchlist):
        classes.extend(v for v in vars(module).values() if isinstance(v, type) and "BINDINGS" in vars(v))
    return classes


def unknown_key_ids(keymap: Mapping[str, str], known: set[str]) -> list[str]:
    """One readable warning per id in the keymap that no binding has."""
    out = []
    for bid in keymap:
        if bid not in known:
            hint = difflib.get_close_matches(bid, sorted(known), n=1)
            out.append(f"[keys] {bid!r} is not a binding id" + (f" (did you mean {hint[0]!r}?)" if hint else ""))
    return out
