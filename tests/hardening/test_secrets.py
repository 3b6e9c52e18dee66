"""Secrets: redaction of every log record, credential storage (keyring or 0600 file), permissions."""

from __future__ import annotations

import io
import logging
import os
import pty
import select
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import keyring
import keyring.backend
import pytest

from ttai_tui import cli, secrets

SECRET = "prov-SECRET-1f9a8b7c6d"
REFRESH = "refr-TOKEN-0e1d2c3b4a"


# --- redaction ---------------------------------------------------------------------------------


def test_registered_values_are_redacted() -> None:
    secrets.register_secret("abc-registered-value-1")
    out = secrets.redact("x abc-registered-value-1 y abc-registered-value-1")
    assert "abc-registered-value-1" not in out
    assert out == f"x {secrets.REDACTED} y {secrets.REDACTED}"


def test_longer_secret_containing_shorter_is_removed_whole() -> None:
    secrets.register_secret("nested-inner")
    secrets.register_secret("outer-nested-inner-tail")
    out = secrets.redact("v=outer-nested-inner-tail")
    assert "tail" not in out and "inner" not in out


def test_short_and_empty_values_are_ignored() -> None:
    secrets.register_secret("")
    secrets.register_secret("ab")
    secrets.register_secret(None)
    assert secrets.redact("ab cd") == "ab cd"


def test_secret_objects_are_accepted() -> None:
    from ttai_tui.config import Secret

    secrets.register_secret(Secret("wrapped-secret-value-9"))
    assert "wrapped-secret-value-9" not in secrets.redact("wrapped-secret-value-9")


@pytest.mark.parametrize(
    "line",
    [
        "Authorization: Bearer eyJhbGciOi.unregistered.tok3n",
        '{"access_token": "unregistered-access-77", "expires_in": 900}',
        '{"type":"AUTH","channel":0,"token":"unregistered-dxlink-55"}',
        "grant_type=refresh_token&refresh_token=unregistered-refresh-33",
        "client_secret='unregistered-client-22'",
        "session-token: unregistered-session-11",
        "refresh failed for eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1bnJlZ2lzdGVyZWQifQ.c2lnbmF0dXJlX3VucmVn (401)",
    ],
)
def test_token_shapes_are_redacted_even_unregistered(line: str) -> None:
    out = secrets.redact(line)
    assert "unregistered" not in out and "eyJzdWIi" not in out
    assert secrets.REDACTED in out


def test_ordinary_text_is_untouched() -> None:
    text = "SPY 500.01 x 500.03, reconnecting in 3 s (attempt 2)"
    assert secrets.redact(text) == text


def _record_through_filter(logger_name: str, emit: Any) -> str:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler.addFilter(secrets.RedactingFilter())
    logger = logging.getLogger(logger_name)
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    disabled = logging.root.manager.disable
    logging.disable(logging.NOTSET)  # another test's setup_logging may have disabled DEBUG
    try:
        emit(logger)
    finally:
        logger.removeHandler(handler)
        logging.disable(disabled)
    return stream.getvalue()


def test_filter_redacts_message_args_exception_and_stack() -> None:
    secrets.register_secret("filter-secret-abc123")

    def emit(logger: logging.Logger) -> None:
        logger.info("msg %s", "filter-secret-abc123")
        logger.info("direct filter-secret-abc123")
        logger.debug("dict %(tok)s", {"tok": "filter-secret-abc123"})
        try:
            raise RuntimeError("refused filter-secret-abc123")
        except RuntimeError:
            logger.exception("failed", stack_info=True)
        logger.info("bad args %s %s", "filter-secret-abc123")  # too few args

    out = _record_through_filter("ttai.test.filter", emit)
    assert "filter-secret-abc123" not in out
    assert out.count(secrets.REDACTED) >= 5
    assert "RuntimeError: refused" in out  # the context survives, only the value goes


