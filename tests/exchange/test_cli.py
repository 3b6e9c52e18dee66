"""`ttai exchange` (here via `python -m ttai_tui.exchange`, the same run()): prints the URL,
serves, stops cleanly on SIGTERM; bad knob values are a usage error."""

from __future__ import annotations

import argparse
import json
import signal
import subprocess
import sys
import urllib.request

import pytest

from ttai_tui.exchange.cli import faults_from_args, parse_codes, run


def test_cli_serves_and_stops_on_sigterm():
    proc = subprocess.Popen(
        [sys.executable, "-m", "ttai_tui.exchange", "--port", "0", "--seed", "3",
         "--error-rate", "0", "--token-lifetime", "60"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        first = proc.stdout.readline()
        assert first.startswith("ttai simulated exchange listening on http://127.0.0.1:")
        url = first.rsplit(" ", 1)[1].strip()
        lines = [proc.stdout.readline() for _ in range(8)]
        assert any("any non-empty client secret" in ln for ln in lines)
        with urllib.request.urlopen(url + "/_exchange/stats", timeout=5) as r:
            assert json.load(r)["token-refreshes"] == 0
        proc.send_signal(signal.SIGTERM)
        out, _err = proc.communicate(timeout=10)
        assert proc.returncode == 0 and "stopped" in out
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_knob_parsing():
    assert parse_codes("429, 503") == (429, 503)
    with pytest.raises(ValueError):
        parse_codes("200")
    ns = argparse.Namespace(drop_every=2.0, error_rate=0.25, error_codes="429", delay=0.1,
                            malformed_every=None, refuse_auth=True)
    f = faults_from_args(ns)
    assert (f.drop_every, f.error_rate, f.error_codes, f.delay, f.refuse_auth) == (2.0, 0.25, (429,), 0.1, True)


def test_bad_error_rate_is_a_usage_error(capsys):
    ns = argparse.Namespace(error_rate=1.5, error_codes="500")
    assert run(ns) == 2
    assert "error-rate" in capsys.readouterr().err
