"""`ttai serve` in a real browser: Debian's Chromium driven by Playwright.

`make test` installs Chromium with apt when it is missing; a browser download is impossible
here, so Playwright is pointed at /usr/bin/chromium. The served app is the real `ttai --demo`,
one process per tab. Screens are judged by their pixels (xterm.js draws on a canvas).
"""

from __future__ import annotations

import io
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psutil
import pytest

pytestmark = pytest.mark.xdist_group("browser")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-quic",
]
DEMO_BADGE = (0, 0, 135)  # the status bar's DEMO label (Rich dark_blue)


def _wait(predicate: Callable[[], object], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


class Served:
    def __init__(self, tmp: Path) -> None:
        self.home = tmp
        env = {**os.environ, "TTAI_HOME": str(tmp), "NO_COLOR": ""}
        env.pop("NO_COLOR")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "ttai_tui", "serve", "--demo", "--port", "0"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        )
        assert self.proc.stdout is not None
        self.url = self.proc.stdout.readline().strip()
        assert self.url.startswith("http://127.0.0.1:") and "?token=" in self.url, self.url
        self.base = self.url.split("?", 1)[0]

    def apps(self) -> list[psutil.Process]:
        """The app processes (one per tab); each may have children of its own (the demo
        exchange), which `descendants` counts."""
        return self._alive(recursive=False)

    def descendants(self) -> list[psutil.Process]:
        return self._alive(recursive=True)

    def _alive(self, recursive: bool) -> list[psutil.Process]:
        try:
            kids = psutil.Process(self.proc.pid).children(recursive=recursive)
        except psutil.NoSuchProcess:
            return []
        return [k for k in kids if k.is_running() and k.status() != psutil.STATUS_ZOMBIE]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    assert Path(CHROMIUM).exists(), "Chromium is missing: `make test` installs it (apt-get install chromium)"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    s = Served(tmp_path)
    try:
        yield s
    finally:
        s.stop()


def _rgb(page) -> object:  # -> PIL.Image.Image
    from PIL import Image

    return Image.open(io.BytesIO(page.screenshot())).convert("RGB")


def _count(image, box: tuple[int, int, int, int], pred: Callable[[tuple[int, int, int]], bool]) -> int:
    return sum(1 for px in image.crop(box).get_flattened_data() if pred(px))


def test_the_page_needs_the_token(browser, served: Served) -> None:
    ctx = browser.new_context()
    page = ctx.new_page()
    refused = page.goto(served.base + "/")
    assert refused is not None and refused.status == 403
    assert "textual-terminal" not in page.content()
    assert "403" in page.inner_text("body")
    assert served.apps() == []  # nothing of the app ran
    ctx.close()


def test_the_dashboard_draws_takes_keys_and_ends_with_its_tab(browser, served: Served) -> None:
    ctx = browser.new_context(viewport={"width": 1200, "height": 800})
    page = ctx.new_page()
    response = page.goto(served.url)
    assert response is not None and response.status == 200
    assert "token=" not in page.url  # the token left the address bar for a cookie

    # the app draws: the status bar's DEMO badge in its colour, and the watchlist streaming
    _wait(lambda: _count(_rgb(page), (0, 0, 300, 20), lambda px: px == DEMO_BADGE) > 100, 40, "the DEMO badge")
    image = _rgb(page)
    big_colours = {c for n, c in image.getcolors(1 << 20) if n > 800}
    assert len(big_colours) >= 8, big_colours  # a dashboard, not a blank or error page
    # the WEB badge beside DEMO: a cyan cell run in the status bar
    assert _count(image, (0, 0, 300, 20), lambda px: px[2] > 180 and px[1] > 150 and px[0] < 140) > 100
    assert len(served.apps()) == 1

    # keys typed into the page reach the app: enter (open SPY) then c shows the chain
    right_pane = (620, 130, 1170, 520)

    def ink() -> int:
        return _count(_rgb(page), right_pane, lambda px: max(px) > 120)

    before = ink()
    page.locator("#terminal").click(position={"x": 300, "y": 80})
    page.keyboard.press("Enter")
    page.keyboard.press("c")
    _wait(lambda: ink() > max(4 * before, 5000), 20, "the chain's rows")

    # closing the tab ends its app process (and whatever the app started)
    assert len(served.apps()) == 1
    pids = [p.pid for p in served.descendants()]
    page.close()
    _wait(lambda: not any(psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE for pid in pids), 20, "the app to exit")
    ctx.close()
    # the per-run token is in the URL it printed, and nowhere in the logs
    token = served.url.split("token=", 1)[1]
    logs = "".join(p.read_text() for p in (served.home / "log").glob("*.log*"))
    assert "web session 1" in logs and token not in logs


def test_ctrl_c_stops_the_server_and_every_app(browser, served: Served) -> None:
    ctx = browser.new_context()
    page = ctx.new_page()
    page.goto(served.url)
    _wait(lambda: len(served.apps()) == 1, 30, "the app process")
    pids = [p.pid for p in served.descendants()]
    served.proc.send_signal(signal.SIGINT)
    code = served.proc.wait(60)
    assert served.proc.stderr is not None
    assert code == 0, served.proc.stderr.read()
    for pid in pids:
        assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    ctx.close()
