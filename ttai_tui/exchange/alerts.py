"""The account streamer (the SDK's AlertStreamer) at ``/notifications``.

Every request is acknowledged with its ``request-id`` (SDK 13.2 waits up to 10 s for it);
after ``connect`` the socket receives ``AccountBalance``, ``CurrentPosition`` and ``Order``
pushes whenever a fill, placement or cancellation changes them, plus a balance every few
seconds as marks move.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import TYPE_CHECKING

from aiohttp import WSMsgType, web

if TYPE_CHECKING:
    from ttai_tui.exchange.server import ExchangeServer

log = logging.getLogger(__name__)

BALANCE_EVERY = 5.0


class AlertConnection:
    def __init__(self, server: ExchangeServer, ws: web.WebSocketResponse) -> None:
        self.server = server
        self.ws = ws
        self.accounts: set[str] = set()
        self.closed = False
        # one push at a time, in the order they were made: a push that waits on a slow client
        # must not let a later (newer) state overtake the rest of it
        self._sending = asyncio.Lock()

    async def push(self, kind: str, data: dict[str, object]) -> None:
        await self.push_many([(kind, data)])

    async def push_many(self, msgs: list[tuple[str, dict[str, object]]]) -> None:
        """Push in order (an Order before the positions and balance it changed), after every
        push made before this one."""
        async with self._sending:
            for kind, data in msgs:
                if self.ws.closed or not self.accounts:
                    return
                try:
                    await self.ws.send_str(json.dumps({"type": kind, "data": data,
                                                       "timestamp": int(time.time() * 1000)}))
                except ConnectionResetError:
                    log.debug("account streamer: %s not pushed, the client went away", kind)
                    return

    async def run(self) -> None:
        ticker = asyncio.create_task(self._balances())
        try:
            async for msg in self.ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                if self.server.faults.silent:
                    continue
                try:
                    req = json.loads(msg.data)
                except ValueError:
                    log.info("account streamer: ignoring a frame that is not JSON: %.80r", msg.data)
                    continue
                if isinstance(req, dict):
                    await self._handle(req)
        finally:
            self.closed = True
            ticker.cancel()

    async def _handle(self, req: dict[str, object]) -> None:
        action = req.get("action")
        rid = req.get("request-id")
        token = str(req.get("auth-token", ""))
        token = token[7:] if token.startswith("Bearer ") else token
        exp = self.server.access_tokens.get(token)
        if action != "heartbeat" and (exp is None or exp < time.time()):
            await self.ws.send_str(json.dumps({"status": "error", "action": action, "request-id": rid,
                                               "message": "invalid or expired auth token"}))
            return
        if action == "connect":
            vals = req.get("value") or []
            accts = {str(v) for v in vals} if isinstance(vals, list) else set()
            unknown = accts - {self.server.account.number}
            if unknown:
                await self.ws.send_str(json.dumps({"status": "error", "action": action, "request-id": rid,
                                                   "message": f"unknown account {sorted(unknown)[0]}"}))
                return
            self.accounts |= accts
        await self.ws.send_str(json.dumps({"status": "ok", "action": action, "request-id": rid,
                                           "web-socket-session-id": f"ws-{id(self):x}",
                                           "value": req.get("value")}))

    async def _balances(self) -> None:
        while not self.closed:
            await asyncio.sleep(BALANCE_EVERY)
            if self.accounts and not self.server.faults.silent:
                await self.push("AccountBalance", self.server.account.balances_json())
