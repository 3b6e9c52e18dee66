"""The tastytrade JSON envelope: ``{"data": ...}`` on success, ``{"error": {...}}`` on failure."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from aiohttp import web


def ok(data: object, status: int = 200, **extra: Any) -> web.Response:
    return web.Response(
        body=json.dumps({"data": data, **extra}, separators=(",", ":")).encode(),
        status=status,
        content_type="application/json",
    )


def raw_ok(body: bytes) -> web.Response:
    return web.Response(body=body, content_type="application/json")


def err(status: int, code: str, message: str, headers: dict[str, str] | None = None,
        errors: list[dict[str, str]] | None = None) -> web.Response:
    e: dict[str, object] = {"code": code, "message": message}
    if errors:
        e["errors"] = errors
    return web.Response(
        body=json.dumps({"error": e}).encode(), status=status, content_type="application/json",
        headers=headers,
    )


def items(xs: Sequence[Mapping[str, object]], **extra: Any) -> web.Response:
    return ok({"items": xs}, **extra)
