"""Settings: the TOML schema, its validation messages, environment overrides and the connection target.

Hand-written rather than a schema library because the messages are the product here: a
trader who mistypes a key must be told the file, the dotted key, the bad value and what
was expected, in one line, with no traceback. Precedence is flag > environment > file >
defaults; secrets may come from `TT_SECRET` / `TT_REFRESH` (the names the SDK reads).
"""

from __future__ import annotations

import math
import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from ttai_tui.core.symbols import SYMBOL_RE  # one symbol shape for config, CLI and dashboard

ENVIRONMENTS = ("auto", "demo", "live", "sandbox")
TIMEFRAMES = ("1m", "5m", "15m", "1h", "1d")
LOWER_PANELS = ("rsi", "macd", "none")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
INDICATOR_RE = re.compile(r"^(?:(?:sma|ema|wma|hma|bb|rsi)[1-9][0-9]{0,3}|macd)\Z")
DEFAULT_WATCHLIST = ["SPY", "QQQ", "IWM", "AAPL", "MSFT", "NVDA", "TSLA", "AMZN"]


class ConfigError(Exception):
    """An invalid setting; the message is complete and meant to be shown as is."""


class Secret:
    """A credential that never shows itself by accident (str, repr, f-strings, logs)."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get(self) -> str:
        return self._value

    def __str__(self) -> str:
        return "********"

    __repr__ = __str__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __bool__(self) -> bool:
        return bool(self._value)


@dataclass(frozen=True, slots=True)
class Credentials:
    provider_secret: Secret | None = None
    refresh_token: Secret | None = None
    source: str = "none"  # "environment", "config file", "credential store" or "none"

    @property
    def complete(self) -> bool:
        return bool(self.provider_secret) and bool(self.refresh_token)


@dataclass(frozen=True, slots=True)
class ChainSettings:
    strikes: int = 10
    dte: int = 30


@dataclass(frozen=True, slots=True)
class ChartSettings:
    timeframe: str = "5m"
    indicators: tuple[str, ...] = ("sma20", "ema50", "bb20")
    lower: str = "rsi"
    levels: bool = True
    fibonacci: bool = False
    volume: bool = True


@dataclass(frozen=True, slots=True)
class UISettings:
    refresh_hz: float = 15.0
    theme: str = "textual-dark"
    flash: bool = True


@dataclass(frozen=True, slots=True)
class LogSettings:
    level: str = "INFO"
    file: Path | None = None


@dataclass(frozen=True, slots=True)
class DemoSettings:
    seed: int = 1
    market_hours: bool = False


@dataclass(frozen=True, slots=True)
class Settings:
    environment: str = "auto"
    account: str | None = None
    credentials: Credentials = field(default_factory=Credentials)
    watchlists: dict[str, list[str]] = field(default_factory=lambda: {"Default": list(DEFAULT_WATCHLIST)})
    chain: ChainSettings = field(default_factory=ChainSettings)
    chart: ChartSettings = field(default_factory=ChartSettings)
    ui: UISettings = field(default_factory=UISettings)
    keys: dict[str, str] = field(default_factory=dict)
    log: LogSettings = field(default_factory=LogSettings)
    demo: DemoSettings = field(default_factory=DemoSettings)


@dataclass(frozen=True, slots=True)
class LoadedSettings:
    settings: Settings
    path: Path
    exists: bool
    warnings: list[str]


@dataclass(frozen=True, slots=True)
class Target:
    """Where to connect: the mode shown on screen and, for non-live modes, the base URL."""

    mode: str  # "live" | "sandbox" | "demo" | "exchange"
    url: str | None = None
    provider_secret: Secret | None = None
    refresh_token: Secret | None = None

    @property
    def label(self) -> str:
        return {"live": "LIVE", "sandbox": "SANDBOX", "demo": "DEMO", "exchange": "DEMO"}[self.mode]


# --- validation helpers -----------------------------------------------------------------------

Validator = Callable[[Any], Any]


class _Bad(Exception):
    def __init__(self, expected: str) -> None:
        super().__init__(expected)
        self.expected = expected


def _str(value: Any) -> str:
    if not isinstance(value, str):
        raise _Bad("a string")
    return value


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise _Bad("true or false")
    return value


def _choice(options: tuple[str, ...], upper: bool = False) -> Validator:
    def check(value: Any) -> str:
        if isinstance(value, str):
            v = value.upper() if upper else value
            if v in options:
                return v
        raise _Bad("one of " + ", ".join(f'"{o}"' for o in options))

    return check


def _int(lo: int, hi: int) -> Validator:
    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
            raise _Bad(f"a whole number from {lo} to {hi}")
        return value

    return check


def _float(lo: float, hi: float) -> Validator:
    def check(value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _Bad(f"a number from {lo:g} to {hi:g}")
        if not math.isfinite(value) or not lo <= value <= hi:
            raise _Bad(f"a number from {lo:g} to {hi:g}")
        return float(value)

    return check


def normalise_symbol(value: Any) -> str:
    """Upper-case a symbol and check its shape; raise ValueError with a readable reason."""
    if not isinstance(value, str):
        raise ValueError("a symbol must be text")
    sym = value.strip().upper()
    if not SYMBOL_RE.match(sym):
        raise ValueError(f'{_fmt(value.strip())} is not a valid symbol (letters, digits, "/", "." or "-", up to 24 characters)')
    return sym


def _symbols(value: Any) -> list[str]:
    if not isinstance(value, list):
        raise _Bad('a list of symbols, like ["SPY", "QQQ"]')
    out: list[str] = []
    for item in value:
        try:
            sym = normalise_symbol(item)
        except ValueError:
            raise _Bad(f"a list of symbols; {item!r} is not a valid symbol") from None
        if sym not in out:
            out.append(sym)
    return out


def _indicators(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _Bad('a list of indicators, like ["sma20", "ema50", "bb20"]')
    for v in value:
        if not INDICATOR_RE.match(v.lower()):
            raise _Bad(f'indicators of the form sma<N>, ema<N>, wma<N>, hma<N>, bb<N>, rsi<N> or macd; {_fmt(v)} is not one')
    return tuple(v.lower() for v in value)


def _path(value: Any) -> Path:
    if not isinstance(value, str) or not value.strip():
        raise _Bad("a file path")
    return Path(value).expanduser()


def _account(value: Any) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z0-9]{4,20}", value):
        raise _Bad('an account number such as "5WT00001"')
    return value


# section -> key -> validator. A key mapped to None is a table handled specially.
SCHEMA: dict[str, dict[str, Validator] | Validator] = {
    "environment": _choice(ENVIRONMENTS),
    "account": _account,
    "credentials": {"provider_secret": _str, "refresh_token": _str},
    "chain": {"strikes": _int(1, 100), "dte": _int(0, 1500)},
    "chart": {
        "timeframe": _choice(TIMEFRAMES),
        "indicators": _indicators,
        "lower": _choice(LOWER_PANELS),
        "levels": _bool,
        "fibonacci": _bool,
        "volume": _bool,
    },
    "ui": {"refresh_hz": _float(1, 60), "theme": _str, "flash": _bool},
    "log": {"level": _choice(LOG_LEVELS, upper=True), "file": _path},
    "demo": {"seed": _int(0, 2**31 - 1), "market_hours": _bool},
}

def _clean(name: str) -> str:
    """A user-supplied key name made safe to print: control characters escaped."""
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in name)


ENV_OVERRIDES = {
    "TTAI_ENVIRONMENT": ("environment", None),
    "TTAI_ACCOUNT": ("account", None),
    "TTAI_LOG_LEVEL": ("log", "level"),
}


def _fmt(value: Any) -> str:
    """Show a bad value on one line, control characters escaped (no terminal injection)."""
    if isinstance(value, str):
        import json

        return json.dumps(value)
    if isinstance(value, dict):
        return "a table"
    return repr(value)


class _Collector:
    def __init__(self, origin: str) -> None:
        self.origin = origin
        self.warnings: list[str] = []

    def fail(self, key: str, value: Any, expected: str) -> ConfigError:
        key = _clean(key)
        shown = "(hidden)" if key.startswith("credentials.") else _fmt(value)
        return ConfigError(f"{self.origin}: {key} = {shown}: expected {expected}")


def _validate(raw: Mapping[str, Any], col: _Collector) -> dict[str, Any]:
    """Check a parsed TOML document; return {section: {key: value}} of validated values."""
    out: dict[str, Any] = {}
    for key, value in raw.items():
        if key == "watchlists":
            if not isinstance(value, dict):
                raise col.fail("watchlists", value, 'a table of named lists, like Default = ["SPY"]')
            lists: dict[str, list[str]] = {}
            for name, syms in value.items():
                try:
                    lists[name] = _symbols(syms)
                except _Bad as bad:
                    raise col.fail(f"watchlists.{name}", syms, bad.expected) from None
            out["watchlists"] = lists
            continue
        if key == "keys":
            if not isinstance(value, dict):
                raise col.fail("keys", value, 'a table of binding ids to keys, like quit = "q"')
            for bid, keyspec in value.items():
                if not isinstance(keyspec, str) or not keyspec.strip():
                    raise col.fail(f"keys.{bid}", keyspec, 'a key name such as "ctrl+q" or "x,y"')
            out["keys"] = dict(value)
            continue
        spec = SCHEMA.get(key)
        if spec is None:
            col.warnings.append(f"{col.origin}: unknown key '{_clean(key)}' ignored" + _hint(key, SCHEMA, top=True))
            continue
        if callable(spec):
            try:
                out[key] = spec(value)
            except _Bad as bad:
                raise col.fail(key, value, bad.expected) from None
            continue
        if not isinstance(value, dict):
            raise col.fail(key, value, f"a [{key}] table")
        section: dict[str, Any] = {}
        for sub, subval in value.items():
            check = spec.get(sub)
            if check is None:
                col.warnings.append(f"{col.origin}: unknown key '{_clean(key)}.{_clean(sub)}' ignored" + _hint(sub, spec))
                continue
            try:
                section[sub] = check(subval)
            except _Bad as bad:
                raise col.fail(f"{key}.{sub}", subval, bad.expected) from None
        out[key] = section
    return out


def _hint(key: str, known: Mapping[str, Any], top: bool = False) -> str:
    import difflib

    names = [*known, "watchlists", "keys"] if top else list(known)
    match = difflib.get_close_matches(key, names, n=1)
    return f" (did you mean {match[0]!r}?)" if match else ""


def _build(values: Mapping[str, Any], creds: Credentials) -> Settings:
    base = Settings()
    kwargs: dict[str, Any] = {"credentials": creds}
    for f in fields(Settings):
        if f.name not in values or f.name == "credentials":
            continue
        v = values[f.name]
        current = getattr(base, f.name)
        if isinstance(v, dict) and f.name not in ("watchlists", "keys"):
            kwargs[f.name] = replace(current, **v)
        else:
            kwargs[f.name] = v
    settings = replace(base, **kwargs)
    if not settings.watchlists:
        settings = replace(settings, watchlists={"Default": list(DEFAULT_WATCHLIST)})
    return settings


def load_settings(
    path: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] | None = None,
    *,
    credential_store: bool = True,
) -> LoadedSettings:
    """Read the config file in force (see `paths.config_file`), apply env overrides, validate.

    ``credential_store=False`` skips what `ttai login` stored: `ttai --demo` never uses account
    credentials, and opening the keyring (import and backend probe) costs ~0.1-0.2 s of start-up.
    """
    from ttai_tui import paths

    env = os.environ if env is None else env
    file = paths.config_file(path)
    col = _Collector(str(file))
    raw: dict[str, Any] = {}
    exists = file.is_file()
    if path is not None and not exists:
        raise ConfigError(f"{file}: no such config file")
    if exists:
        try:
            raw = tomllib.loads(file.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{file}: not valid TOML: {exc}") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{file}: cannot be read: {exc}") from None
    values = _validate(raw, col)

    env_col = _Collector("environment")
    for var, (section, key) in ENV_OVERRIDES.items():
        if env.get(var):
            fake = {section: {key: env[var]}} if key else {section: env[var]}
            try:
                checked = _validate(fake, env_col)
            except ConfigError as exc:
                raise ConfigError(str(exc).replace("environment: ", f"environment variable {var}: ", 1)) from None
            if key:
                values.setdefault(section, {}).update(checked[section])
            else:
                values[section] = checked[section]

    creds = _credentials(values.get("credentials", {}), env, credential_store)
    return LoadedSettings(_build(values, creds), file, exists, col.warnings)


def _credentials(from_file: Mapping[str, str], env: Mapping[str, str], use_store: bool = True) -> Credentials:
    secret, refresh = env.get("TT_SECRET"), env.get("TT_REFRESH")
    if secret and refresh:
        return Credentials(Secret(secret), Secret(refresh), "environment")
    fs, fr = secret or from_file.get("provider_secret"), refresh or from_file.get("refresh_token")
    if fs and fr:
        return Credentials(Secret(fs), Secret(fr), "environment + config file" if secret or refresh else "config file")
    stored = _stored_credentials() if use_store else None
    if stored is not None:
        return Credentials(Secret(stored[0]), Secret(stored[1]), "credential store")
    return Credentials(Secret(fs) if fs else None, Secret(fr) if fr else None, "none")


def _stored_credentials() -> tuple[str, str] | None:
    """Credentials saved by `ttai login`, if the credential store module offers them."""
    try:
        from ttai_tui.secrets import load_credentials  # type: ignore[attr-defined]
    except ImportError:
        return None
    try:
        return load_credentials()
    except Exception:  # a broken keyring must not stop the app; demo still works
        return None


def resolve_target(settings: Settings, demo: bool = False, sandbox: bool = False, exchange: str | None = None) -> Target:
    """Pick live / sandbox / demo / a running exchange from flags first, then the config."""
    creds = settings.credentials
    if exchange:
        if not re.match(r"^https?://[^/\s]+", exchange):
            raise ConfigError(f'--exchange {exchange!r}: expected a URL like "http://127.0.0.1:8765"')
        return Target("exchange", exchange.rstrip("/"), creds.provider_secret, creds.refresh_token)
    if demo:
        return Target("demo")
    env = settings.environment
    if sandbox:
        env = "sandbox"
    if env == "auto":
        env = "live" if creds.complete else "demo"
    if env == "demo":
        return Target("demo")
    if not creds.complete:
        raise MissingCredentials(
            f"{env} mode needs TastyTrade credentials: set TT_SECRET and TT_REFRESH, "
            "put them under [credentials] in the config, or run `ttai login`"
        )
    return Target(env, None, creds.provider_secret, creds.refresh_token)


class MissingCredentials(Exception):
    """Live or sandbox was asked for without credentials (exit code 3)."""


def effective_settings(settings: Settings) -> dict[str, Any]:
    """The settings as plain data for `ttai config check`, with secrets redacted."""
    creds = settings.credentials
    return {
        "environment": settings.environment,
        "account": settings.account or "(first account)",
        "credentials": {
            "provider_secret": "********" if creds.provider_secret else "(not set)",
            "refresh_token": "********" if creds.refresh_token else "(not set)",
            "source": creds.source,
        },
        "watchlists": settings.watchlists,
        "chain": {"strikes": settings.chain.strikes, "dte": settings.chain.dte},
        "chart": {
            "timeframe": settings.chart.timeframe,
            "indicators": list(settings.chart.indicators),
            "lower": settings.chart.lower,
            "levels": settings.chart.levels,
            "fibonacci": settings.chart.fibonacci,
            "volume": settings.chart.volume,
        },
        "ui": {"refresh_hz": settings.ui.refresh_hz, "theme": settings.ui.theme, "flash": settings.ui.flash},
        "keys": settings.keys,
        "log": {"level": settings.log.level, "file": str(settings.log.file) if settings.log.file else "(default)"},
        "demo": {"seed": settings.demo.seed, "market_hours": settings.demo.market_hours},
    }