def test_filter_covers_third_party_loggers_via_root_handler() -> None:
    secrets.register_secret("sdk-side-secret-4242")
    out = _record_through_filter(
        "", lambda root: logging.getLogger("tastytrade.session").warning("x sdk-side-secret-4242")
    )
    assert "sdk-side-secret-4242" not in out and "tastytrade.session" in out


# --- credential storage ----------------------------------------------------------------------


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A working keyring backend, standing in for Secret Service / macOS Keychain."""

    priority = 10  # type: ignore[assignment]
    name = "memory test keyring"

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        del self.store[(service, username)]


class BrokenKeyring(MemoryKeyring):
    name = "locked keyring"

    def set_password(self, service: str, username: str, password: str) -> None:
        raise keyring.errors.KeyringLocked("locked")

    def get_password(self, service: str, username: str) -> str | None:
        raise keyring.errors.KeyringLocked("locked")


@pytest.fixture
def memory_keyring(home: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    monkeypatch.setenv("TTAI_KEYRING", "1")
    yield backend
    keyring.set_keyring(previous)


def _stdin(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(text))


def test_login_without_keyring_writes_0600_file(
    home: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    old = os.umask(0o000)  # even with a permissive umask the file is private
    try:
        _stdin(monkeypatch, f"{SECRET}\n{REFRESH}\n")
        assert secrets.login(None, None) == 0
    finally:
        os.umask(old)
    path = secrets.credentials_file()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) & 0o077 == 0
    out = capsys.readouterr()
    assert str(path) in out.out and "0600" in out.out
    assert SECRET not in out.out + out.err and REFRESH not in out.out + out.err
    assert secrets.load_credentials() == (SECRET, REFRESH)
    assert not list(path.parent.glob("*.bak"))  # no stray copy of the credentials
    assert secrets.logout(None, None) == 0
    assert not path.exists()
    assert secrets.load_credentials() is None
    assert "Removed" in capsys.readouterr().out


def test_default_fail_backend_means_file(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from keyring.backends import fail

    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    monkeypatch.setenv("TTAI_KEYRING", "1")
    try:
        assert secrets._keyring() is None
        _stdin(monkeypatch, f"{SECRET}\n{REFRESH}\n")
        assert secrets.login(None, None) == 0
        assert secrets.credentials_file().exists()
    finally:
        keyring.set_keyring(previous)


def test_login_uses_keyring_when_available(
    memory_keyring: MemoryKeyring, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    _stdin(monkeypatch, f"{SECRET}\n{REFRESH}\n")
    assert secrets.login(None, None) == 0
    assert memory_keyring.store == {
        ("ttai", "provider_secret"): SECRET,
        ("ttai", "refresh_token"): REFRESH,
    }
    assert not secrets.credentials_file().exists()
    assert "keyring" in capsys.readouterr().out
    assert secrets.load_credentials() == (SECRET, REFRESH)
    assert secrets.logout(None, None) == 0
    assert memory_keyring.store == {}
    assert secrets.load_credentials() is None


def test_broken_keyring_falls_back_to_file(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(BrokenKeyring())
    monkeypatch.setenv("TTAI_KEYRING", "1")
    try:
        _stdin(monkeypatch, f"{SECRET}\n{REFRESH}\n")
        assert secrets.login(None, None) == 0
        assert stat.S_IMODE(secrets.credentials_file().stat().st_mode) == 0o600
        assert secrets.load_credentials() == (SECRET, REFRESH)
    finally:
        keyring.set_keyring(previous)


def test_login_refuses_empty_input(
    home: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    _stdin(monkeypatch, f"{SECRET}\n\n")
    assert secrets.login(None, None) == 1
    assert not secrets.credentials_file().exists()
    assert "nothing stored" in capsys.readouterr().err


def test_corrupt_credentials_file_is_not_used_nor_echoed(home: Path) -> None:
    path = secrets.credentials_file()
    path.parent.mkdir(parents=True)
    path.write_text('{"provider_secret": "half-written-' + SECRET)
    path.chmod(0o600)
    assert secrets.load_credentials() is None


def test_stored_credentials_reach_settings(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from ttai_tui.config import load_settings

    _stdin(monkeypatch, f"{SECRET}\n{REFRESH}\n")
    secrets.login(None, None)
    creds = load_settings(None).settings.credentials
    assert creds.source == "credential store"
    assert creds.provider_secret is not None and creds.provider_secret.get() == SECRET


def test_login_prompt_never_echoes(home: Path, tmp_path: Path) -> None:
    """Through a real terminal: what is typed is not echoed back to the screen."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    pid, fd = pty.fork()
    if pid == 0:  # child
        os.execve(sys.executable, [sys.executable, "-m", "ttai_tui", "login"], env)
    out = b""

    def read_until(marker: bytes, timeout: float = 20.0) -> None:
        nonlocal out
        deadline = time.monotonic() + timeout
        while marker not in out and time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.2)
            if ready:
                try:
                    out += os.read(fd, 4096)
                except OSError:
                    break
        assert marker in out, out

    try:
        read_until(b"provider secret:")
        os.write(fd, SECRET.encode() + b"\r")
        read_until(b"refresh token:")
        os.write(fd, REFRESH.encode() + b"\r")
        read_until(b"Credentials stored")
    finally:
        _, status = os.waitpid(pid, 0)
        os.close(fd)
    assert os.waitstatus_to_exitcode(status) == 0
    assert SECRET.encode() not in out and REFRESH.encode() not in out
    assert secrets.load_credentials() == (SECRET, REFRESH)


