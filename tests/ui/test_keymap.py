"""Remapping keys by binding id from the config, and telling the user about unknown ids."""

from __future__ import annotations

from dataclasses import replace

from ttai_tui.config import Settings, Target
from ttai_tui.ui.app import make_app
from ttai_tui.ui.bridge import StaticBridge
from ttai_tui.ui.keymap_check import all_binding_classes, binding_ids, unknown_key_ids


def test_every_documented_default_id_exists():
    ids = binding_ids(all_binding_classes())
    for bid in ("quit", "help", "focus-chain", "watchlist-add", "chain-widen", "chart-levels", "positions-open"):
        assert bid in ids


def test_unknown_ids_are_named_with_a_hint():
    ids = binding_ids(all_binding_classes())
    warnings = unknown_key_ids({"watchlist-sort": "o", "watchlist-srot": "x"}, ids)
    assert warnings == ["[keys] 'watchlist-srot' is not a binding id (did you mean 'watchlist-sort'?)"]


async def test_remapped_key_works_and_unknown_id_is_notified(tmp_path, monkeypatch):
    monkeypatch.setenv("TTAI_HOME", str(tmp_path))
    settings = replace(Settings(), keys={"help": "f2", "no-such-binding": "x"})
    app = make_app(settings, Target("demo"), bridge=StaticBridge())
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await pilot.pause(0.7)
        assert any("no-such-binding" in str(n.message) for n in app._notifications)
        await pilot.press("f2")
        await pilot.pause()
        assert type(app.screen).__name__ == "HelpScreen"
