"""``/accounts/{n}/orders`` and ``/accounts/{n}/complex-orders``: dry run, place, get, live,
history, replace (PUT) and edit (PATCH, both cancel-replace), cancel."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from ttai_tui.exchange.clock import ny_date
from ttai_tui.exchange.envelope import err, items, ok
from ttai_tui.exchange.positions import Order, OrderError

if TYPE_CHECKING:
    from ttai_tui.exchange.server import ExchangeServer


async def _body(r: web.Request) -> dict[str, object]:
    try:
        body = await r.json()
    except (ValueError, UnicodeDecodeError) as e:
        raise OrderError("request body is not JSON", code="invalid_json") from e
    if not isinstance(body, dict):
        raise OrderError("request body must be an object", code="invalid_json")
    return body


def _msg(e: OrderError) -> dict[str, str]:
    return {"code": e.code, "message": str(e)}


def _page(r: web.Request, xs: list[dict[str, object]], per_default: int = 50) -> web.Response:
    try:
        per = max(1, min(int(r.query.get("per-page", per_default)), 2000))
        off = max(0, int(r.query.get("page-offset", 0)))
    except ValueError:
        return err(400, "invalid_parameter", "per-page and page-offset must be integers")
    total = len(xs)
    pages = (total + per - 1) // per
    return items(xs[off * per:(off + 1) * per],
                 pagination={"per-page": per, "page-offset": off, "item-offset": off * per,
                             "total-items": total, "total-pages": pages,
                             "current-item-count": len(xs[off * per:(off + 1) * per])})


def push(s: ExchangeServer, changed: list[Order]) -> None:
    seen: set[int] = set()
    for o in changed:  # an order filled at once is listed twice (placed, then filled): once each
        if o.id not in seen:
            seen.add(o.id)
            s.after_order_change(o)
            s.stats.orders_filled += o.status == "Filled"


async def dispatch(s: ExchangeServer, r: web.Request, rest: list[str]) -> web.Response:
    a = s.account
    m = r.method
    if rest[0] == "complex-orders":
        return await complex_orders(s, r, rest[1:])
    if m == "POST" and rest in (["orders"], ["orders", "dry-run"]):
        order = a.parse_order(await _body(r))
        return _respond(s, order, dry=rest[-1] == "dry-run")
    if m == "GET" and rest == ["orders", "live"]:
        today = ny_date(s.market.t)
        return items([a.order_json(o) for o in a.orders.values()
                      if o.working or ny_date(o.updated_at) == today])
    if m == "GET" and rest == ["orders"]:
        xs = sorted(a.orders.values(), key=lambda o: o.id, reverse=r.query.get("sort", "Desc") != "Asc")
        st = set(r.query.getall("status[]", []))
        und = r.query.get("underlying-symbol")
        start, end = r.query.get("start-date"), r.query.get("end-date")  # YYYY-MM-DD, New York
        xs = [o for o in xs if (not st or o.status in st) and (not und or o.underlying == und)
              and (not start or str(ny_date(o.received_at)) >= start)
              and (not end or str(ny_date(o.received_at)) <= end)]
        return _page(r, [a.order_json(o) for o in xs])
    if len(rest) in (2, 3) and rest[1].isdigit():
        o = a.orders.get(int(rest[1]))
        if o is None:
            return err(404, "record_not_found", f"no order {rest[1]}")
        if len(rest) == 3:
            if rest[2] == "dry-run" and m == "POST":
                return _replace(s, o, await _body(r), patch=True, dry=True)
            return err(404, "not_found", "unknown order route")
        if m == "GET":
            return ok(a.order_json(o))
        if m == "DELETE":
            if not o.working:
                return err(422, "cannot_update_order", f"Order {o.id} is {o.status} and cannot be cancelled")
            push(s, a.cancel(o.id))
            return ok(a.order_json(o))
        if m in ("PUT", "PATCH"):
            return _replace(s, o, await _body(r), patch=m == "PATCH", dry=False)
    return err(404, "not_found", "unknown order route")


def _costs(s: ExchangeServer, order: Order, errors: list[OrderError]) -> tuple[dict[str, object], dict[str, object]]:
    """The order's fee calculation and buying-power effect as the API shows them (private keys
    dropped); a buying-power shortfall is added to ``errors``."""
    a = s.account
    bp = a.buying_power_effect(order)
    bp_err = a.check_buying_power(bp)
    if bp_err is not None:
        errors.append(bp_err)
    fees = {k: v for k, v in a.fees(order).items() if not k.startswith("_")}
    return fees, {k: v for k, v in bp.items() if not k.startswith("_")}


def _respond(s: ExchangeServer, order: Order, dry: bool) -> web.Response:
    a = s.account
    errors = a.preflight(order)
    fees, bpj = _costs(s, order, errors)
    if dry:
        body: dict[str, object] = {"order": a.order_json(order, placed=False), "buying-power-effect": bpj,
                                   "fee-calculation": fees, "warnings": []}
        if errors:
            body["errors"] = [_msg(e) for e in errors]
        return ok(body)
    if errors:
        raise errors[0]
    changed = a.place(order)
    s.stats.orders_placed += 1
    push(s, changed)
    return ok({"order": a.order_json(order), "buying-power-effect": bpj, "fee-calculation": fees,
               "warnings": []}, status=201)


def _replace(s: ExchangeServer, o: Order, body: dict[str, object], patch: bool, dry: bool) -> web.Response:
    a = s.account
    if dry:
        return _respond(s, a.replacement(o, body, patch=True), dry=True)
    changed = a.replace(o, body, patch)
    new = a.orders[o.replaced_by] if o.replaced_by is not None else o
    push(s, changed)
    return ok(a.order_json(new))


async def complex_orders(s: ExchangeServer, r: web.Request, rest: list[str]) -> web.Response:
    a = s.account
    m = r.method
    if m == "POST" and rest in ([], ["dry-run"]):
        kind, trigger, children = a.parse_complex(await _body(r))
        head = trigger or children[0]
        errors = [e for o in ([trigger] if trigger else []) + children for e in a.preflight(o)]
        fees, bpj = _costs(s, head, errors)
        if rest == ["dry-run"]:
            body: dict[str, object] = {"complex-order": a.unplaced_complex_json(kind, trigger, children),
                                       "buying-power-effect": bpj, "fee-calculation": fees, "warnings": []}
            if errors:
                body["errors"] = [_msg(e) for e in errors]
            return ok(body)
        if errors:
            raise errors[0]
        c, changed = a.place_complex(kind, trigger, children)
        s.stats.orders_placed += (trigger is not None) + len(children)
        push(s, changed)
        return ok({"complex-order": a.complex_json(c), "buying-power-effect": bpj, "fee-calculation": fees,
                   "warnings": []}, status=201)
    if m == "GET" and rest == ["live"]:
        return items([a.complex_json(c) for c in a.complex_today()])
    if m == "GET" and rest == []:
        xs = [a.complex_json(c) for c in sorted(a.complex.values(), key=lambda c: -c.id)]
        return _page(r, xs)
    if len(rest) == 1 and rest[0].isdigit():
        found = a.complex.get(int(rest[0]))
        if found is None:
            return err(404, "record_not_found", f"no complex order {rest[0]}")
        if m == "GET":
            return ok(a.complex_json(found))
        if m == "DELETE":
            c, changed = a.cancel_complex(found.id)
            push(s, changed)
            return ok(a.complex_json(c))
    return err(404, "not_found", "unknown complex-order route")
