"""Credentials: where they are stored, and keeping them out of every log line and message.

Stable API (the lead's logsetup/config/cli depend on these names):

* `register_secret(value)` – remember a credential (provider secret, refresh token, access
  token, DXLink streamer token) so it is redacted everywhere from now on. Call it as soon as a
  value is known; the broker should call it for every new access/streamer token.
* `redact(text) -> str` – the text with every registered secret, and anything that *looks*
  like a token (``Bearer …``, ``"access_token": "…"``, ``refresh_token=…``, any JWT), replaced by
  ``********``. Pattern matching covers tokens nobody registered yet (e.g. SDK debug lines).
* `RedactingFilter` – a `logging.Filter` for handlers: redacts the message, its args, the
  exception text and the stack text of every record.
* `login(settings, args) -> int` / `logout(settings, args) -> int` – `ttai login` / `logout`.
* `load_credentials() -> (secret, refresh) | None` – what `ttai login` stored.
* `check_permissions(path) -> str | None` – a warning when a config or credentials file is
  readable by group/others, naming the file and the fix.

Storage: the system keyring when a real backend is available (keyring's ``fail``/``null``
backends, or any backend that errors, mean "not available"); otherwise a JSON file in the
config directory created 0600 from its first byte (`storage.atomic_write_bytes(private=True)`).
``TTAI_KEYRING=0`` forces the file (headless servers, tests).
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import json
import logging
import os
import re
import stat
import sys
import threading
import warnings
from pathlib import Path
from typing import Any

__all__ = [
    "REDACTED",
    "RedactingFilter",
    "check_permissions",
    "credentials_file",
    "load_credentials",
    "login",
    "logout",
    "redact",
    "register_secret",
]

REDACTED = "********"
KEYRING_SERVICE = "ttai"
_KEYS = ("provider_secret", "refresh_token")
_MIN_LEN = 4  # shorter values would redact ordinary words; real credentials are far longer

log = logging.getLogger("ttai.secrets")

# --- redaction -----------------------------------------------------------------------------

_lock = threading.Lock()
_registered: set[str] = set()
_pattern: re.Pattern[str] | None = None

# Shapes that carry tokens on the wire or in SDK/HTTP debug output, whoever logs them.
_SHAPES = re.compile(
    r"(?P<pre>"
    r"\bBearer\s+"
    r"|[\"']?(?:access_token|refresh_token|client_secret|provider_secret|session[-_]token"
    r"|id_token|token|secret)[\"']?\s*[:=]\s*[\"']?"
    r")(?P<val>[A-Za-z0-9._~+/=\-]{6,})",
    re.IGNORECASE,
)


# A JSON Web Token anywhere in a line (OAuth access tokens are JWTs): three base64url parts,
# the first starting with the encoded '{"'. Caught even when nobody registered it.
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}")


def register_secret(value: Any) -> None:
    """Redact `value` (a str, or anything with `.get()` such as config.Secret) from now on."""
    if value is None:
        return
    if not isinstance(value, str) and hasattr(value, "get"):
        value = value.get()
    if not isinstance(value, str) or len(value) < _MIN_LEN:
        return
    global _pattern
    with _lock:
        if value in _registered:
            return
        _registered.add(value)
        # Longest first, so a secret containing another is removed whole.
        ordered = sorted(_registered, key=len, reverse=True)
        _pattern = re.compile("|".join(re.escape(v) for v in ordered))


def redact(text: str) -> str:
    """`text` with every registered secret and every token-shaped value replaced."""
    if not text:
        return text
    pattern = _pattern
    if pattern is not None:
        text = pattern.sub(REDACTED, text)
    text = _JWT.sub(REDACTED, text)
    return _SHAPES.sub(lambda m: m.group("pre") + REDACTED, text)


def _forget_all() -> None:
    """Tests only: start from an empty registry."""
    global _pattern
    with _lock:
        _registered.clear()
        _pattern = None


class RedactingFilter(logging.Filter):
    """Scrub secrets from a record before any handler formats it.

    Put it on handlers (not loggers) so records from the SDK and the HTTP stack, which
    propagate to the root handlers, pass through it too.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # bad %-args: keep what can be shown, never the raw args
            message = f"{record.msg!s} (unformattable log arguments)"
        record.msg = redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


# --- file permissions ------------------------------------------------------------------------


def credentials_file() -> Path:
    """Where `ttai login` stores credentials when no keyring is available."""
    from ttai_tui import paths

    return paths.config_dir() / "credentials.json"


def _loose(path: Path) -> bool:
    try:
        return bool(stat.S_IMODE(path.stat().st_mode) & 0o044)
    except OSError:
        return False


def check_permissions(path: str | os.PathLike[str] | None) -> str | None:
    """A warning if `path` (a config file) or the stored credentials file can be read by others.

    Both are checked because both may hold credentials; the message names each file and the
    exact fix. None when everything is private or absent.
    """
    problems: list[Path] = []
    if path is not None and _loose(Path(path)):
        problems.append(Path(path))
    creds = credentials_file()
    if _loose(creds) and creds not in problems:
        problems.append(creds)
    if not problems:
        return None
    return " ".join(
        f"{p} is readable by group/others and may hold credentials; fix it with `chmod 600 {p}`."
        for p in problems
    )


# --- keyring ---------------------------------------------------------------------------------


def _keyring() -> Any | None:
    """The keyring module when a real backend is usable, else None (use the file)."""
    if os.environ.get("TTAI_KEYRING", "").strip().lower() in ("0", "no", "false", "off"):
        return None
    try:
        import keyring
        from keyring.backends import fail, null

        backend = keyring.get_keyring()
    except Exception as exc:
        log.info("keyring unavailable: %s", type(exc).__name__)
        return None
    if isinstance(backend, fail.Keyring | null.Keyring):
        return None
    chained = getattr(backend, "backends", None)
    if chained is not None and not [
        b for b in chained if not isinstance(b, fail.Keyring | null.Keyring)
    ]:
        return None
    if getattr(backend, "priority", 1) <= 0:
        return None
    return keyring


