"""`ttai serve` on the command line: loopback by default, anything else only when asked."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_non_loopback_host_is_refused_without_allow_remote(tmp_path: Path) -> None:
    port = _free_port()
    run = subprocess.run(
        [sys.executable, "-m", "ttai_tui", "serve", "--demo", "--host", "0.0.0.0", "--port", str(port)],
        capture_output=True, text=True, timeout=60, env={**os.environ, "TTAI_HOME": str(tmp_path)},
    )
    assert run.returncode == 1
    assert run.stdout == ""  # no URL: nothing is served
    assert "refusing to serve on 0.0.0.0" in run.stderr and "--allow-remote" in run.stderr
    with socket.socket() as s:  # and nothing listens there
        assert s.connect_ex(("127.0.0.1", port)) != 0


def test_a_port_in_use_is_a_clear_error(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        run = subprocess.run(
            [sys.executable, "-m", "ttai_tui", "serve", "--demo", "--port", str(port)],
            capture_output=True, text=True, timeout=60, env={**os.environ, "TTAI_HOME": str(tmp_path)},
        )
    assert run.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in run.stderr
    assert run.stdout == ""
