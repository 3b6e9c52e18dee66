"""Crash-safe storage for user data (watchlists, app state, the credentials file).

A trader's watchlists and settings must survive a crash, a SIGKILL or a full disk in the
middle of a save. Every write therefore goes:

1. to a temporary file in the *same directory* (so the final rename never crosses a
   filesystem), created with the final permissions from the start (0600 for anything
   private: never world-readable, not even for a moment);
2. flush + ``fsync`` of the temporary file, so its bytes are on disk before it is named;
3. the current file is hard-linked to ``NAME.bak`` (the previous version stays available);
4. ``os.replace`` onto the target (atomic on POSIX: a reader sees the old or the new file,
   never a mix), then ``fsync`` of the directory so the rename itself is durable.

Loading never silently discards user data: a file that cannot be parsed raises
`CorruptFileError`, which names the file, says what is wrong and offers the backup
(`CorruptFileError.backup`, and `restore_backup()` to put it back). Saving over a corrupt
file moves the corrupt bytes aside to ``NAME.corrupt`` rather than letting them overwrite a
good backup.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import secrets as _random
import stat
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

__all__ = [
    "CorruptFileError",
    "StorageError",
    "atomic_write_bytes",
    "atomic_write_text",
    "backup_path",
    "load_json",
    "restore_backup",
    "save_json",
]

#: Called with a stage name during a save ("chunk", "written", "synced", "backed_up",
#: "replaced"). Tests use it to kill a process at a precise point; production passes None.
Hook = Callable[[str], None]

_CHUNK = 64 * 1024
_TMP_RE = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)\.[0-9a-f]+\.tmp$")


class StorageError(Exception):
    """A user-data file could not be read or written; the message is fit to show as is."""

    def __init__(self, message: str, path: Path) -> None:
        super().__init__(message)
        self.path = path


class CorruptFileError(StorageError):
    """The file exists but cannot be parsed. Nothing was changed on disk.

    `backup` is the previous version when one exists and parses, so the UI/CLI can offer
    it ("restore backup?") instead of starting from defaults and losing the user's data.
    """

    def __init__(self, path: Path, reason: str, backup: Path | None) -> None:
        if backup is not None:
            hint = (
                f"the previous version is kept at {backup}; restore it with "
                f"`cp {backup} {path}` (or let ttai restore it)"
            )
        else:
            hint = "no usable backup exists; fix or remove the file"
        super().__init__(f"{path} is corrupt ({reason}); {hint}", path)
        self.reason = reason
        self.backup = backup


def backup_path(path: Path) -> Path:
    """Where the previous version of `path` is kept."""
    return path.with_name(path.name + ".bak")


def _fsync_dir(directory: Path) -> None:
    """Make a rename durable: the directory entry lives in the directory's own blocks."""
    try:
        fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError as e:  # e.g. platforms that cannot open directories; the rename is still atomic
        log.debug("cannot open %s to fsync it: %s", directory, e)
        return
    try:
        os.fsync(fd)
    except OSError as e:
        log.debug("fsync of directory %s failed: %s (the rename is atomic, maybe not yet durable)",
                  directory, e)
    finally:
        os.close(fd)


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove_stale_temps(path: Path) -> None:
    """Delete temporaries left by a writer that was killed mid-save (its pid is gone)."""
    try:
        entries = list(path.parent.iterdir())
    except OSError as e:
        log.debug("cannot list %s for stale temporaries: %s", path.parent, e)
        return
    for entry in entries:
        m = _TMP_RE.match(entry.name)
        if m and m.group("name") == path.name and not _pid_alive(int(m.group("pid"))):
            with contextlib.suppress(OSError):
                entry.unlink()


def _target_mode(path: Path, private: bool) -> int:
    if private:
        return 0o600
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _keep_backup(path: Path) -> None:
    """Point NAME.bak at the current version (hard link: atomic and costs no copy)."""
    if not path.exists():
        return
    bak = backup_path(path)
    with contextlib.suppress(OSError):
        if os.path.samefile(path, bak):
            return  # already the backup (an earlier save was interrupted after this step)
    tmp = path.with_name(f".{bak.name}.{os.getpid()}.{_random.token_hex(4)}.tmp")
    try:
        os.link(path, tmp)
    except OSError:
        # No hard links (some filesystems): copy through the same safe write.
        atomic_write_bytes(bak, path.read_bytes(), private=True, backup=False)
        return
    os.replace(tmp, bak)
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()  # rename between two links of one inode is a no-op on POSIX