def _backend_name(kr: Any) -> str:
    backend = kr.get_keyring()
    return getattr(backend, "name", type(backend).__name__)


def _keyring_load(kr: Any) -> tuple[str, str] | None:
    try:
        values = [kr.get_password(KEYRING_SERVICE, k) for k in _KEYS]
    except Exception as exc:
        log.warning(
            "reading the keyring failed (%s); trying the credentials file", type(exc).__name__
        )
        return None
    if all(values):
        return values[0], values[1]
    return None


# --- credentials file ------------------------------------------------------------------------


def _file_load(path: Path) -> tuple[str, str] | None:
    from ttai_tui import storage

    try:
        data = storage.load_json(path)
    except storage.StorageError as exc:
        # The file's content may be a secret: report the problem, never the bytes.
        log.warning("stored credentials unusable: %s", type(exc).__name__)
        return None
    if not isinstance(data, dict):
        return None
    secret, refresh = (data.get(k) for k in _KEYS)
    if isinstance(secret, str) and secret and isinstance(refresh, str) and refresh:
        return secret, refresh
    return None


def _file_store(path: Path, secret: str, refresh: str) -> None:
    from ttai_tui import storage

    payload = json.dumps({"provider_secret": secret, "refresh_token": refresh}) + "\n"
    # No .bak: a backup copy would keep old credentials alive after `ttai logout`.
    storage.atomic_write_text(path, payload, private=True, backup=False)


def load_credentials() -> tuple[str, str] | None:
    """(provider secret, refresh token) stored by `ttai login`, keyring first, else the file."""
    found: tuple[str, str] | None = None
    kr = _keyring()
    if kr is not None:
        found = _keyring_load(kr)
    if found is None:
        found = _file_load(credentials_file())
    if found is not None:
        for value in found:
            register_secret(value)
    return found


# --- ttai login / ttai logout ----------------------------------------------------------------


def _ask(prompt: str) -> str:
    """Read a credential without echo; from a pipe, read one line silently."""
    if not sys.stdin.isatty():
        line = sys.stdin.readline()
        return line.strip()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", getpass.GetPassWarning)
        return getpass.getpass(prompt).strip()


def _err(message: str) -> None:
    print(f"ttai: {message}", file=sys.stderr)


def login(settings: Any, args: argparse.Namespace | None = None) -> int:
    """`ttai login`: prompt for the provider secret and refresh token, store them privately."""
    try:
        secret = _ask("TastyTrade OAuth provider secret: ")
        refresh = _ask("TastyTrade refresh token: ")
    except (EOFError, KeyboardInterrupt):
        _err("login cancelled; nothing stored")
        return 130
    if not secret or not refresh:
        _err("both the provider secret and the refresh token are needed; nothing stored")
        return 1
    register_secret(secret)
    register_secret(refresh)
    kr = _keyring()
    if kr is not None:
        try:
            for key, value in zip(_KEYS, (secret, refresh), strict=True):
                kr.set_password(KEYRING_SERVICE, key, value)
        except Exception as exc:
            log.warning("keyring write failed (%s); using the credentials file", type(exc).__name__)
        else:
            _remove_file(credentials_file())  # one store only: no stale copy elsewhere
            print(f"Credentials stored in the system keyring ({_backend_name(kr)}).")
            _env_note()
            return 0
    path = credentials_file()
    try:
        _file_store(path, secret, refresh)
    except OSError as exc:
        _err(f"could not write {path}: {exc.strerror or type(exc).__name__}; nothing stored")
        return 1
    print(
        f"Credentials stored in {path} (readable only by you, mode 0600); no system keyring available."
    )
    _env_note()
    return 0


def _env_note() -> None:
    if os.environ.get("TT_SECRET") or os.environ.get("TT_REFRESH"):
        print("Note: TT_SECRET / TT_REFRESH are set and take precedence over stored credentials.")


def _remove_file(path: Path) -> list[Path]:
    removed = []
    for p in (path, path.with_name(path.name + ".bak"), path.with_name(path.name + ".corrupt")):
        with contextlib.suppress(FileNotFoundError):
            p.unlink()
            removed.append(p)
    return removed


def _keyring_delete(kr: Any) -> bool:
    removed = False
    for key in _KEYS:
        try:
            if kr.get_password(KEYRING_SERVICE, key) is not None:
                kr.delete_password(KEYRING_SERVICE, key)
                removed = True
        except Exception as exc:
            log.warning("keyring delete failed (%s)", type(exc).__name__)
    return removed


def logout(settings: Any, args: argparse.Namespace | None = None) -> int:
    """`ttai logout`: remove stored credentials from the keyring and the credentials file."""
    places: list[str] = []
    kr = _keyring()
    if kr is not None and _keyring_delete(kr):
        places.append(f"the system keyring ({_backend_name(kr)})")
    places.extend(str(p) for p in _remove_file(credentials_file()))
    if places:
        print("Removed stored credentials from " + " and ".join(places) + ".")
    else:
        print("No stored credentials to remove.")
    if os.environ.get("TT_SECRET") or os.environ.get("TT_REFRESH"):
        print("Note: TT_SECRET / TT_REFRESH are still set in the environment.")
    _config_note(settings)
    return 0


def _config_note(settings: Any) -> None:
    source = getattr(getattr(settings, "credentials", None), "source", "")
    if isinstance(source, str) and "config file" in source:
        print("Note: the config file still has a [credentials] table; remove it by hand.")
