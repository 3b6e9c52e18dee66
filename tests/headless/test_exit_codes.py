"""The one exit-code mapping of the headless commands: each failure a user can act on has its own
documented code, whatever its message says; anything else is a ttai bug and is not swallowed."""

from __future__ import annotations

import pytest

from ttai_tui.broker.errors import (
    BrokerFailure,
    CredentialsRejectedError,
    ServerUnreachable,
    UnknownSymbolError,
)
from ttai_tui.broker.orders import NotConfirmed, OrderOutcomeUnknown, OrderRejected
from ttai_tui.core.orders import OrderInvalid
from ttai_tui.headless import commands, orders


def _failing(exc: BaseException):
    async def go() -> int:
        raise exc

    return lambda: go()


@pytest.mark.parametrize(
    ("exc", "code"),
    [
        (CredentialsRejectedError("refused"), 3),
        (UnknownSymbolError("no such symbol XYZ"), 1),
        (ServerUnreachable("cannot reach http://127.0.0.1:1 (ConnectError, 4 attempts)"), 5),
        (ServerUnreachable("account failed: HTTP 503"), 5),
        # the server answered and refused: the words in the message do not make it a network error
        (BrokerFailure("cancel order failed: order is not cancellable"), 1),
        (KeyboardInterrupt(), 130),
    ],
)
def test_read_commands_map_each_failure_kind_to_its_code(
    exc: BaseException, code: int, capsys: pytest.CaptureFixture[str]
) -> None:
    assert commands._run(_failing(exc)) == code
    if not isinstance(exc, KeyboardInterrupt):
        assert capsys.readouterr().err == f"ttai: {exc}\n"


@pytest.mark.parametrize(
    ("exc", "code"),
    [
        (NotConfirmed("not confirmed: nothing was sent"), 4),
        (OrderRejected("insufficient buying power"), 4),
        (OrderOutcomeUnknown("the send may have reached the server"), 5),
        (OrderInvalid("price 1.005 is not on the tick"), 1),
        (CredentialsRejectedError("refused"), 3),
        (ServerUnreachable("orders failed: ReadTimeout"), 5),
        (BrokerFailure("replace order failed: order already filled"), 1),
    ],
)
def test_order_commands_add_their_own_codes(exc: BaseException, code: int) -> None:
    assert orders._run(_failing(exc)) == code


@pytest.mark.parametrize("run", [commands._run, orders._run])
def test_a_ttai_bug_is_not_swallowed(run) -> None:  # cli.main turns it into exit 70 + the log path
    with pytest.raises(ZeroDivisionError):
        run(_failing(ZeroDivisionError("division by zero")))