def atomic_write_bytes(
    path: str | os.PathLike[str],
    data: bytes,
    *,
    private: bool = False,
    backup: bool = True,
    hook: Hook | None = None,
) -> Path:
    """Replace `path` with `data` so that a crash at any instant leaves old or new, whole.

    `private=True` creates the file 0600 from the first byte (credentials, anything that
    may hold a secret). Otherwise an existing file keeps its mode and a new one follows
    the umask. Returns the path written.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700 if private else 0o777)
    _remove_stale_temps(target)
    mode = _target_mode(target, private)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{_random.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), mode)
    try:
        try:
            os.fchmod(fd, mode)  # os.open's mode is filtered by the umask; be exact
            view = memoryview(data)
            for start in range(0, len(view), _CHUNK):
                os.write(fd, view[start : start + _CHUNK])
                if hook is not None:
                    hook("chunk")
            if hook is not None:
                hook("written")
            os.fsync(fd)
        finally:
            os.close(fd)
        if hook is not None:
            hook("synced")
        if backup:
            _keep_backup(target)
            if hook is not None:
                hook("backed_up")
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    _fsync_dir(target.parent)
    if hook is not None:
        hook("replaced")
    return target


def atomic_write_text(
    path: str | os.PathLike[str],
    text: str,
    *,
    private: bool = False,
    backup: bool = True,
    hook: Hook | None = None,
) -> Path:
    """`atomic_write_bytes` for UTF-8 text."""
    return atomic_write_bytes(path, text.encode("utf-8"), private=private, backup=backup, hook=hook)


# ---------------------------------------------------------------------------------------
# Format-aware load/save


def _parse(path: Path, data: bytes, parser: Callable[[str], Any]) -> Any:
    try:
        return parser(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ValueError(f"not UTF-8 text at byte {exc.start}") from None
    except json.JSONDecodeError as exc:
        raise ValueError(
            f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"invalid TOML: {exc}") from None


def _load(path: Path, parser: Callable[[str], Any], default: Any) -> Any:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return default
    except OSError as exc:
        raise StorageError(f"cannot read {path}: {exc.strerror or exc}", path) from None
    try:
        return _parse(path, data, parser)
    except ValueError as exc:
        raise CorruptFileError(path, str(exc), _usable_backup(path, parser)) from None


def _usable_backup(path: Path, parser: Callable[[str], Any]) -> Path | None:
    bak = backup_path(path)
    try:
        _parse(bak, bak.read_bytes(), parser)
    except (OSError, ValueError) as e:
        log.info("backup %s is not usable: %s", bak, e)
        return None
    return bak


def _save(
    path: Path, data: bytes, parser: Callable[[str], Any], private: bool, hook: Hook | None
) -> Path:
    """Save, but never let a corrupt current file overwrite a good backup."""
    try:
        current = path.read_bytes()
    except FileNotFoundError:
        current = None
    except OSError as e:
        log.warning("cannot read %s before saving it (%s); saving without checking it", path, e)
        current = None
    if current is not None:
        try:
            _parse(path, current, parser)
        except ValueError:
            # Keep the corrupt bytes for inspection and leave NAME.bak (the last good one).
            atomic_write_bytes(
                path.with_name(path.name + ".corrupt"), current, private=True, backup=False
            )
            return atomic_write_bytes(path, data, private=private, backup=False, hook=hook)
    return atomic_write_bytes(path, data, private=private, backup=True, hook=hook)


def load_json(path: str | os.PathLike[str], default: Any = None) -> Any:
    """Parsed JSON, `default` when the file does not exist, `CorruptFileError` when bad."""
    return _load(Path(path), json.loads, default)


def save_json(
    path: str | os.PathLike[str], obj: Any, *, private: bool = False, hook: Hook | None = None
) -> Path:
    """Atomically write `obj` as pretty JSON, keeping the previous version as NAME.bak."""
    text = json.dumps(obj, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    return _save(Path(path), text.encode("utf-8"), json.loads, private, hook)


def restore_backup(path: str | os.PathLike[str]) -> Path:
    """Put NAME.bak back in place (atomically); the corrupt file is kept as NAME.corrupt."""
    target = Path(path)
    bak = backup_path(target)
    try:
        data = bak.read_bytes()
    except OSError as exc:
        raise StorageError(
            f"no backup to restore for {target}: {exc.strerror or exc}", target
        ) from None
    if target.exists():
        atomic_write_bytes(
            target.with_name(target.name + ".corrupt"),
            target.read_bytes(),
            private=True,
            backup=False,
        )
    private = stat.S_IMODE(bak.stat().st_mode) & 0o077 == 0
    return atomic_write_bytes(target, data, private=private, backup=False)
