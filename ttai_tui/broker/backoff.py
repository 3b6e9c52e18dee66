"""The one retry-delay policy of the broker: exponential, jittered, capped.

Used by the stream supervisor (reconnects), the broker's start-up (reaching the server at all),
the session (REST retries on 5xx / transport errors, token refresher, the 429 gate when the
server sends no Retry-After) and the account streamer. One formula, so "retry in Ns" means the
same thing everywhere and a change of policy is made once.

Delay before attempt ``n`` (1-based) = ``min(cap, base * 2**(n-1))`` times a jitter factor in
``[1 - jitter, 1 + jitter]``, capped again. The cap is ``fast_cap`` during the first
``fast_window`` seconds of an outage (a short outage is over for the user within seconds of the
server coming back) and ``cap`` after that (a long outage is not a retry storm).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field


@dataclass(slots=True)
class Backoff:
    base: float = 0.25
    cap: float = 30.0
    fast_cap: float | None = None  # None: no fast phase, ``cap`` from the start
    fast_window: float = 60.0
    jitter: float = 0.3
    rng: random.Random = field(default_factory=random.Random)

    def delay(self, attempt: int, outage: float = math.inf) -> float:
        """Seconds to wait before retry ``attempt`` (1-based), ``outage`` seconds into it."""
        cap = self.cap
        if self.fast_cap is not None and outage < self.fast_window:
            cap = self.fast_cap
        raw = min(cap, self.base * 2 ** max(0, attempt - 1))
        factor = 1.0 + self.jitter * (2.0 * self.rng.random() - 1.0)
        return min(cap, raw * factor)


def stream_policy(
    base: float = 0.25, cap: float = 30.0, fast_cap: float = 2.0, fast_window: float = 60.0,
    jitter: float = 0.3,
) -> Backoff:
    """Reconnecting the stream and reaching the server at start-up (the same schedule)."""
    return Backoff(base, cap, fast_cap, fast_window, jitter)


def rest_policy(cap: float = 30.0) -> Backoff:
    """Retrying one REST request (5xx, transport errors, 429 without Retry-After)."""
    return Backoff(base=0.25, cap=cap, jitter=0.5)


def background_policy(cap: float = 30.0) -> Backoff:
    """Background loops that retry forever (token refresher, account streamer)."""
    return Backoff(base=1.0, cap=cap, jitter=0.2)
