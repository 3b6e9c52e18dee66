"""The benchmark harness's own logic: screen criteria, byte accounting, percentiles, stamps.

Only the bookkeeping is tested here; no test looks at how fast anything is.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from bench._pty import bursts, bytes_between, has_live_price
from bench._rig import config_text
from bench.bench_memory import growth, window_median
from bench.bench_terminal import chain_visible
from bench.bench_ui import Probe, QuoteClock, StampSet, p99


@pytest.mark.parametrize(
    "line",
    [
        " SPY      601.25   +1.20  +0.20%",
        "│ SPY  601.25 │",
        "▶ SPY 12.50",
        "SPY\t1234.00",
    ],
)
def test_live_price_seen(line: str) -> None:
    assert has_live_price(["header", line])


@pytest.mark.parametrize(
    "line",
    [
        " SPY      —        —       —",  # row present, no data yet
        " SPY  —  │ chart 601.25",  # a number in another pane
        " SPYG     601.25",  # another symbol
        " .SPY260717C600  12.50",  # an option of SPY
        " SPY      601.2",  # not a price with two decimals
        " SPY      14:30:05",  # a clock
        " QQQ      501.25",
    ],
)
def test_live_price_not_seen(line: str) -> None:
    assert not has_live_price([line])


def test_other_symbol() -> None:
    assert has_live_price([" QQQ  501.25"], "QQQ")


def test_bytes_between_and_bursts() -> None:
    chunks = [(1.000, 100), (1.005, 200), (1.010, 50), (1.080, 10), (1.150, 5000), (1.160, 40)]
    assert bytes_between(chunks, 1.0, 1.08) == 350
    assert bytes_between(chunks, 1.08, 2.0) == 5050
    assert bursts(chunks, 0.02) == [(1.0, 350), (1.08, 10), (1.15, 5040)]
    assert bursts([], 0.02) == []


def test_chain_visible() -> None:
    assert chain_visible(["  Bid  Ask  Strike  Bid  Ask"])
    assert not chain_visible(["SPY 601.25"])


def test_p99_nearest_rank() -> None:
    assert math.isnan(p99([]))
    assert p99([5.0]) == 5.0
    values = [float(i) for i in range(1, 101)]  # 1..100
    assert p99(values) == 99.0
    assert p99(list(reversed(values))) == 99.0
    assert p99([1.0] * 199 + [1000.0]) == 1.0
    assert p99([1.0] * 98 + [1000.0] * 2) == 1000.0


def test_stamp_set_keeps_first_write() -> None:
    s = StampSet()
    s.add("SPY")
    first = s.stamps["SPY"]
    s.add("SPY")
    s.add("QQQ")
    assert s == {"SPY", "QQQ"}
    assert s.stamps["SPY"] == first
    assert set(s.stamps) == {"SPY", "QQQ"}


class _Table:
    cursor_row = 0


def test_probe_frames_events_and_keys() -> None:
    probe = Probe()
    probe.waiting = [10.0, 10.5]
    probe.waiting_wall = [99.0]
    probe.on_frame(11.0, 100.0)  # not recording: dropped
    assert probe.apply_ms == [] and probe.waiting == [] and probe.waiting_wall == []
    probe.recording = True
    probe.waiting = [10.0, 10.5]
    probe.waiting_wall = [99.75]
    table = _Table()
    probe.key = (10.9, table, 1)
    probe.on_frame(11.0, 100.0)
    assert probe.apply_ms == pytest.approx([1000.0, 500.0])
    assert probe.event_ms == pytest.approx([250.0])
    assert probe.key is not None and probe.key_ms == []  # cursor not moved yet
    table.cursor_row = 1
    probe.on_frame(11.2, 100.2)
    assert probe.key is None and probe.key_ms == pytest.approx([300.0])
    assert probe.frames == 2


def test_memory_windows() -> None:
    samples = [(float(t), 100.0 + (t >= 590) * 10.0) for t in range(0, 602, 2)]
    assert window_median(samples, 60.0) == 100.0
    warm, pct = growth(samples, 60.0, 600.0)
    assert warm == 100.0 and pct == pytest.approx(10.0)
    assert window_median([(1.0, 5.0), (100.0, 7.0)], 60.0) == 7.0  # nearest when none inside


def test_config_text_is_valid_config(tmp_path: Path) -> None:
    from ttai_tui.config import load_settings

    path = tmp_path / "config.toml"
    path.write_text(config_text(["SPY", "QQQ", ".QQQ261218C500"], strikes=20, dte=7))
    settings = load_settings(path, env={}).settings
    assert settings.watchlists == {"Bench": ["SPY", "QQQ", ".QQQ261218C500"]}
    assert settings.chain.strikes == 20 and settings.chain.dte == 7


class _Q:
    def __init__(self, sym: str, t: int) -> None:
        self.event_symbol, self.bid_time, self.ask_time = sym, t, t - 5


def test_quote_clock_counts_only_new_quotes() -> None:
    applied: list[int] = []
    clock = QuoteClock(lambda state, batch, now: applied.append(len(batch)))
    clock(None, [_Q("SPY", 1000), _Q("SPY", 2000), _Q("QQQ", 1500)], 0.0)
    assert applied == [3]
    assert clock.fresh == {"SPY": 1.0, "QQQ": 1.5}  # the earliest new change per symbol
    assert sorted(clock.take({"SPY", "IWM"})) == [1.0]
    clock(None, [_Q("SPY", 2000), _Q("QQQ", 1500)], 0.0)  # re-sent, unchanged quotes
    assert clock.fresh == {"QQQ": 1.5}
    clock(None, [_Q("SPY", 2500)], 0.0)
    assert clock.take({"SPY", "QQQ"}) in ([2.5, 1.5], [1.5, 2.5])


def test_sync_frames_are_cut_across_reads() -> None:
    import os

    from bench._pty import SYNC_END, SYNC_QUERY, SYNC_REPLY, SYNC_START, PtySession

    r, w = os.pipe()
    s = PtySession([], {}, emulate=False)
    s.master = w
    try:
        stream = b"init" + SYNC_QUERY + b"xx" + SYNC_START + b"A" * 100 + SYNC_END + b"noise"
        stream += SYNC_START + b"B" * 50 + SYNC_END
        frame1 = len(SYNC_START) + 100 + len(SYNC_END)
        frame2 = len(SYNC_START) + 50 + len(SYNC_END)
        for size in (1, 3, 7, 1000):  # markers straddle reads in every way
            s.frames.clear()
            s._total, s._tail, s._frame_at = 0, b"", None
            for i in range(0, len(stream), size):
                s._scan(stream[i : i + size], float(i))
            assert [n for _, n in s.frames] == [frame1, frame2], size
            assert os.read(r, 100) == SYNC_REPLY  # answered exactly once
    finally:
        os.close(r)
        os.close(w)


def test_capacity_is_what_was_delivered_when_the_ramp_fell_behind() -> None:
    from bench.bench_exchange import capacity

    steps = [(25e3, 25.1e3), (50e3, 49e3), (100e3, 96e3), (200e3, 131e3), (400e3, 150e3)]
    assert capacity(steps) == (131e3, 200e3, False)  # stops at the first step behind
    assert capacity(steps[:3]) == (96e3, 0.0, True)  # kept up: a lower bound
    assert capacity([(25e3, 10e3)]) == (10e3, 25e3, False)
    assert capacity([(25e3, 22.6e3)], behind=0.9) == (22.6e3, 0.0, True)
    assert capacity([]) == (0.0, 0.0, True)


def _report(modules: dict[str, list[str]], results: dict[str, float]) -> dict[str, object]:
    return {
        "machine": {"cpus": 2},
        "runs": {k: 3 for k in results},
        "results": results,
        "modules": {m: {"commit": "abc", "keys": keys} for m, keys in modules.items()},
        "problems": {},
    }


def test_only_merges_into_the_previous_results() -> None:
    from bench.__main__ import merge

    old = _report({"bench_ui": ["ui_cpu", "old_key"], "bench_terminal": ["terminal_bytes"]},
                  {"ui_cpu": 40.0, "old_key": 1.0, "terminal_bytes": 11e3})
    old["problems"] = {"bench_ui": "crashed", "bench_memory": "not available"}
    fresh = _report({"bench_ui": ["ui_cpu", "new_key"]}, {"ui_cpu": 33.0, "new_key": 2.0})
    fresh["modules"]["bench_ui"]["commit"] = "def"
    merged = merge(old, fresh)
    # the module run replaces all its figures (a key it no longer reports goes), others stay
    assert merged["results"] == {"ui_cpu": 33.0, "new_key": 2.0, "terminal_bytes": 11e3}
    assert set(merged["runs"]) == {"ui_cpu", "new_key", "terminal_bytes"}
    assert merged["modules"]["bench_ui"]["commit"] == "def"
    assert merged["modules"]["bench_terminal"]["commit"] == "abc"
    assert merged["problems"] == {"bench_memory": "not available"}  # bench_ui ran cleanly now
    assert merge({}, fresh)["results"] == fresh["results"]


def test_only_keeps_the_other_figures_in_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import json
    import sys
    import types

    from bench.__main__ import main

    out = tmp_path / "results.json"
    out.write_text(json.dumps(_report({"bench_other": ["other_figure"]}, {"other_figure": 7.0})))
    fake = types.ModuleType("bench.bench_fake")
    setattr(fake, "run", lambda quick=False: {"ui_cpu_percent_of_core": 30.0})  # noqa: B010
    monkeypatch.setitem(sys.modules, "bench.bench_fake", fake)
    assert main(["--only", "bench_fake", "--runs", "1", "--out", str(out)]) == 0
    report = json.loads(out.read_text())
    assert report["results"] == {"other_figure": 7.0, "ui_cpu_percent_of_core": 30.0}
    assert report["targets"]["ui_cpu_percent_of_core"]["met"] is True
    assert report["modules"]["bench_fake"]["keys"] == ["ui_cpu_percent_of_core"]
    # a second partial run keeps them too
    assert main(["--only", "bench_fake", "--runs", "1", "--out", str(out)]) == 0
    assert "other_figure" in json.loads(out.read_text())["results"]


def test_table_rows_say_how_and_where_each_figure_was_measured() -> None:
    from bench.__main__ import HOW, TARGETS, table

    report = _report({"bench_ui": ["ui_cpu_percent_of_core"]}, {"ui_cpu_percent_of_core": 31.24})
    report["modules"]["bench_ui"]["loadavg"] = [0.4, 0.9]
    report["targets"] = {"ui_cpu_percent_of_core": {"op": "<=", "limit": 35, "met": True}}
    lines = table(report).splitlines()
    assert len(lines) == 2 + len(HOW)
    row = next(line for line in lines if "`ui_cpu_percent_of_core`" in line)
    assert "| 31.2 | ≤ 35 | `abc`, 0.4–0.9 |" in row and "CPU seconds" in row
    missing = next(line for line in lines if "`rss_growth_pct`" in line)
    assert "not measured" in missing and "≤ 5" in missing
    assert all(k in HOW for k in TARGETS)  # every target has a row saying how it is measured
