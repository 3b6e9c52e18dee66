"""Shared fixtures for the hardening tests: an isolated TTAI_HOME and a clean environment."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every ttai path under tmp_path; no credentials or config leaking in from the host."""
    root = tmp_path / "home"
    monkeypatch.setenv("TTAI_HOME", str(root))
    monkeypatch.setenv("TTAI_KEYRING", "0")
    for var in (
        "TTAI_CONFIG",
        "TT_SECRET",
        "TT_REFRESH",
        "TTAI_ENVIRONMENT",
        "TTAI_ACCOUNT",
        "TTAI_LOG_LEVEL",
    ):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    return root


@pytest.fixture
def keep_root_logging() -> Iterator[None]:
    """`ttai_tui.cli.main` installs its own root handler; put pytest's back afterwards."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    disabled = logging.root.manager.disable  # setup_logging may call logging.disable()
    yield
    logging.disable(disabled)
    for h in list(root.handlers):
        if h not in handlers:
            root.removeHandler(h)
            h.close()
    for h in handlers:
        if h not in root.handlers:
            root.addHandler(h)
    root.setLevel(level)
