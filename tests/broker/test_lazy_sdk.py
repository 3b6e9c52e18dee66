"""The SDK imported through `import_sdk` defers pandas and the NYSE calendar and behaves the same."""

from __future__ import annotations

import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import datetime as dt, sys
    from ttai_tui.broker.lazy_sdk import LazyCalendar, import_sdk
    import_sdk()
    assert "tastytrade" in sys.modules
    assert "pandas_market_calendars" not in sys.modules, "calendar built at import"
    assert "pandas" not in sys.modules, "pandas imported with the SDK"
    import tastytrade.utils as u
    assert isinstance(u.NYSE, LazyCalendar)
    a, b = dt.date(2026, 11, 20), dt.date(2026, 12, 31)
    lazy_days = list(u.NYSE.valid_days(a, b))          # first use builds the real calendar
    import pandas_market_calendars as mcal
    assert type(sys.modules["pandas_market_calendars"]).__name__ == "module"  # the real one
    assert mcal.get_calendar is not u.get_calendar
    real = mcal.get_calendar("NYSE")
    assert lazy_days == list(real.valid_days(a, b))
    assert u.NYSE.name == real.name == "NYSE"
    # the SDK's own date helpers give the real calendar's answers
    assert u.get_tasty_monthly() == u.get_tasty_monthly()
    assert u.get_third_friday(dt.date(2026, 12, 1)) == dt.date(2026, 12, 18)
    print("ok")
    """
)

TIMESTAMP_SCRIPT = textwrap.dedent(
    """
    import sys
    from ttai_tui.broker.lazy_sdk import import_sdk
    import_sdk()
    import tastytrade.utils as u
    assert "pandas" not in sys.modules
    ts = u.Timestamp("2026-11-20 09:30", tz="America/New_York")   # first use imports pandas
    import pandas as pd
    assert type(sys.modules["pandas"]).__name__ == "module"  # the real one, not the stand-in
    assert ts == pd.Timestamp("2026-11-20 14:30", tz="UTC") and type(ts) is pd.Timestamp
    assert isinstance(pd.Timestamp(0), u.Timestamp) and not isinstance(0, u.Timestamp)
    assert issubclass(pd.Timestamp, u.Timestamp)
    assert u.Timestamp.min == pd.Timestamp.min
    assert pd.DataFrame is not None
    print("ok")
    """
)


def test_sdk_timestamp_is_pandas_timestamp_once_used() -> None:
    out = subprocess.run([sys.executable, "-c", TIMESTAMP_SCRIPT], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_sdk_import_defers_the_calendar_transparently() -> None:
    out = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_import_sdk_after_a_plain_import_is_the_plain_module() -> None:
    script = (
        "import sys, tastytrade\n"
        "from ttai_tui.broker.lazy_sdk import import_sdk\n"
        "assert import_sdk() is tastytrade\n"
        "import tastytrade.utils as u\n"
        "assert type(u.NYSE).__name__ != 'LazyCalendar'\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"
