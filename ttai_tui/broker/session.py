"""The SDK session, its background token refresher, and the REST retry policy.

Why a manager around ``tastytrade.Session``: the SDK only refreshes lazily (60 s before expiry,
on the next request) and hides HTTP statuses inside ``TastytradeError`` strings. Here:

* ``run_refresher()`` renews the access token ahead of expiry (30 % of the lifetime, at most
  90 s early, so it always beats the SDK's own 60 s lazy threshold), so no request and no stream
  reconnect waits on a refresh. Refreshes are single-flight: concurrent callers share one.
* An httpx response hook turns 401 / 429 / 5xx into ``HttpStatusError`` *with* the status and
  ``Retry-After``; ``call()`` then does one refresh + one retry on 401, honours Retry-After on
  429 (pausing every caller, so retries go out at a bounded rate), and backs off on 5xx.
* Refused credentials become ``CredentialsRejectedError`` with a fixed message: the secret and
  the refresh token are never put in any message or log line.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

from ttai_tui.broker import events as ev
from ttai_tui.broker import sdk_adapter
from ttai_tui.broker.backoff import background_policy, rest_policy
from ttai_tui.broker.errors import (
    BrokerFailure,
    CredentialsRejectedError,
    HttpStatusError,
    ServerUnreachable,
    UnknownSymbolError,
)
from ttai_tui.core.clock import Clock
from ttai_tui.core.models import TokenStatus
from ttai_tui.core.symbols import printable
from ttai_tui.secrets import register_secret

if TYPE_CHECKING:
    from ttai_tui.config import Secret, Target

log = logging.getLogger(__name__)
T = TypeVar("T")

REJECTED_MESSAGE = (
    "TastyTrade refused the credentials (provider secret / refresh token). "
    "Run `ttai login` or set TT_SECRET and TT_REFRESH."
)
DEMO_SECRET = "demo-client-secret"
DEMO_REFRESH = "demo-refresh-token"
OAUTH_PATH = "/oauth/token"


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:  # an HTTP date or junk: fall back to our own backoff
        log.debug("ignoring Retry-After %r", value[:40])
        return None


async def _status_hook(response: Any) -> None:
    """httpx response hook: surface the statuses the retry policy acts on."""
    status = response.status_code
    if status == 401 or status == 429 or status >= 500:
        path = response.request.url.path
        raise HttpStatusError(status, path, _retry_after(response.headers.get("retry-after")))
    if status in (400, 403) and response.request.url.path == OAUTH_PATH:
        raise HttpStatusError(status, OAUTH_PATH, None)


def make_session(mode: str, url: str | None, secret: str, refresh: str, **client_kwargs: Any) -> Any:
    """An SDK ``Session`` for live / sandbox, or pointed at ``url`` (exchange / demo).

    Pointing at a URL is ``broker.endpoint``'s job (the one place that knows how).
    """
    from ttai_tui.broker.endpoint import make_session as endpoint_session
    from ttai_tui.broker.endpoint import plain_http_kwargs

    client_kwargs = {**plain_http_kwargs(url), **client_kwargs}
    return endpoint_session(secret, refresh, base_url=url, is_test=(mode == "sandbox"), **client_kwargs)


def _why(e: BaseException) -> str:
    """``ConnectError``, ``HTTP 503``, ``ReadTimeout``: the reason in a few words, no secrets."""
    if isinstance(e, HttpStatusError):
        return f"HTTP {e.status}"
    return type(e).__name__


def _first_error(e: Any) -> str:
    """``expirations.0.strikes: Field required`` from a pydantic ValidationError, one line."""
    try:
        err = e.errors()[0]
        loc = ".".join(str(x) for x in err.get("loc", ()))
        return printable(f"{loc}: {err.get('msg', 'invalid')}", 160)
    except (AttributeError, IndexError, TypeError, KeyError) as exc:  # not a pydantic error list
        log.debug("cannot summarise %s: %r", type(e).__name__, exc)
        return "invalid data"


def _secret(value: Secret | None) -> str | None:
    return None if value is None else value.get()


class SessionManager:
    """Owns the SDK ``Session``; see the module docstring for the policies."""

    def __init__(
        self,
        target: Target,
        clock: Clock,
        emit: Callable[[ev.BrokerEvent], None] | None = None,
        *,
        max_retries: int = 6,
        max_delay: float = 30.0,
        max_rps: float = 20.0,
        timeout: float = 10.0,
    ) -> None:
        self.target = target
        self.clock = clock
        self.emit = emit or (lambda e: None)
        self.session: Any = None
        self.max_retries = max_retries
        self.max_delay = max_delay
        self._min_interval = 1.0 / max_rps if max_rps > 0 else 0.0
        self._timeout = timeout
        self._lock = asyncio.Lock()
        self._inflight: asyncio.Future[None] | None = None
        self._gate_until = 0.0  # monotonic time before which no REST call starts
        self._next_slot = 0.0
        self._rest_backoff = rest_policy(max_delay)
        self._refresh_backoff = background_policy(max_delay)
        self.refreshes = 0
        self.lifetime: float | None = None
        self.last_error: str | None = None
        # Once the server has refused the refresh token, every later refresh would be refused
        # too: answer at once instead of asking again (no retry storm from concurrent callers).
        self.rejected = False
        self.stats = {"retries_429": 0, "retries_5xx": 0, "retries_401": 0, "refresh_failures": 0}
        self._wake = asyncio.Event()
        #: callables ``fn(path)`` told about every 2xx REST response
        self.response_listeners: list[Callable[[str], None]] = []

    # ---- building ----------------------------------------------------------------------

    async def open(self, url: str | None) -> None:
        """Build the SDK session for the target (once) and fetch the first access token: one try.

        Raises ``CredentialsRejectedError`` (stop trying) or ``ServerUnreachable`` (network down,
        DNS, timeout, 5xx, junk instead of a token: the caller retries, see ``Broker.start``).
        """
        import httpx2

        mode = self.target.mode
        secret = _secret(self.target.provider_secret)
        refresh = _secret(self.target.refresh_token)
        if mode in ("demo", "exchange"):
            secret = secret or DEMO_SECRET
            refresh = refresh or DEMO_REFRESH
        if not secret or not refresh:
            raise CredentialsRejectedError(
                "No TastyTrade credentials: run `ttai login`, set TT_SECRET and TT_REFRESH, "
                "or use --demo."
            )
        if self.session is None:  # a retry keeps the session and its HTTP client
            self.session = make_session(
                mode, url, secret, refresh,
                timeout=self._timeout,
                event_hooks={"response": [_status_hook, self._notify_hook]},
            )
        try:
            await self.refresh(force=True)
        except CredentialsRejectedError:
            raise
        except (BrokerFailure, OSError, TimeoutError, httpx2.TransportError) as e:
            where = url or ("the sandbox API" if mode == "sandbox" else "api.tastyworks.com")
            raise ServerUnreachable(
                f"cannot reach {where} ({_why(e)})", getattr(e, "retry_after", None)
            ) from None

    async def _notify_hook(self, response: Any) -> None:
        """Tell listeners about successful responses (the stream supervisor times its connect
        phases on the quote-token answer)."""
        if response.status_code // 100 == 2 and self.response_listeners:
            path = response.request.url.path
            for fn in list(self.response_listeners):
                fn(path)

    async def close(self) -> None:
        if self.session is not None:
            try:
                await sdk_adapter.close(self.session)
            except Exception as exc:  # closing a half-broken client is best effort
                log.info("closing the HTTP client failed: %s", type(exc).__name__)

    # ---- token ----------------------------------------------------------------------------

    def token_status(self) -> TokenStatus:
        exp = None if self.session is None else float(self.session.session_expiration) or None
        return TokenStatus(expires_at=exp, refreshes=self.refreshes, last_error=self.last_error)

    async def refresh(self, force: bool = False) -> None:
        """Single-flight refresh: concurrent callers await the same request."""
        if self.rejected:
            raise CredentialsRejectedError(REJECTED_MESSAGE)
        if not force and self._fresh():
            return
        if self._inflight is not None:
            await asyncio.shield(self._inflight)
            return
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._inflight = fut
        try:
            await self._do_refresh()
            fut.set_result(None)
        except BaseException as e:
            fut.set_exception(e)
            fut.exception()  # mark retrieved: waiters re-raise it themselves
            raise
        finally:
            self._inflight = None

    def _fresh(self) -> bool:
        if self.session is None or self.lifetime is None:
            return False
        return time.time() < self.session.session_expiration - self._margin()

    def _margin(self) -> float:
        life = self.lifetime or 900.0
        return min(90.0, 0.3 * life)

    async def _do_refresh(self) -> None:
        from tastytrade.utils import TastytradeError

        before = time.time()
        try:
            await self.session.refresh(force=True)
        except HttpStatusError as e:
            if e.path == OAUTH_PATH and e.status in (400, 401, 403):
                self.last_error = "credentials rejected"
                self.rejected = True
                raise CredentialsRejectedError(REJECTED_MESSAGE) from None
            self.stats["refresh_failures"] += 1
            self.last_error = f"token refresh failed: HTTP {e.status}"
            raise
        except TastytradeError as e:
            text = str(e).lower()
            self.stats["refresh_failures"] += 1
            if "invalid" in text or "unauthori" in text or "grant" in text:
                self.last_error = "credentials rejected"
                self.rejected = True
                raise CredentialsRejectedError(REJECTED_MESSAGE) from None
            self.last_error = "token refresh failed"
            raise BrokerFailure("token refresh failed") from None
        except KeyError:
            self.stats["refresh_failures"] += 1
            raise BrokerFailure("token refresh: malformed response") from None
        self.lifetime = max(1.0, float(self.session.session_expiration) - before)
        self.refreshes += 1
        register_secret(self.session.session_token)  # exact redaction in every later log record
        self.last_error = None
        self._wake.set()
        self.emit(ev.TokenRefreshed(float(self.session.session_expiration), self.refreshes))

    async def run_refresher(self) -> None:
        """Background task: renew ahead of expiry forever; transient failures retry."""
        failures = 0
        while True:
            wait = self.session.session_expiration - self._margin() - time.time()
            if wait > 0:
                self._wake.clear()
                try:
                    # asyncio.timeout, not wait_for: 3.11's wait_for can swallow a stop's cancel
                    async with asyncio.timeout(wait):
                        await self._wake.wait()
                    continue  # someone refreshed (e.g. 401 path): recompute the deadline
                except TimeoutError:
                    pass  # the deadline: refresh now
            try:
                await self.refresh(force=True)
                failures = 0
            except CredentialsRejectedError as e:
                self.emit(ev.CredentialsRejected(str(e)))
                return
            except Exception as e:
                failures += 1
                delay = self._refresh_backoff.delay(failures)
                log.warning("token refresh failed (%s); retrying in %.1fs", type(e).__name__, delay)
                self.emit(ev.BrokerError("token refresh failed; retrying", "session"))
                await asyncio.sleep(delay)

    # ---- REST with retries ------------------------------------------------------------------

    async def _pace(self) -> None:
        """Bounded request rate, and a shared pause after a 429."""
        loop = asyncio.get_running_loop()
        now = loop.time()
        start = max(now, self._gate_until, self._next_slot)
        self._next_slot = start + self._min_interval
        if start > now:
            await asyncio.sleep(start - now)

    async def call(
        self, fn: Callable[..., Awaitable[T]], *args: Any, what: str = "request", **kwargs: Any
    ) -> T:
        """``await fn(session, *args, **kwargs)`` with the retry policy of this module."""
        import httpx2
        import pydantic
        from tastytrade.utils import TastytradeError

        attempt = 0
        reauthed = False
        while True:
            await self._pace()
            try:
                return await fn(self.session, *args, **kwargs)
            except HttpStatusError as e:
                if e.path == OAUTH_PATH and e.status in (400, 401, 403):
                    raise CredentialsRejectedError(REJECTED_MESSAGE) from None
                if e.status == 401:
                    if reauthed:
                        raise BrokerFailure(f"{what}: not authorised (HTTP 401)") from None
                    reauthed = True
                    self.stats["retries_401"] += 1
                    await self.refresh(force=True)
                    continue
                attempt += 1
                if attempt > self.max_retries:
                    raise ServerUnreachable(f"{what} failed: HTTP {e.status}") from None
                if e.status == 429:
                    self.stats["retries_429"] += 1
                    delay = e.retry_after if e.retry_after is not None else self._rest_backoff.delay(attempt)
                    delay = min(self.max_delay, delay)
                    loop = asyncio.get_running_loop()
                    self._gate_until = max(self._gate_until, loop.time() + delay)
                    log.info("%s: HTTP 429, retrying in %.2fs", what, delay)
                else:
                    self.stats["retries_5xx"] += 1
                    delay = self._rest_backoff.delay(attempt)
                    log.info("%s: HTTP %d, retrying in %.2fs", what, e.status, delay)
                await asyncio.sleep(delay)
            except TastytradeError as e:
                text = printable("; ".join(x for x in str(e).splitlines() if x.strip()), 200)
                low = text.lower()
                if "not_found" in low or "not found" in low or "invalid_symbol" in low:
                    raise UnknownSymbolError(f"{what}: {text}") from None
                raise BrokerFailure(f"{what} failed: {text}") from None
            except pydantic.ValidationError as e:
                raise BrokerFailure(f"TastyTrade sent unexpected data for {what} ({_first_error(e)})") from None
            except (KeyError, IndexError, TypeError, AttributeError) as e:
                if not _raised_outside_ttai(e):
                    raise  # ttai's own bug: an internal error (exit 70), not the server's data
                detail = printable(f"{type(e).__name__}: {e}", 120)
                raise BrokerFailure(f"TastyTrade sent unexpected data for {what} ({detail})") from None
            except (OSError, TimeoutError, httpx2.TransportError) as e:
                attempt += 1
                if attempt > self.max_retries:
                    raise ServerUnreachable(f"{what} failed: {type(e).__name__}") from None
                await asyncio.sleep(self._rest_backoff.delay(attempt))


def _raised_outside_ttai(e: BaseException) -> bool:
    """Did ``e`` come from the SDK / pydantic reading the server's answer (True), or from
    ttai's own code (False)? The innermost frame of the traceback decides."""
    tb = e.__traceback__
    if tb is None:
        return True
    while tb.tb_next is not None:
        tb = tb.tb_next
    module = str(tb.tb_frame.f_globals.get("__name__", ""))
    return not (module == "ttai_tui" or module.startswith("ttai_tui."))
