"""One e-commerce order shipped in several parcels is one transaction for CBEC_SINGLE_LIMIT.

Written from ../shared/domain/RULES.md §1 (财关税〔2018〕49号: "5,000 CNY per transaction") and §4 (the
analogue 19 CFR 10.151: "lots of one order split to gain free entry"), §3 (CBEC_SINGLE_LIMIT, hold; "every
decision carries its reasons and evidence") and the wire contract (`order`: "the e-commerce order behind
the parcel", `platform` and `order_id`). Readings chosen:
- An order is its platform and order number: the same number on another platform is another order, and a
  parcel without an order number is an order of its own.
- The order's total is every parcel of it seen so far, whenever each was picked up (a later lot that
  arrived first is still part of the transaction), each parcel once, as last sent.
- The limit is passed when the total is over 5,000 CNY (at 5,000.00 it is not), on the cbec lanes of the
  policy (import and export).
"""

from typing import Any

import pytest

from screening.contract import Decision, Reason, Waybill
from screening.engine import Engine
from tests.factories import item, waybill
from tests.screening.test_scenarios_cbec_limits import buyer, codes, month, purchase, run, score

pytestmark = pytest.mark.anyio

CSL = "CBEC_SINGLE_LIMIT"


def lot(
    n: int, value: float, order: dict[str, Any] | None, *, day: int = 1, **changes: Any
) -> dict[str, Any]:
    """A parcel of the n-th buyer's order: one article of `value`, picked up on a day of May."""
    return purchase(
        buyer(n), value, month(5, day=day), order=order, description=f"款式{value:g} 鞋 shoes", **changes
    )


def the_reason(d: Decision, code: str) -> Reason:
    """The one reason of a code in a decision."""
    (r,) = [r for r in d.reasons if r.code == code]
    return r


async def test_the_lot_that_takes_an_order_over_5000_is_held_with_the_orders_figures(
    history_engine: Engine,
) -> None:
    """Two lots of 3,000: the second makes a transaction of 6,000; its evidence names the other lot."""
    order = {"platform": "tmall-global", "order_id": "T-501"}
    first, second = await run(history_engine, [lot(501, 3000.0, order), lot(501, 3000.0, order, day=2)])
    assert CSL not in codes(first)
    assert second.decision == "hold"
    r = the_reason(second, CSL)
    assert r.outcome == "hold"
    assert r.evidence["value_cny"] == 6000.0
    assert r.evidence["this_parcel_cny"] == 3000.0
    assert r.evidence["order_parcels"] == 2
    assert r.evidence["limit_cny"] == 5000.0
    assert r.evidence["linked_waybills"] == [first.waybill_no]
    assert "6,000" in r.message and "6,000" in r.message_en


async def test_three_small_lots_add_up_and_the_evidence_lists_the_earlier_two(engine: Engine) -> None:
    """1,800 + 1,800 + 1,800: released, released, then held at 5,400 with both earlier lots linked."""
    order = {"platform": "jd-intl", "order_id": "J-502"}
    decisions = await run(engine, [lot(502, 1800.0, order, day=d) for d in (1, 2, 3)])
    assert [CSL in codes(d) for d in decisions] == [False, False, True]
    ev = the_reason(decisions[2], CSL).evidence
    assert (ev["value_cny"], ev["order_parcels"]) == (5400.0, 3)
    assert set(ev["linked_waybills"]) == {decisions[0].waybill_no, decisions[1].waybill_no}


@pytest.mark.parametrize(
    ("second", "held"),
    [
        pytest.param(2000.0, False, id="exactly-5000"),
        pytest.param(2000.01, True, id="a-fen-over"),
    ],
)
async def test_an_order_at_exactly_the_limit_passes_and_a_fen_over_does_not(
    engine: Engine, second: float, held: bool
) -> None:
    """The limit is 5,000 per transaction: 3,000 + 2,000 is not over it, 3,000 + 2,000.01 is."""
    order = {"platform": "tmall-global", "order_id": f"T-503-{second}"}
    _, last = await run(engine, [lot(503, 3000.0, order), lot(503, second, order, day=2)])
    assert (CSL in codes(last)) is held


@pytest.mark.parametrize(
    "other",
    [
        pytest.param({"platform": "jd-intl", "order_id": "T-504"}, id="same-number-other-platform"),
        pytest.param({"platform": "tmall-global", "order_id": "T-505"}, id="other-number"),
        pytest.param({"platform": "tmall-global"}, id="no-order-number"),
        pytest.param(None, id="no-order"),
    ],
)
async def test_lots_of_different_orders_are_different_transactions(
    engine: Engine, other: dict[str, Any] | None
) -> None:
    """Only one platform's one order number makes one transaction."""
    first = {"platform": "tmall-global", "order_id": "T-504"}
    decisions = await run(engine, [lot(504, 3000.0, first), lot(504, 3000.0, other, day=2)])
    assert not any(CSL in codes(d) for d in decisions)


