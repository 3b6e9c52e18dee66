"""Settings: the TOML schema, its validation messages, environment overrides and the connection target.

Hand-written rather than a schema library because the messages are the product here: a
trader who mistypes a key must be told the file, the dotted key, the bad value and what
was expected, in one line, with no traceback. Precedence is flag > environment > file >
defaults; secrets may come from `TT_SECRET` / `TT_REFRESH` (the names the SDK reads).
"""

from __future__ import annotations

import logging
import math
import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, is_dataclass, replace
from pathlib import Path
from typing import Any

from ttai_tui.core.symbols import normalise_symbol  # one symbol rule for config, CLI and dashboard

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
class ServeSettings:
    """`ttai serve`: how many browser tabs (each its own app process) may run at once."""

    max_sessions: int = 1
    port: int = 8470


@dataclass(frozen=True, slots=True)
class TradingSettings:
    """Order safety ([trading]): LIVE confirmation and per-order caps (0 disables a cap)."""

    confirm_live: str = "y"  # "y" or "account-digits": type the account's last four digits
    max_quantity: int = 100  # contracts or shares per leg
    max_notional: float = 25_000.0  # price x size x multiplier, dollars
    max_futures_notional: float = 500_000.0  # futures: price x size x multiplier (margined), dollars
    spread_width: float = 5.0  # strategy shortcuts: strikes apart (points)
    calendar_days: int = 28  # calendar shortcut: the back month's distance in days


@dataclass(frozen=True, slots=True)
class RiskSettings:
    """[risk]: pricing rate and the guideline the risk gauges are held against.

    ``bp_by_vix`` rows are (VIX up to, min %, max %) of net liq in buying-power use, ascending;
    the default is tastytrade's published guideline.
    """

    rate: float = 0.04
    bp_by_vix: tuple[tuple[float, float, float], ...] = (
        (15.0, 0.0, 25.0), (20.0, 25.0, 30.0), (30.0, 30.0, 35.0), (40.0, 35.0, 40.0), (1000.0, 40.0, 50.0))
    delta_target: float = 0.0
    delta_band: float = 100.0
    max_position_pct: float = 5.0


@dataclass(frozen=True, slots=True)
class NetworkSettings:
    retry_s: float = 30.0  # one-shot commands give up reaching the server after this (exit 5)


@dataclass(frozen=True, slots=True)
class AlertSettings:
    """[alerts]: where firings go, and alerts defined in the config (``rules``)."""

    bell: bool = True
    desktop: bool = False
    webhook: str = ""
    webhook_timeout: float = 5.0
    webhook_retries: int = 3
    rules: tuple[str, ...] = ()


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
    serve: ServeSettings = field(default_factory=ServeSettings)
    trading: TradingSettings = field(default_factory=TradingSettings)
    risk: RiskSettings = field(default_factory=RiskSettings)
    network: NetworkSettings = field(default_factory=NetworkSettings)
    alerts: AlertSettings = field(default_factory=AlertSettings)


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


def _alert_rules(value: Any) -> tuple[str, ...]:
    from ttai_tui.core.alerts import AlertSpecError, parse_alert

    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _Bad('a list of alerts, like ["SPY last above 605", "portfolio daypnl below -1000"]')
    out = []
    for v in value:
        try:
            out.append(parse_alert(v).text)
        except AlertSpecError as e:
            raise _Bad(f"alerts in the form SYMBOL FIELD above|below VALUE; {_fmt(v)}: {e}") from None
    return tuple(out)


def _url(value: Any) -> str:
    if not isinstance(value, str) or (not re.fullmatch(r"https?://[^\s]+", value.strip()) and value != ""):
        raise _Bad('an http(s) URL such as "http://127.0.0.1:9000/hook", or "" for none')
    return value.strip()


def webhook_label(url: str) -> str:
    """A webhook URL as it may be shown: scheme and host only (its path often holds a token)."""
    if not url:
        return "(none)"
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}/…"


def _account(value: Any) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z0-9]{4,20}", value):
        raise _Bad('an account number such as "5WT00001"')
    return value


def _bp_by_vix(value: Any) -> tuple[tuple[float, float, float], ...]:
    expected = "rows [VIX up to, min %, max %] with VIX ascending and 0 <= min <= max <= 100"
    if not isinstance(value, list) or not value:
        raise _Bad(expected)
    rows: list[tuple[float, float, float]] = []
    for row in value:
        if (not isinstance(row, list) or len(row) != 3
                or not all(isinstance(x, int | float) and not isinstance(x, bool) for x in row)):
            raise _Bad(expected)
        vix, lo, hi = (float(x) for x in row)
        if not (0 <= lo <= hi <= 100) or vix <= 0 or (rows and vix <= rows[-1][0]):
            raise _Bad(expected)
        rows.append((vix, lo, hi))
    return tuple(rows)


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
    "serve": {"max_sessions": _int(1, 20), "port": _int(1, 65535)},
    "trading": {
        "confirm_live": _choice(("y", "account-digits")),
        "max_quantity": _int(0, 1_000_000),
        "max_notional": _float(0, 1e12),
        "max_futures_notional": _float(0, 1e12),
        "spread_width": _float(0.5, 1000),
        "calendar_days": _int(1, 400),
    },
    "risk": {
        "rate": _float(-0.05, 0.5),
        "bp_by_vix": _bp_by_vix,
        "delta_target": _float(-1e9, 1e9),
        "delta_band": _float(0, 1e9),
        "max_position_pct": _float(0, 100),
    },
    "network": {"retry_s": _float(0, 3600)},
    "alerts": {
        "bell": _bool, "desktop": _bool, "webhook": _url, "webhook_timeout": _float(0.1, 120),
        "webhook_retries": _int(0, 10), "rules": _alert_rules,
    },
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
    """Credentials saved by `ttai login` (keyring or the 0600 file), if any."""
    from ttai_tui.secrets import load_credentials

    try:
        return load_credentials()
    except Exception as exc:  # a broken keyring must not stop the app; demo still works
        logging.getLogger(__name__).warning(
            "the credential store could not be read (%s); continuing without stored credentials",
            type(exc).__name__,
        )
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
    """The settings as plain data for `ttai config check`, with secrets redacted.

    Generic over the dataclasses, so a new section shows up here without editing this."""
    out: dict[str, Any] = {f.name: _plain(getattr(settings, f.name)) for f in fields(Settings)}
    creds = settings.credentials
    out["account"] = settings.account or "(first account)"
    out["credentials"] = {
        "provider_secret": "********" if creds.provider_secret else "(not set)",
        "refresh_token": "********" if creds.refresh_token else "(not set)",
        "source": creds.source,
    }
    out["alerts"]["webhook"] = webhook_label(settings.alerts.webhook)  # a URL may carry a token
    out["log"]["file"] = str(settings.log.file) if settings.log.file else "(default)"
    return out


def _plain(value: Any) -> Any:
    """Dataclasses, tuples and paths as JSON-ready data (secrets are handled by the caller)."""
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, Secret):
        return "********"
    return value