# --- permissions -------------------------------------------------------------------------------


def test_check_permissions_names_file_and_fix(tmp_path: Path, home: Path) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text("")
    cfg.chmod(0o600)
    assert secrets.check_permissions(cfg) is None
    cfg.chmod(0o644)
    msg = secrets.check_permissions(cfg)
    assert msg is not None and str(cfg) in msg and f"chmod 600 {cfg}" in msg
    cfg.chmod(0o640)
    assert secrets.check_permissions(cfg) is not None
    assert secrets.check_permissions(tmp_path / "missing.toml") is None


def test_loose_credentials_file_is_reported(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _stdin(monkeypatch, f"{SECRET}\n{REFRESH}\n")
    secrets.login(None, None)
    path = secrets.credentials_file()
    assert secrets.check_permissions(None) is None
    path.chmod(0o644)
    msg = secrets.check_permissions(None)
    assert msg is not None and f"chmod 600 {path}" in msg


def test_cli_warns_about_world_readable_config(
    home: Path, tmp_path: Path, capsys: Any, keep_root_logging: None
) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text('environment = "demo"\n')
    cfg.chmod(0o644)
    assert cli.main(["--config", str(cfg), "config", "check"]) == 0
    err = capsys.readouterr().err
    assert f"chmod 600 {cfg}" in err and "warning" in err
    cfg.chmod(0o600)
    assert cli.main(["--config", str(cfg), "config", "check"]) == 0
    assert "chmod" not in capsys.readouterr().err


def test_cli_login_logout_round_trip(
    home: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any, keep_root_logging: None
) -> None:
    _stdin(monkeypatch, f"{SECRET}\n{REFRESH}\n")
    assert cli.main(["login"]) == 0
    assert cli.main(["config", "check"]) == 0
    out = capsys.readouterr()
    assert '"source": "credential store"' in out.out
    assert SECRET not in out.out + out.err and REFRESH not in out.out + out.err
    assert cli.main(["logout"]) == 0
    assert not secrets.credentials_file().exists()


def test_subprocess_login_from_pipe(home: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "ttai_tui", "login"],
        input=f"{SECRET}\n{REFRESH}\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert SECRET not in proc.stdout + proc.stderr
    assert stat.S_IMODE(secrets.credentials_file().stat().st_mode) == 0o600
