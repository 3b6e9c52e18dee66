"""How the supervisor reads the SDK's nested exception groups (pure)."""

from __future__ import annotations

import asyncio

from ttai_tui.broker.streaming import _is_malformed, describe, leaves


class Disconnect(Exception):
    def __init__(self, code: int) -> None:
        super().__init__("closed")
        self.code = code


def test_leaves_flatten_nested_groups_and_describe_skips_cancellation() -> None:
    eg = ExceptionGroup("outer", [ExceptionGroup("inner", [Disconnect(1001)])])
    assert [type(e) for e in leaves(eg)] == [Disconnect]
    assert describe(eg) == "Disconnect (code 1001)"
    mixed = BaseExceptionGroup("x", [asyncio.CancelledError(), ValueError("boom\nsecond line")])
    assert describe(mixed) == "ValueError: boom"


def test_malformed_detection() -> None:
    import json

    try:
        json.loads('{"type":"FEED_DATA","data":[')
    except json.JSONDecodeError as e:
        bad = e
    assert _is_malformed(ExceptionGroup("g", [ExceptionGroup("h", [bad])]))
    assert _is_malformed(ExceptionGroup("g", [Exception("Mapper data input values are not a multiple of the key size!")]))
    assert not _is_malformed(ExceptionGroup("g", [Disconnect(1001)]))