async def test_a_later_lot_that_arrived_first_still_counts_in_the_order(engine: Engine) -> None:
    """The van with the 2 May lot came in first: the 1 May lot, scored after it, completes 6,000."""
    order = {"platform": "tmall-global", "order_id": "T-506"}
    late, early = await run(engine, [lot(506, 3000.0, order, day=2), lot(506, 3000.0, order, day=1)])
    assert CSL not in codes(late)
    assert the_reason(early, CSL).evidence["value_cny"] == 6000.0


async def test_a_lot_sent_again_counts_once_and_a_corrected_value_replaces_the_first(engine: Engine) -> None:
    """A re-sent body is the same lot; a corrected value is the lot's value from then on."""
    order = {"platform": "tmall-global", "order_id": "T-507"}
    first = lot(507, 3000.0, order)
    again = await run(engine, [first, first])
    assert not any(CSL in codes(d) for d in again)
    corrected = lot(507, 2000.0, order, waybill_no=first["waybill_no"])
    await score(engine, corrected)
    second = await score(engine, lot(507, 3000.0, order, day=2))
    assert CSL not in codes(second)
    third = await score(engine, lot(507, 0.01, order, day=3))
    assert the_reason(third, CSL).evidence["value_cny"] == 5000.01


async def test_a_lot_moved_to_another_order_leaves_the_first(engine: Engine) -> None:
    """A body corrected to another order number takes its value out of the first order."""
    a = {"platform": "tmall-global", "order_id": "T-508"}
    b = {"platform": "tmall-global", "order_id": "T-509"}
    first = lot(508, 3000.0, a)
    await score(engine, first)
    await score(engine, lot(508, 3000.0, b, waybill_no=first["waybill_no"]))
    assert CSL not in codes(await score(engine, lot(508, 3000.0, a, day=2)))


async def test_a_batch_holding_both_lots_decides_as_one_by_one(engine: Engine) -> None:
    """Both lots in one batch request: the second is held, as when sent one after the other."""
    order = {"platform": "tmall-global", "order_id": "T-510"}
    out = await engine.decide_batch([lot(510, 3000.0, order), lot(510, 3000.0, order, day=2)])
    first, second = out
    assert isinstance(first, Decision) and isinstance(second, Decision)
    assert CSL not in codes(first) and CSL in codes(second)


async def test_an_export_order_split_in_lots_is_held_too(engine: Engine) -> None:
    """The policy's cbec lanes are import and export: a cbec export order is one transaction as well."""
    order = {"platform": "aliexpress", "order_id": "A-511"}
    receiver = {
        "name": "JOHN DOE",
        "phone": "+12125550123",
        "address": {"country": "US", "city": "New York", "detail": "1 Main St"},
    }
    bodies = []
    for day in (1, 2):
        wb = waybill(
            service="export",
            channel="cbec",
            receiver=receiver,
            items=[item(description="茶叶 tea", category="food", quantity=1, unit_value=3000.0)],
            weight_kg=1.0,
            order=order,
        )
        wb["accepted_at"] = month(5, day=day)
        bodies.append(wb)
    _, second = await run(engine, bodies)
    assert CSL in codes(second)


async def test_a_lot_over_the_limit_alone_gives_one_reason_with_its_own_value(engine: Engine) -> None:
    """A parcel of 5,200 after a lot of 100 of the same order: one CBEC_SINGLE_LIMIT, the parcel's own."""
    order = {"platform": "tmall-global", "order_id": "T-513"}
    _, big = await run(engine, [lot(513, 100.0, order), lot(513, 5200.0, order, day=2)])
    (r,) = [r for r in big.reasons if r.code == CSL]
    assert r.evidence["value_cny"] == 5200.0


async def test_an_order_held_for_its_total_still_counts_in_the_buyers_year(engine: Engine) -> None:
    """The held lot is the buyer's purchase, as any held purchase is (CBEC_ANNUAL_LIMIT counts it)."""
    order = {"platform": "tmall-global", "order_id": "T-514"}
    await run(engine, [lot(514, 3000.0, order), lot(514, 3000.0, order, day=2)])
    await run(engine, [lot(514, 4900.0, None, day=d) for d in (3, 4, 5, 6)])
    last = await score(engine, lot(514, 500.0, None, day=7))
    assert the_reason(last, "CBEC_ANNUAL_LIMIT").evidence["year_total_cny"] == 26100.0


async def test_the_order_number_is_not_kept_in_plain_text(engine: Engine) -> None:
    """The order counts under a keyed entity, as accounts and IPs do: its number is no history key."""
    order = {"platform": "tmall-global", "order_id": "PLAIN-ORDER-515"}
    wb = Waybill.model_validate(lot(515, 10.0, order))
    facts = engine._facts(wb)
    key = facts.entities.key_of("cbec_order")
    assert key is not None and "PLAIN-ORDER-515" not in key


@pytest.mark.parametrize("days_apart", [8, 29])
async def test_lots_of_one_order_picked_up_more_than_a_week_apart_still_add_up(
    engine: Engine, days_apart: int
) -> None:
    """A transaction is whole however long its lots take within the history's month: 3,000 + 3,000."""
    order = {"platform": "tmall-global", "order_id": "T-516"}
    lots = [lot(516, 3000.0, order, day=1), lot(516, 3000.0, order, day=1 + days_apart)]
    _, second = await run(engine, lots)
    assert CSL in codes(second)
