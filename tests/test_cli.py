"""The `ttai` command: help, version, config path/check, exit codes."""

from __future__ import annotations

import subprocess
import sys

import pytest

from ttai_tui import __version__
from ttai_tui.cli import main


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path, monkeypatch):
    monkeypatch.setenv("TTAI_HOME", str(tmp_path / "home"))
    for var in ("TTAI_CONFIG", "TT_SECRET", "TT_REFRESH", "TTAI_ENVIRONMENT", "TTAI_ACCOUNT", "TTAI_LOG_LEVEL"):
        monkeypatch.delenv(var, raising=False)


def test_version(capsys):
    with pytest.raises(SystemExit) as e:
        main(["--version"])
    assert e.value.code == 0
    assert capsys.readouterr().out.strip() == f"ttai {__version__}"


def test_help_lists_every_command_and_option(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for word in ("--demo", "--sandbox", "--exchange", "--config", "--version", "config", "exchange",
                 "quotes", "chain", "positions", "balances", "chart", "login", "logout"):
        assert word in out


def test_config_path(tmp_path, capsys):
    assert main(["config", "path"]) == 0
    assert capsys.readouterr().out.strip() == str(tmp_path / "home" / "config" / "config.toml")
    assert main(["--config", str(tmp_path / "x.toml"), "config", "path"]) == 0
    assert capsys.readouterr().out.strip() == str(tmp_path / "x.toml")


def test_config_check_redacts_secrets(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("TT_SECRET", "super-secret-value")
    cfg = tmp_path / "c.toml"
    cfg.write_text('[credentials]\nrefresh_token = "refresh-token-value"\n[chain]\nstrikes = 7\n')
    assert main(["config", "check", "--config", str(cfg)]) == 0
    captured = capsys.readouterr()
    assert '"strikes": 7' in captured.out and "********" in captured.out
    assert "super-secret-value" not in captured.out + captured.err
    assert "refresh-token-value" not in captured.out + captured.err


def test_bad_config_exits_2_naming_the_key(tmp_path, capsys):
    cfg = tmp_path / "c.toml"
    cfg.write_text("[ui]\nrefresh_hz = 500\n")
    assert main(["--config", str(cfg), "config", "check"]) == 2
    err = capsys.readouterr().err
    assert "ui.refresh_hz = 500" in err and "Traceback" not in err


def test_unknown_key_is_a_warning_not_an_error(tmp_path, capsys):
    cfg = tmp_path / "c.toml"
    cfg.write_text("[chian]\nstrikes = 5\n")
    assert main(["--config", str(cfg), "config", "check"]) == 0
    assert "unknown key 'chian'" in capsys.readouterr().err


def test_live_without_credentials_exits_3(tmp_path, capsys):
    cfg = tmp_path / "c.toml"
    cfg.write_text('environment = "live"\n')
    assert main(["--config", str(cfg), "positions"]) == 3
    assert "TT_SECRET" in capsys.readouterr().err


def test_bad_exchange_url_exits_2(capsys):
    assert main(["--exchange", "not a url", "balances"]) == 2
    assert "--exchange" in capsys.readouterr().err


def test_python_dash_m_and_console_script_agree(tmp_path):
    out = subprocess.run([sys.executable, "-m", "ttai_tui", "--version"], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == f"ttai {__version__}"
