"""The streaming supervisor: keeps one DXLink connection alive for a whole trading day.

The SDK (13.x) never reconnects: any drop surfaces as nested ``ExceptionGroup``s at the
``async with DXLinkStreamer`` boundary, and ``__aenter__`` waits forever for a server that never
authorises. So the supervisor:

* runs exactly one ``async with DXLinkStreamer(session)`` at a time, inside a cancel scope whose
  deadline (``auth_timeout``, 3 s) covers quote token + connect + authorise and is lifted once
  authorised;
* on any exit restarts it with exponential backoff and jitter (``backoff_base`` doubling, capped
  at ``fast_cap`` ~2.5 s during the first minute of an outage and ``backoff_cap`` ~30 s after),
  and starts over (attempt 1, 0.25 s) once a connection delivered data or stayed up
  ``healthy_after`` seconds, so repeated drops of a working feed never escalate;
* abandons a connection that stays open but stopped delivering (a stall watchdog armed only
  while the feed is busy, so quiet markets do not cause reconnects);
* re-sends every subscription on each new connection (``SubscriptionManager.attach``);
* drains *every* event type's queue (the SDK's queues are unbounded) in batches, one task per
  type, writing straight into MarketState (``broker.apply``);
* publishes ``status`` (connecting / live / reconnecting with attempt and next try / failed) and
  the last-event time, and emits Connected / Reconnecting / StreamFailed to listeners.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable
from typing import Any

from ttai_tui.broker import events as ev
from ttai_tui.broker import sdk_adapter
from ttai_tui.broker.apply import APPLIERS
from ttai_tui.broker.backoff import stream_policy
from ttai_tui.broker.errors import CredentialsRejectedError, HttpStatusError
from ttai_tui.broker.subscriptions import SubscriptionManager
from ttai_tui.broker.tasks import cancel_all
from ttai_tui.core.clock import Clock
from ttai_tui.core.market_state import MarketState
from ttai_tui.core.models import StreamState, StreamStatus

log = logging.getLogger(__name__)
STOP_GRACE_S = 2.0  # how long stop() lets the stream close politely

MAX_BATCH = 4096
QUOTE_TOKEN_PATH = "/api-quote-tokens"


class AuthTimeout(Exception):
    """The DXLink server did not authorise within ``auth_timeout``."""


class StreamStalled(Exception):
    """The connection is open but a normally busy feed stopped delivering."""


def leaves(exc: BaseException) -> list[BaseException]:
    """Flatten (nested) exception groups into their leaf exceptions."""
    if isinstance(exc, BaseExceptionGroup):
        out: list[BaseException] = []
        for e in exc.exceptions:
            out.extend(leaves(e))
        return out
    return [exc]


def describe(exc: BaseException) -> str:
    """A short, secret-free reason for the status bar."""
    for leaf in leaves(exc):
        if isinstance(leaf, asyncio.CancelledError):
            continue
        name = type(leaf).__name__
        code = getattr(leaf, "code", None)
        if code is not None:
            return f"{name} (code {code})"
        msg = str(leaf).strip().splitlines()[0] if str(leaf).strip() else ""
        return f"{name}: {msg[:80]}" if msg else name
    return "stream closed"


def _is_malformed(exc: BaseException) -> bool:
    import json

    for leaf in leaves(exc):
        if isinstance(leaf, json.JSONDecodeError | KeyError | IndexError | TypeError):
            return True
        if "multiple of the key size" in str(leaf) or "unknown message" in str(leaf).lower():
            return True
    return False


def _is_timeout(exc: BaseException) -> bool:
    """A connect phase or a request that got no answer in time (not a refusal or an error)."""
    return isinstance(exc, AuthTimeout | StreamStalled | TimeoutError) or "Timeout" in type(exc).__name__


class StreamSupervisor:
    """Owns the DXLink connection; read ``status``; ``start()`` / ``stop()``."""

    def __init__(
        self,
        sessions: Any,
        state: MarketState,
        subs: SubscriptionManager,
        clock: Clock,
        emit: Callable[[ev.BrokerEvent], None] | None = None,
        *,
        auth_timeout: float = 3.0,
        rest_allowance: float = 6.0,
        backoff_base: float = 0.25,
        backoff_cap: float = 30.0,
        fast_cap: float = 2.0,
        fast_window: float = 60.0,
        healthy_after: float = 5.0,
        jitter: float = 0.3,
        stall_min: float = 3.0,
        stall_factor: float = 20.0,
        stall_arm: float = 1.0,
        probe_every: float = 1.0,
        probe_max: int = 12,
    ) -> None:
        self.sessions = sessions
        self.state = state
        self.subs = subs
        self.clock = clock
        self.emit = emit or (lambda e: None)
        self.auth_timeout = auth_timeout
        self.rest_allowance = rest_allowance
        self.backoff_cap = backoff_cap
        self.policy = stream_policy(backoff_base, backoff_cap, fast_cap, fast_window, jitter)
        self.healthy_after = healthy_after
        self.stall_min = stall_min
        self.stall_factor = stall_factor
        self.stall_arm = stall_arm
        self.probe_every = probe_every
        self.probe_max = probe_max
        self.probes = 0  # readiness probes sent after timeouts
        self._timed_out = False  # the last attempt ended in a timeout (silent or very slow server)
        self.stalls = 0  # connections abandoned by the stall watchdog
        self.status = StreamStatus()
        self.connects = 0  # successful authorisations
        self.malformed = 0  # connections lost to a malformed frame
        self.auth_timeouts = 0
        self._task: asyncio.Task[None] | None = None
        self._live_at: float | None = None
        self._delivered = False  # this connection applied at least one event
        self._outage_since: float | None = None
        self._quick_retry_used = False
        self._gap_ewma: float | None = None  # typical seconds between batches (busy feed: small)
        self._last_batch: float | None = None
        self.streamer: Any = None
        #: called as ``on_batch(event type, batch)`` after each batch is applied (the alerts)
        self.on_batch: Callable[[str, list[Any]], None] | None = None

    # ---- lifecycle ----------------------------------------------------------------------

    def start(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="ttai-stream")

    async def stop(self) -> None:
        """Cancel the stream; a connection still closing politely after STOP_GRACE_S (the
        websocket close handshake waits up to 10 s for a busy or silent server) is cancelled
        again, so Ctrl-C and quit never wait on the server."""
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            await asyncio.wait({task}, timeout=STOP_GRACE_S)
            if not task.done():
                log.info("stream: still closing after %.1f s; abandoning the close handshake", STOP_GRACE_S)
        await cancel_all([task])
        self.subs.detach()
        self.status.state = StreamState.STOPPED

    def backoff(self, attempt: int, outage: float = math.inf) -> float:
        """Delay before retry ``attempt`` (1-based): the stream policy of ``broker.backoff``
        (fast cap in the first minute of an outage, the long cap after)."""
        return self.policy.delay(attempt, outage)

    # ---- the loop -------------------------------------------------------------------------

    async def _run(self) -> None:
        attempt = 0
        while True:
            st = self.status
            st.state = StreamState.CONNECTING if attempt == 0 else StreamState.RECONNECTING
            st.attempt = attempt
            st.next_try = None
            self._live_at = None
            self._delivered = False
            reason = "stream closed"
            failed: str | None = None
            needs_refresh = False
            retry_after = 0.0
            try:
                if self._timed_out:
                    await self._wait_until_server_answers()
                self._timed_out = False
                await self._connect_once(attempt)
            except* CredentialsRejectedError as eg:
                failed = str(leaves(eg)[0])
            except* Exception as eg:
                reason = describe(eg)
                self._timed_out = any(_is_timeout(x) for x in leaves(eg))
                if _is_malformed(eg):
                    self.malformed += 1
                    log.warning("stream: malformed frame (%s); reconnecting", reason)
                else:
                    log.info("stream dropped: %s", reason)
                http = [x for x in leaves(eg) if isinstance(x, HttpStatusError)]
                needs_refresh = any(x.status == 401 for x in http)
                retry_after = max((x.retry_after or 0.0 for x in http), default=0.0)
            finally:
                self.streamer = None
                self.subs.detach()
            refreshed = False
            if needs_refresh and failed is None:
                try:
                    await self.sessions.refresh(force=True)
                    refreshed = True
                except CredentialsRejectedError as e:
                    failed = str(e)
                except Exception as e:  # the next attempt gets the normal backoff, then a 401 again
                    log.warning("stream: token refresh after a 401 failed (%s)", describe(e))
            if failed is not None:
                st.state = StreamState.FAILED
                st.reason = failed
                self.emit(ev.CredentialsRejected(failed))
                self.emit(ev.StreamFailed(failed))
                return
            # real time, not the injected clock: backoff sleeps are real too
            now_m = time.monotonic()
            healthy = self._delivered or (
                self._live_at is not None and now_m - self._live_at >= self.healthy_after
            )
            if healthy:  # that connection worked: this is a new outage, start over
                attempt = 0
                self._outage_since = now_m
                self._quick_retry_used = False
            elif self._outage_since is None:
                self._outage_since = now_m
            attempt += 1
            outage = now_m - self._outage_since
            delay = max(self.backoff(attempt, outage), min(retry_after, self.backoff_cap))
            if refreshed and not self._quick_retry_used:
                # the token was the problem and is renewed: try again right away (once per
                # outage, so a server that keeps saying 401 still gets the normal backoff)
                self._quick_retry_used = True
                delay = 0.05
            st.state = StreamState.RECONNECTING
            st.attempt = attempt
            st.reason = reason
            st.reconnects += 1
            st.next_try = self.clock.now() + delay
            self.emit(ev.Reconnecting(attempt, delay, st.next_try, reason))
            await asyncio.sleep(delay)

    async def _connect_once(self, attempt: int) -> None:
        import anyio
        from tastytrade import DXLinkStreamer

        session = self.sessions.session
        with anyio.CancelScope() as scope:
            # REST (token refresh + quote token) gets the HTTP client's own timeouts; the clock
            # for "connect and authorise" starts when the quote token has arrived
            scope.deadline = anyio.current_time() + self.rest_allowance + self.auth_timeout

            got_token = False

            def quote_token_arrived(path: str) -> None:
                nonlocal got_token
                if path == QUOTE_TOKEN_PATH and scope.deadline != math.inf:
                    got_token = True
                    scope.deadline = anyio.current_time() + self.auth_timeout

            listeners = getattr(self.sessions, "response_listeners", [])
            listeners.append(quote_token_arrived)
            try:
                async with DXLinkStreamer(session) as streamer:
                    scope.deadline = math.inf
                    listeners.remove(quote_token_arrived)
                    self.streamer = streamer
                    self.connects += 1
                    now = self.clock.now()
                    self._live_at = time.monotonic()
                    st = self.status
                    st.state = StreamState.LIVE
                    st.connected_since = now
                    st.reason = None
                    st.next_try = None
                    await self.subs.attach(streamer)
                    self.emit(ev.Connected(attempt, now))
                    async with anyio.create_task_group() as tg:
                        from tastytrade.streamer import MAP_EVENTS

                        for name, cls in MAP_EVENTS.items():
                            tg.start_soon(self._drain, streamer, cls, APPLIERS[name])
                        tg.start_soon(self.subs.run)
                        tg.start_soon(self._watchdog)
            finally:
                if quote_token_arrived in listeners:
                    listeners.remove(quote_token_arrived)
        if scope.cancelled_caught:
            self.auth_timeouts += 1
            if not got_token:
                raise AuthTimeout(f"no quote token within {self.rest_allowance:g}s")
            raise AuthTimeout(f"not authorised within {self.auth_timeout:g}s")

    async def _wait_until_server_answers(self) -> None:
        """After a timeout, probe before reconnecting: a new `GET /api-quote-tokens` every
        ``probe_every`` s (at most ``probe_max`` in flight) until one gets any answer.

        A connect attempt made while the server was silent would otherwise wait out its whole
        quote-token allowance (long enough for a merely slow server) after the server is back;
        hedged probes notice within ``probe_every`` s. Any answer, even an error or a refused
        connection, ends the wait: the ordinary attempt and backoff take over from there.
        """
        client = sdk_adapter.http_client(self.sessions.session)  # auth headers already set
        answered = asyncio.Event()

        async def probe() -> None:
            try:
                await client.get(QUOTE_TOKEN_PATH)
            except Exception as exc:  # an error is an answer too, but a timeout is not
                log.debug("stream: readiness probe got %s", type(exc).__name__)
                if _is_timeout(exc):
                    return
            answered.set()

        tasks: list[asyncio.Task[None]] = []
        try:
            while not answered.is_set():
                tasks = [t for t in tasks if not t.done()]  # a long outage keeps no finished probes
                if len(tasks) < self.probe_max:
                    self.probes += 1
                    tasks.append(asyncio.create_task(probe()))
                try:  # asyncio.timeout, not wait_for: 3.11's wait_for can swallow our cancel
                    async with asyncio.timeout(self.probe_every):
                        await answered.wait()
                except TimeoutError:
                    pass
        finally:
            for t in tasks:
                t.cancel()

    def stall_threshold(self) -> float | None:
        """Seconds without events after which a busy feed counts as stalled (None: disarmed).

        A feed that normally delivers a batch every ``g`` seconds is stalled after
        ``max(stall_min, stall_factor * g)``; a quiet feed (a weekend, illiquid symbols) has a
        large ``g`` and disarms the watchdog rather than reconnecting every minute.
        """
        g = self._gap_ewma
        if g is None or g > self.stall_arm:
            return None
        return max(self.stall_min, self.stall_factor * g)

    async def _watchdog(self) -> None:
        """Abandon a connection that stays open but stopped delivering (a silent server)."""
        while True:
            await asyncio.sleep(0.25)
            limit = self.stall_threshold()
            last = self._last_batch
            if limit is None or last is None or not self.subs.active():
                continue
            quiet = time.monotonic() - last
            if quiet > limit:
                self.stalls += 1
                # consecutive stalls (a market that really went quiet) disarm the watchdog fast
                self._gap_ewma = (self._gap_ewma or 0.0) * 4.0
                raise StreamStalled(f"no data for {quiet:.1f}s")

    def _note_batch(self) -> None:
        if not self._delivered:  # the connection's first data: say so (the UI draws it at once)
            self.emit(ev.DataFlowing(self.status.attempt, self.clock.now()))
        now = time.monotonic()
        last = self._last_batch
        if last is not None:
            gap = min(now - last, 60.0)
            g = self._gap_ewma
            self._gap_ewma = gap if g is None else g + 0.05 * (gap - g)
        self._last_batch = now
        self._delivered = True

    async def _drain(self, streamer: Any, cls: type, apply: Callable[..., None]) -> None:
        """Await one event, then take everything queued (bounded batch) and apply it.

        The SDK's per-type queue is an anyio memory stream; when its buffer is a deque we take
        the whole backlog in one slice instead of one ``receive_nowait`` per event (half the
        per-event cost of draining); otherwise we fall back to the public-ish receive_nowait.
        """
        from anyio import WouldBlock

        recv = sdk_adapter.event_queue(streamer, cls)  # what the SDK's get_event reads
        nowait = recv.receive_nowait
        buf = sdk_adapter.queue_buffer(recv)
        state, status, clock = self.state, self.status, self.clock
        kind = cls.__name__
        while True:
            batch = [await recv.receive()]
            if buf is not None:
                n = len(buf)
                if n:
                    if n > MAX_BATCH:
                        batch.extend(buf.popleft() for _ in range(MAX_BATCH))
                    else:
                        batch.extend(buf)
                        buf.clear()
            else:
                try:
                    while len(batch) < MAX_BATCH:
                        batch.append(nowait())
                except WouldBlock:
                    pass
            now = clock.now()
            apply(state, batch, now)
            hook = self.on_batch
            if hook is not None:
                try:
                    hook(kind, batch)
                except Exception:  # an alert bug must never stop the stream
                    log.exception("alert evaluation failed on a %s batch", kind)
            self._note_batch()
            n = len(batch)
            state.events += n
            status.events += n
            status.last_event = now
