"""Exceptions the broker raises to its callers (UI workers, headless commands)."""

from __future__ import annotations


class BrokerFailure(Exception):
    """Base class: a broker operation failed with a message fit for the user."""


class CredentialsRejectedError(BrokerFailure):
    """The credentials were refused (CLI exit code 3). The message never contains them."""


class UnknownSymbolError(BrokerFailure):
    """No such symbol / chain / expiration (CLI exit code 1)."""


class ServerUnreachable(BrokerFailure):
    """TastyTrade (or the exchange) could not be reached or kept failing: network down, DNS,
    timeouts, 5xx (CLI exit code 5 once the bounded retry is over). Worth trying again later."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class HttpStatusError(BrokerFailure):
    """A REST call answered with a non-2xx status we act on (401, 429, 5xx).

    Raised from an httpx response hook before the SDK parses the body, so the retry logic
    sees the status and ``Retry-After`` that the SDK's ``TastytradeError`` would hide.
    """

    def __init__(self, status: int, path: str, retry_after: float | None = None) -> None:
        super().__init__(f"HTTP {status} on {path}")
        self.status = status
        self.path = path
        self.retry_after = retry_after
