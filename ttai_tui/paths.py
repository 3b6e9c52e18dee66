"""Where ttai keeps its files.

One place decides every location so the CLI (`ttai config path`), the logger and the
watchlist store agree. `TTAI_HOME` roots everything in one directory (tests and
portable installs use it); otherwise the platform's conventions apply
(`~/.config/ttai`, `~/.local/share/ttai`, `~/.local/state/ttai/log`, `~/.cache/ttai` on Linux).
"""

from __future__ import annotations

import os
from pathlib import Path

APP = "ttai"


def _home() -> Path | None:
    value = os.environ.get("TTAI_HOME")
    return Path(value).expanduser() if value else None


def config_dir() -> Path:
    home = _home()
    if home is not None:
        return home / "config"
    from platformdirs import user_config_path

    return user_config_path(APP, appauthor=False)


def config_file(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The config file in force: `--config PATH`, else `$TTAI_CONFIG`, else the platform default."""
    if explicit:
        return Path(explicit).expanduser()
    env = os.environ.get("TTAI_CONFIG")
    if env:
        return Path(env).expanduser()
    return config_dir() / "config.toml"


def data_dir() -> Path:
    home = _home()
    if home is not None:
        return home / "data"
    from platformdirs import user_data_path

    return user_data_path(APP, appauthor=False)


def log_dir() -> Path:
    home = _home()
    if home is not None:
        return home / "log"
    from platformdirs import user_log_path

    return user_log_path(APP, appauthor=False)


def cache_dir() -> Path:
    home = _home()
    if home is not None:
        return home / "cache"
    from platformdirs import user_cache_path

    return user_cache_path(APP, appauthor=False)
