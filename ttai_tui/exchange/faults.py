"""Fault knobs: the ways the exchange misbehaves on purpose so reliability code can be tested.

All knobs are plain mutable attributes, read at the moment they matter, so a test can flip them
on a running exchange (``server.faults.error_rate = 1.0``) and the CLI can set them at start.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass
class Faults:
    """Mutable fault configuration of one ExchangeServer."""

    #: close every DXLink connection this many seconds after it opened (code 1001); None = never
    drop_every: float | None = None
    #: share of REST calls (0..1) answered with one of ``error_codes`` instead of the real answer
    error_rate: float = 0.0
    error_codes: tuple[int, ...] = (429, 500, 503)
    #: seconds to wait before answering every REST call
    delay: float = 0.0
    #: send a malformed FEED_DATA on an open channel this often (seconds); None = never
    malformed_every: float | None = None
    #: "truncated" (value count not a multiple of the field count: fatal to the SDK streamer),
    #: "badvalue" (a required field is "NaN": the SDK silently drops that event),
    #: "garbage" (a text frame that is not JSON)
    malformed_kind: str = "truncated"
    #: never authorize DXLink connections (the SDK's ``async with`` then hangs)
    refuse_auth: bool = False
    #: accept HTTP and WebSocket connections but never answer anything
    silent: bool = False
    #: the refresh token no longer works (every POST /oauth/token -> 401 invalid_grant)
    refresh_revoked: bool = False
    #: the next N token refreshes fail with 503 (then refreshes work again)
    fail_next_refreshes: int = 0
    #: seconds of Retry-After on 429 answers
    retry_after: int = 1
    rng: random.Random = field(default_factory=lambda: random.Random(0), repr=False)

    def pick_error(self) -> int | None:
        """The status to fail this REST call with, or None to answer normally."""
        if self.error_rate > 0 and self.error_codes and self.rng.random() < self.error_rate:
            return self.rng.choice(self.error_codes)
        return None
