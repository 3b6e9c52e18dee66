"""The one-line status bar: mode, account, stream, token, New York clock, last-event age.

It is repainted by the app's flush timer (about once a second is enough for ages and the
clock) and only when its text changed, so an idle dashboard writes nothing to the terminal.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text

from ttai_tui import calendars
from ttai_tui.core.clock import WEEKDAYS_ONLY, market_session
from ttai_tui.core.formatting import fmt_age
from ttai_tui.core.models import StreamState, StreamStatus, TokenStatus
from ttai_tui.ui.widgets.span_static import SpanStatic

MODE_STYLE = {
    "LIVE": "bold white on dark_red",
    "SANDBOX": "bold black on yellow",
    "DEMO": "bold white on dark_blue",
}

WEB_STYLE = "bold black on cyan"

STREAM_STYLE = {
    StreamState.LIVE: ("●", "green"),
    StreamState.CONNECTING: ("◌", "yellow"),
    StreamState.RECONNECTING: ("○", "yellow"),
    StreamState.FAILED: ("✕", "red"),
    StreamState.STOPPED: ("○", "grey50"),
}


@dataclass(slots=True)
class StatusInfo:
    """Everything the bar shows; built by the app from broker state, never by workers."""

    mode: str = "DEMO"
    web: bool = False  # served to a browser by `ttai serve`
    account: str | None = None
    stream: StreamStatus | None = None
    token: TokenStatus | None = None
    auth_error: str | None = None
    note: str | None = None
    failed_views: tuple[str, ...] = ()  # views whose flush is failing (the rest keep updating)


def _stream_text(stream: StreamStatus | None, now: float, narrow: bool) -> tuple[str, str]:
    if stream is None:
        return "○ offline", "grey50"
    glyph, style = STREAM_STYLE.get(stream.state, ("?", "grey50"))
    if stream.state is StreamState.RECONNECTING:
        wait = None if stream.next_try is None else max(0.0, stream.next_try - now)
        if wait is not None:
            label = f"{glyph} retry {wait:.0f}s" if narrow else (
                f"{glyph} reconnecting in {wait:.0f}s (try {stream.attempt})"
            )
        else:
            label = f"{glyph} reconnecting"
        return label, style
    if stream.state is StreamState.CONNECTING and stream.next_try is not None:
        # start-up has not reached the server yet (Broker.start keeps trying)
        wait = max(0.0, stream.next_try - now)
        label = f"{glyph} retry {wait:.0f}s" if narrow else (
            f"{glyph} connecting… retry in {wait:.0f}s (try {stream.attempt})"
        )
        return label, style
    if stream.state is StreamState.LIVE:
        return (f"{glyph} live" if narrow else f"{glyph} streaming"), style
    return f"{glyph} {stream.state.value}", style


def _token_text(
    token: TokenStatus | None, auth_error: str | None, now: float, narrow: bool
) -> tuple[str, str]:
    if auth_error:
        return ("auth ✕" if narrow else "token: refused"), "red"
    if token is None or token.expires_at is None:
        return ("tok —" if narrow else "token —"), "grey50"
    if token.last_error:
        return ("tok !" if narrow else "token: refresh failing"), "yellow"
    left = token.expires_at - now
    if left <= 0:
        return ("tok exp" if narrow else "token expired"), "yellow"
    return (f"tok {fmt_age(left)}" if narrow else f"token ok ({fmt_age(left)})"), "green"


def status_text(info: StatusInfo, now: float, width: int) -> Text:
    """Compose the bar; below 100 columns the labels shorten so everything still fits."""
    narrow = width < 100
    sep = " │ "
    t = Text(no_wrap=True, overflow="ellipsis")
    t.append(f" {info.mode} ", MODE_STYLE.get(info.mode, "bold reverse"))
    if info.web:
        t.append(" WEB ", WEB_STYLE)
    t.append(" ")
    t.append(info.account or "no account", "bold" if info.account else "grey50")
    t.append(sep, "grey42")
    text, style = _stream_text(info.stream, now, narrow)
    t.append(text, style)
    t.append(sep, "grey42")
    text, style = _token_text(info.token, info.auth_error, now, narrow)
    t.append(text, style)
    t.append(sep, "grey42")
    # holidays and early closes once the warm-up (or the demo exchange) has loaded them
    session = market_session(now, calendars.calendar_if_ready("NYSE") or WEEKDAYS_ONLY)
    clock = session.ny_time.strftime("%H:%M:%S")
    t.append(clock if narrow else f"NY {clock}")
    t.append(" ")
    t.append(session.state, "green" if session.is_open else "grey62")
    t.append(sep, "grey42")
    age = None if info.stream is None else info.stream.last_event_age(now)
    age_style = "grey50" if age is None else ("green" if age < 5 else "yellow" if age < 30 else "red")
    t.append(("" if narrow else "last event ") + (fmt_age(age) if age is not None else "—"), age_style)
    if info.note:
        t.append(sep, "grey42")
        t.append(info.note, "yellow")
    if info.failed_views:
        t.append(sep, "grey42")
        t.append("✕ " + ", ".join(info.failed_views) + (" failing" if narrow else " view failing (see log)"), "red")
    return t


class StatusBar(SpanStatic):
    """Shows `status_text`; `show()` is a no-op when nothing visible changed."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id, markup=False)
        self._last_plain: str | None = None

    def show(self, info: StatusInfo, now: float) -> None:
        text = status_text(info, now, self.size.width or 80)
        if text.plain != self._last_plain:
            self._last_plain = text.plain
            self.show_text(text)  # fixed height (CSS): no relayout; only the changed columns
