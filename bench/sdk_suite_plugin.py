"""pytest plugin that points the tastytrade SDK's own test suite at a ttai exchange.

Loaded by ``bench/sdk_suite.py`` with ``-p bench.sdk_suite_plugin``; reads the exchange URL from
``TTAI_SDK_SUITE_URL``. The suite's conftest builds ``Session(TT_SECRET, TT_REFRESH)`` against the
live API URL; the SDK has no base-URL option, so this sets the module attributes the SDK reads
when a session or account streamer is built (reference §1.2, approach A), before any test runs.
Nothing of the SDK is modified or copied.
"""

from __future__ import annotations

import os


def pytest_configure(config: object) -> None:
    url = os.environ["TTAI_SDK_SUITE_URL"].rstrip("/")
    import tastytrade.session as tts
    import tastytrade.streamer as tst

    tts.API_URL = url
    tts.CERT_URL = url
    tst.STREAMER_URL = url.replace("http://", "ws://", 1) + "/notifications"
    tst.CERT_STREAMER_URL = tst.STREAMER_URL
