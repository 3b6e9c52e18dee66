"""Username/password sessions (the API's older login) and the OAuth token request body.

``POST /sessions`` with ``login`` + ``password`` (or ``remember-token``) answers a session token
that is then sent raw in ``Authorization`` (no ``Bearer``); ``POST /sessions/validate`` checks
it; ``DELETE /sessions`` ends it. ``POST /oauth/token`` accepts the standard form-encoded body as
well as JSON.
"""

from __future__ import annotations

import secrets
import time
from typing import TYPE_CHECKING

from aiohttp import web

from ttai_tui.exchange.clock import iso
from ttai_tui.exchange.envelope import err, ok

if TYPE_CHECKING:
    from ttai_tui.exchange.server import ExchangeServer

SESSION_LIFETIME = 24 * 3600.0
#: first path segments the exchange serves; anything else is 404 with or without a token
KNOWN_ROOTS = frozenset({
    "accounts", "customers", "margin", "api-quote-tokens", "quote-streamer-tokens", "option-chains",
    "futures-option-chains", "instruments", "symbols", "market-metrics", "market-data", "watchlists",
    "public-watchlists", "pairs-watchlists", "market-time", "sessions", "oauth",
    "margin-requirements-public-configuration",
})


def known(parts: list[str]) -> bool:
    return bool(parts) and parts[0] in KNOWN_ROOTS


def bearer_or_raw(auth: str) -> str:
    """``Bearer <access token>`` (OAuth) or a raw session token."""
    return auth[7:] if auth.startswith("Bearer ") else auth.strip()


async def token_body(request: web.Request) -> dict[str, object] | None:
    """The OAuth token request as a dict, whether sent as JSON or form-encoded."""
    ctype = request.content_type
    try:
        if ctype == "application/x-www-form-urlencoded":
            form = await request.post()
            return {k: str(v) for k, v in form.items()}
        body = await request.json()
    except (ValueError, UnicodeDecodeError):
        return None
    return body if isinstance(body, dict) else None


def _user(login: str) -> dict[str, object]:
    return {"email": login if "@" in login else f"{login}@example.invalid", "username": login,
            "external-id": f"U{abs(hash(login)) % 10**8:08d}", "is-confirmed": True}


async def handle(s: ExchangeServer, request: web.Request, parts: list[str]) -> web.Response:
    m = request.method
    tok = bearer_or_raw(request.headers.get("Authorization", ""))
    if parts == ["sessions"] and m == "POST":
        try:
            body = await request.json()
        except (ValueError, UnicodeDecodeError):
            body = None
        if not isinstance(body, dict):
            return err(400, "invalid_json", "request body must be a JSON object")
        login = str(body.get("login") or "")
        password = str(body.get("password") or "")
        remember = str(body.get("remember-token") or "")
        ok_login = bool(login) and (
            (bool(password) and (not s.user_logins or s.user_logins.get(login) == password))
            or (bool(remember) and s.remember_tokens.get(remember) == login))
        if not ok_login:
            return err(401, "invalid_credentials", "Invalid login, please check your username and password")
        token = f"tt-session-{secrets.token_hex(12)}"
        expires = time.time() + SESSION_LIFETIME
        s.access_tokens[token] = expires
        s.session_users[token] = login
        data: dict[str, object] = {"user": _user(login), "session-token": token,
                                   "session-expiration": iso(expires)}
        if body.get("remember-me"):
            rt = f"tt-remember-{secrets.token_hex(12)}"
            s.remember_tokens[rt] = login
            data["remember-token"] = rt
        return ok(data, status=201)
    exp = s.access_tokens.get(tok)
    if exp is None or exp < time.time():
        return err(401, "unauthorized", "Expired access token" if exp is not None else "Missing or invalid access token")
    if parts == ["sessions", "validate"] and m == "POST":
        login = s.session_users.get(tok, "oauth-user")
        return ok({**_user(login), "id": 1, "session-expiration": iso(exp)}, status=201)
    if parts == ["sessions"] and m == "DELETE":
        s.access_tokens.pop(tok, None)
        s.session_users.pop(tok, None)
        return web.Response(status=204)
    return err(404, "not_found", f"No route for {m} /{'/'.join(parts)}")
