"""The [risk] config section: defaults, the example file, and clear messages for bad values."""

from __future__ import annotations

from pathlib import Path

import pytest

from ttai_tui import config
from ttai_tui.core.risk.portfolio import GaugeLimits
from ttai_tui.headless.risk import limits_from

ROOT = Path(__file__).resolve().parents[1]


def test_defaults_are_the_guideline_and_match_the_gauges() -> None:
    s = config.Settings()
    assert s.risk.bp_by_vix[0] == (15.0, 0.0, 25.0) and s.risk.rate == 0.04
    assert limits_from(s) == GaugeLimits()
    assert config.effective_settings(s)["risk"]["bp_by_vix"][1] == [20.0, 25.0, 30.0]


def test_example_file_sets_the_risk_section() -> None:
    r = config.load_settings(ROOT / "config.example.toml").settings.risk
    assert r.bp_by_vix[-1] == (1000.0, 40.0, 50.0) and r.max_position_pct == 5


def test_custom_values_load(tmp_path: Path) -> None:
    p = tmp_path / "c.toml"
    p.write_text("[risk]\nrate = 0.05\nbp_by_vix = [[20, 10, 30], [99, 30, 60]]\ndelta_target = 50\n")
    r = config.load_settings(p).settings.risk
    assert r.rate == 0.05 and r.bp_by_vix == ((20.0, 10.0, 30.0), (99.0, 30.0, 60.0)) and r.delta_target == 50


@pytest.mark.parametrize("text", [
    "bp_by_vix = [[20, 40, 30]]",  # min above max
    "bp_by_vix = [[20, 10, 30], [15, 30, 40]]",  # VIX not ascending
    "bp_by_vix = [[20, 10]]",
    'bp_by_vix = "high"',
    "bp_by_vix = []",
    "max_position_pct = 150",
    "delta_band = -1",
])
def test_bad_values_are_refused_clearly(tmp_path: Path, text: str) -> None:
    p = tmp_path / "c.toml"
    p.write_text(f"[risk]\n{text}\n")
    with pytest.raises(config.ConfigError) as info:
        config.load_settings(p)
    assert "risk." in str(info.value) and "expected" in str(info.value)
