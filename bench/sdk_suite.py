"""Run the tastytrade SDK's own test suite (13.2.3 source release) against a ttai exchange.

A manual check, not part of ``make test`` (it needs the SDK's sdist, which is not vendored)::

    .venv/bin/pip download --no-deps --no-binary :all: tastytrade==13.2.3 -d /tmp/sdk-src
    tar xzf /tmp/sdk-src/tastytrade-13.2.3.tar.gz -C /tmp/sdk-src
    .venv/bin/pip install trio            # the suite runs every module on asyncio and trio
    .venv/bin/python -m bench.sdk_suite /tmp/sdk-src/tastytrade-13.2.3 [--json out.json]

It starts ``python -m ttai_tui.exchange`` on a free loopback port, sets TT_SECRET, TT_REFRESH
and TT_ACCOUNT for the suite, points the SDK at the exchange with ``bench/sdk_suite_plugin.py``
and prints one JSON document: counts and every test's outcome, with the failure's first line.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(url: str, proc: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise SystemExit(f"exchange exited with {proc.returncode}")
        try:
            urllib.request.urlopen(url + "/_exchange/stats", timeout=1).read()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("exchange did not start")


def run(src: Path, extra: list[str]) -> dict[str, object]:
    tests = src / "tests"
    if not (tests / "conftest.py").exists():
        raise SystemExit(f"{tests} is not the SDK's test folder (download the sdist, see --help)")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    exch = subprocess.Popen([sys.executable, "-m", "ttai_tui.exchange", "--port", str(port), "--seed", "1"],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait(url, exch)
        env = {**os.environ, "TT_SECRET": "sdk-suite-secret", "TT_REFRESH": "sdk-suite-refresh",
               "TT_ACCOUNT": "5WT00001", "TTAI_SDK_SUITE_URL": url,
               "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost",
               "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
        with tempfile.TemporaryDirectory() as tmp:
            xml = Path(tmp) / "junit.xml"
            cmd = [sys.executable, "-m", "pytest", str(tests), "-p", "bench.sdk_suite_plugin", "-p", "anyio",
                   "-p", "no:cacheprovider", "-q", "--rootdir", str(src), "-o", "addopts=",
                   f"--junitxml={xml}", *extra]
            proc = subprocess.run(cmd, cwd=src, env=env, capture_output=True, text=True)
            cases = ET.parse(xml).getroot().iter("testcase")
            outcomes: list[dict[str, str]] = []
            for case in cases:
                name = f"{case.get('classname', '').split('.')[-1]}::{case.get('name')}"
                outcome, why = "passed", ""
                for child in case:
                    if child.tag in ("failure", "error"):
                        outcome = child.tag
                        why = (child.get("message") or "").splitlines()[0][:240] if child.get("message") else ""
                    elif child.tag == "skipped":
                        outcome = "xfailed" if child.get("type") == "pytest.xfail" else "skipped"
                        why = (child.get("message") or "")[:240]
                outcomes.append({"test": name, "outcome": outcome, "why": why})
    finally:
        exch.terminate()
        try:
            exch.wait(10)
        except subprocess.TimeoutExpired:
            exch.kill()
    counts: dict[str, int] = {}
    for o in outcomes:
        counts[o["outcome"]] = counts.get(o["outcome"], 0) + 1
    return {"sdk_src": str(src), "exchange": url, "pytest_exit": proc.returncode, "counts": counts,
            "tests": outcomes}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("src", type=Path, help="the unpacked tastytrade-13.2.3 sdist")
    p.add_argument("--json", type=Path, help="also write the result here")
    p.add_argument("pytest_args", nargs="*", help="extra pytest arguments (after --)")
    a = p.parse_args()
    result = run(a.src, a.pytest_args)
    text = json.dumps(result, indent=1)
    if a.json:
        a.json.write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
