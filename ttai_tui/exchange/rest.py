"""REST routes, dispatched on the raw request path so percent-encoded slashes (BRK%2FB) survive.

Shapes follow the SDK 13.2.3 models (reference §4): kebab-case keys, ``{"data": ...}`` envelopes
with lists under ``data.items``, unsigned amounts plus ``-effect`` keys, errors as
``{"error": {"code", "message"}}``, never a redirect.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING
from urllib.parse import unquote

from aiohttp import web

from ttai_tui.exchange import catalog
from ttai_tui.exchange.account import OrderError
from ttai_tui.exchange.envelope import err
from ttai_tui.exchange.routes import sessions

if TYPE_CHECKING:
    from ttai_tui.exchange.server import ExchangeServer

class Rest:
    """The REST API of one ExchangeServer."""

    def __init__(self, server: ExchangeServer) -> None:
        self.s = server
        self._never = asyncio.Event()

    # ------------------------------------------------------------------ entry
    async def handle(self, request: web.Request) -> web.StreamResponse:
        s = self.s
        raw = request.raw_path.split("?", 1)[0]
        parts = [unquote(p) for p in raw.split("/") if p != ""]
        if parts[:1] == ["_exchange"]:
            return await self._exchange_admin(request, parts)
        s.stats.rest_requests += 1
        f = s.faults
        if f.silent:
            s.stats.faults["silent"] += 1
            await self._never.wait()
        if f.delay > 0:
            s.stats.faults["delay"] += 1
            await asyncio.sleep(f.delay)
        code = f.pick_error()
        if code is not None:
            s.stats.faults[f"error_{code}"] += 1
            headers = {"Retry-After": str(f.retry_after)} if code == 429 else None
            msg = {429: "Too many requests", 500: "Internal server error",
                   503: "Service unavailable"}.get(code, "Injected failure")
            return err(code, {429: "rate_limited"}.get(code, "server_error"), msg, headers)
        if parts == ["oauth", "token"] and request.method == "POST":
            return await self._oauth(request)
        if parts[:1] == ["sessions"]:
            return await sessions.handle(s, request, parts)
        if not sessions.known(parts):
            return err(404, "not_found", f"No route for {request.method} /{'/'.join(parts)}")
        # public routes: the margin configuration, and symbol search (the SDK's own search
        # test calls it on a fresh session, before any token is issued)
        if parts[:1] != ["margin-requirements-public-configuration"] and parts[:2] != [
                "symbols", "search"]:
            auth = request.headers.get("Authorization", "")
            token = sessions.bearer_or_raw(auth)
            exp = s.access_tokens.get(token)
            if exp is None or exp < time.time():
                return err(401, "unauthorized",
                           "Expired access token" if exp is not None else "Missing or invalid access token")
        try:
            return await catalog.dispatch(self.s, request, parts)
        except OrderError as e:
            if e.preflight:
                return err(e.status, "preflight_check_failure", "One or more preflight checks failed",
                           errors=[{"code": e.code, "message": str(e)}])
            return err(e.status, e.code, str(e))

    async def _oauth(self, request: web.Request) -> web.Response:
        s = self.s
        body = await sessions.token_body(request)
        if not isinstance(body, dict) or body.get("grant_type") != "refresh_token":
            s.stats.refresh_failures += 1
            return err(400, "invalid_request", "grant_type must be refresh_token")
        secret, refresh = body.get("client_secret"), body.get("refresh_token")
        if s.faults.fail_next_refreshes > 0:
            s.faults.fail_next_refreshes -= 1
            s.stats.faults["refresh_failed"] += 1
            s.stats.refresh_failures += 1
            return err(503, "service_unavailable", "Token service temporarily unavailable")
        if s.faults.refresh_revoked:
            s.stats.faults["refresh_revoked"] += 1
            s.stats.refresh_failures += 1
            return err(401, "invalid_grant", "Refresh token has been revoked")
        good = bool(secret) and bool(refresh)
        if s.client_secret is not None and secret != s.client_secret:
            good = False
        if s.refresh_token is not None and refresh != s.refresh_token:
            good = False
        if not good:
            s.stats.refresh_failures += 1
            return err(401, "invalid_grant", "Invalid client secret or refresh token")
        token = s.issue_access_token()
        return web.json_response({"access_token": token, "token_type": "Bearer",
                                  "expires_in": s.token_lifetime, "scope": "read trade"})

    async def _exchange_admin(self, request: web.Request, parts: list[str]) -> web.Response:
        if parts == ["_exchange", "stats"]:
            return web.json_response(self.s.stats_json())
        return err(404, "not_found", "unknown admin route")
