"""User data is never lost: atomic saves survive SIGKILL at every stage; corruption is reported."""

from __future__ import annotations

import json
import os
import random
import signal
import stat
import subprocess
import sys
import textwrap
import time
import tomllib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.hardening._toml import dump_toml
from ttai_tui import storage
from ttai_tui.storage import CorruptFileError

OLD = {"watchlists": {"Default": ["SPY", "QQQ"]}, "version": "old"}
# Big enough to be written in many chunks, so a kill can land mid-write.
NEW = {"watchlists": {f"L{i}": ["SPY"] * 50 for i in range(2000)}, "version": "new"}

WRITER = textwrap.dedent(
    """
    import sys, time
    from ttai_tui import storage

    path, stop_at, slow = sys.argv[1], sys.argv[2], float(sys.argv[3])
    new = {"watchlists": {f"L{i}": ["SPY"] * 50 for i in range(2000)}, "version": "new"}

    def hook(stage):
        if stage == stop_at:
            print(stage, flush=True)
            time.sleep(60)  # parked here until the parent SIGKILLs us
        elif slow:
            time.sleep(slow)

    print("start", flush=True)
    storage.save_json(path, new, hook=hook)
    print("done", flush=True)
    """
)


def _spawn(path: Path, stop_at: str, slow: float = 0.0) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path), stop_at, str(slow)],
        stdout=subprocess.PIPE,
        text=True,
    )


def _assert_whole(path: Path) -> str:
    """The file is exactly the old or exactly the new document, and says which."""
    doc = json.loads(path.read_text())
    assert doc in (OLD, NEW)
    return doc["version"]


@pytest.mark.parametrize(
    ("stage", "expected"),
    [
        ("chunk", "old"),
        ("written", "old"),
        ("synced", "old"),
        ("backed_up", "old"),
        ("replaced", "new"),
    ],
)
def test_sigkill_at_each_stage_leaves_old_or_new(tmp_path: Path, stage: str, expected: str) -> None:
    target = tmp_path / "watchlists.json"
    storage.save_json(target, OLD)
    proc = _spawn(target, stage)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "start"
    assert proc.stdout.readline().strip() == stage  # parked exactly at this stage
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL
    assert _assert_whole(target) == expected
    # The next save cleans the dead writer's temporary and works normally.
    storage.save_json(target, {"version": "after"})
    assert storage.load_json(target) == {"version": "after"}
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []


def test_sigkill_at_random_instants(tmp_path: Path) -> None:
    """Kills at arbitrary moments of a slow multi-chunk save never leave a half file."""
    rng = random.Random(8)
    target = tmp_path / "w.json"
    seen = set()
    for _ in range(6):
        storage.save_json(target, OLD)
        proc = _spawn(target, "never", slow=0.01)
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "start"
        time.sleep(rng.uniform(0.0, 0.15))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        seen.add(_assert_whole(target))
    assert "old" in seen  # at least some kills landed mid-save


def test_save_keeps_previous_version_as_backup(tmp_path: Path) -> None:
    target = tmp_path / "w.json"
    storage.save_json(target, {"v": 1})
    storage.save_json(target, {"v": 2})
    assert storage.load_json(target) == {"v": 2}
    assert json.loads(storage.backup_path(target).read_text()) == {"v": 1}


def test_corrupt_file_is_reported_with_backup_offered(tmp_path: Path) -> None:
    target = tmp_path / "w.json"
    storage.save_json(target, {"v": 1})
    storage.save_json(target, {"v": 2})
    target.write_text('{"v": 2, "trunc')  # e.g. an editor crashed or the disk filled
    with pytest.raises(CorruptFileError) as info:
        storage.load_json(target)
    err = info.value
    assert err.path == target
    assert err.backup == storage.backup_path(target)
    assert str(target) in str(err) and str(err.backup) in str(err)
    assert "invalid JSON" in str(err)
    # Nothing was discarded by loading.
    assert target.read_text() == '{"v": 2, "trunc'
    storage.restore_backup(target)
    assert storage.load_json(target) == {"v": 1}
    assert (tmp_path / "w.json.corrupt").read_text() == '{"v": 2, "trunc'


def test_corrupt_without_backup_says_so(tmp_path: Path) -> None:
    target = tmp_path / "s.json"
    target.write_bytes(b"\xff\xfe not text")
    with pytest.raises(CorruptFileError) as info:
        storage.load_json(target)
    assert info.value.backup is None
    assert "no usable backup" in str(info.value)


def test_saving_over_corrupt_file_does_not_clobber_good_backup(tmp_path: Path) -> None:
    target = tmp_path / "w.json"
    storage.save_json(target, {"v": 1})
    storage.save_json(target, {"v": 2})
    target.write_text("garbage")
    storage.save_json(target, {"v": 3})
    assert storage.load_json(target) == {"v": 3}
    assert json.loads(storage.backup_path(target).read_text()) == {"v": 1}
    assert (tmp_path / "w.json.corrupt").read_text() == "garbage"


def test_missing_file_gives_default(tmp_path: Path) -> None:
    assert storage.load_json(tmp_path / "nope.json", default={"a": 1}) == {"a": 1}
    assert storage.load_json(tmp_path / "nope.json") is None


def test_private_files_are_0600_from_creation(tmp_path: Path) -> None:
    old_umask = os.umask(0)  # worst case: a umask that would leave files world-writable
    try:
        seen_modes: list[int] = []

        def hook(stage: str) -> None:
            if stage == "written":
                tmp = [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
                seen_modes.extend(stat.S_IMODE(p.stat().st_mode) for p in tmp)

        path = storage.atomic_write_text(tmp_path / "creds", "s3cret", private=True, hook=hook)
    finally:
        os.umask(old_umask)
    assert seen_modes == [0o600]  # the temporary was never readable by others
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_existing_mode_is_kept(tmp_path: Path) -> None:
    target = tmp_path / "w.json"
    storage.save_json(target, {"v": 1})
    target.chmod(0o640)
    storage.save_json(target, {"v": 2})
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


def test_failed_write_leaves_old_file_and_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "w.json"
    storage.save_json(target, {"v": 1})

    def boom(stage: str) -> None:
        if stage == "synced":
            raise OSError(28, "No space left on device")

    with pytest.raises(OSError):
        storage.save_json(target, {"v": 2}, hook=boom)
    assert storage.load_json(target) == {"v": 1}
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_save_json_refuses_nan(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        storage.save_json(tmp_path / "x.json", {"v": float("nan")})
    assert not (tmp_path / "x.json").exists()


_keys = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=8)
_scalars = (
    st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False)
    | st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
)
_values = st.recursive(
    _scalars | st.lists(_scalars, max_size=4),
    lambda children: st.dictionaries(_keys, children, max_size=4),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(_keys, _values, max_size=5))
def test_dump_toml_round_trips(doc: dict) -> None:
    """The tests' TOML writer (tests/hardening/_toml.py) is exact, so fuzzed configs are too."""
    assert tomllib.loads(dump_toml(doc)) == doc
