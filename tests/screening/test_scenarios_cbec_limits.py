"""Imports and cross-border e-commerce limits: what counts, in which year, in which currency, for whom.

Written from ../shared/domain/RULES.md §1 ("Cross-border value limits": GACC 2010 No. 43, 800 CNY to or
from Hong Kong, Macau and Taiwan, 1,000 CNY elsewhere, "unless it holds a single indivisible article";
财关税〔2018〕49号, "5,000 CNY per transaction and 26,000 CNY per person per calendar year"; 刑法 art. 153,
small amounts "added up"; §4's analogue 19 CFR 10.151, "lots of one order split to gain free entry") and
§3 (OVER_PERSONAL_LIMIT "a single article (one item line, quantity 1) ... is inspected instead",
CBEC_SINGLE_LIMIT, CBEC_ANNUAL_LIMIT "the buyer's calendar-year total including this parcel passes
26,000 CNY", BUYER_ID_MISSING "cbec import without the buyer's (receiver's) ID", NEAR_LIMIT_SPLIT "of one
entity"), ../shared/contract/README.md (`currency` of all values, `declared_value` "must equal Σ quantity
× unit_value of the items (to the cent), else 422", `accepted_at` with offset, `Order` with `order_id`
and `payment_account`, `reasons` "every rule that fired", idempotency) and the README (rates table
SCREENING_CNY_RATES with HKD, MOP, TWD; "A buyer's cbec totals are kept a field a year ... only cbec
imports count in them"; history per payment account and buyer IP; Redis down: "Such a decision is not
remembered in the history"; one citizen number is one person). Neighbouring files already cover the
plain boundaries (test_scenarios_money, _boundaries, _lanes, _imports, _time, _windows, _edges,
_corrections): this file takes the corners they leave. Most tests decide on the embedded engine
(`engine`); three that lean on the stored year sums run on every history store (`history_engine`:
embedded, Redis, Redis Cluster); one goes over HTTP (`client`).

Readings chosen where the sources leave a choice:
- The year of a purchase is the Beijing (UTC+8) calendar year of its `accepted_at`, however the offset is
  written (half-hour and 45-minute offsets, hours-only `+08`, a space for the `T`, microseconds).
- A value in another currency is converted at the shipped table's rate (HKD 0.91, MOP 0.88, TWD 0.22,
  KRW 0.0051, SGD 5.3) and compared to the nearest fen; no figure here lies on a half fen.
- What counts toward the buyer's year is every cbec import scored under the buyer's ID, whatever its
  decision: a hold is not the parcel's fate (the case decides), and a rejected purchase was still bought
  (the README counts "a purchase scored"). What counts nothing: bad input (a 422 touches no state), a
  decision taken without the history (the README says it is not remembered), a purchase without the
  buyer's ID on the receiver.
- A transaction (财关税〔2018〕49号) is one e-commerce order (`order.platform` + `order.order_id`): one
  order shipped in several parcels is one transaction of their summed value.
- A declared value accepted as equal to its lines "to the cent" is judged at the lines' total: a
  declaration a fraction of a fen off cannot move a parcel from over a limit to under it.
"""

from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from screening.contract import Decision, Reason, Waybill
from screening.engine import Engine
from screening.history import RedisHistoryStore
from tests.conftest import ScoringClient
from tests.factories import Whole, cn_receiver, hk_receiver, item, merge, resident_id, waybill

pytestmark = pytest.mark.anyio

MONEY = {"OVER_PERSONAL_LIMIT", "CBEC_SINGLE_LIMIT", "CBEC_ANNUAL_LIMIT"}
CENT = Decimal("0.01")
# The shipped rates (screening/settings.py, README "SCREENING_CNY_RATES") for the currencies used here.
RATES = {"CNY": 1.0, "HKD": 0.91, "MOP": 0.88, "TWD": 0.22, "KRW": 0.0051, "SGD": 5.3, "GBP": 9.0}


# Helpers


PLACES: dict[str, tuple[str, str, str]] = {
    "HK": ("+8529311{n:04d}", "Hong Kong", "{n} Des Voeux Road"),
    "MO": ("+8536615{n:04d}", "Macau", "Rua do Campo {n}"),
    "TW": ("+88691236{n:04d}", "Taipei", "{n} Nanjing E Rd"),
    "KR": ("+82101235{n:04d}", "Seoul", "{n} Teheran-ro"),
    "SG": ("+659125{n:04d}", "Singapore", "{n} Bukit Timah Road"),
}


def abroad(country: str, n: int = 0) -> dict[str, Any]:
    """The n-th party (shop or person, no ID) outside the mainland."""
    phone, city, detail = PLACES[country]
    return hk_receiver(
        name=f"SHOP {country} {n}",
        phone=phone.format(n=n),
        address={"country": country, "city": city, "detail": detail.format(n=n)},
    )


SHOP = abroad("HK", 1)


def buyer_number(n: int) -> str:
    """The resident ID of the n-th buyer."""
    return resident_id(region="440305", birth="19910303", seq=f"{n:03d}")


def buyer(n: int, **changes: Any) -> dict[str, Any]:
    """The n-th mainland buyer: own ID, phone and building."""
    base = cn_receiver(
        name=f"买家{n}",
        phone=f"1381357{n:04d}",
        address={"district": "南山区", "city": "深圳市", "province": "广东省", "detail": f"科技园路{n}号"},
        id_type="resident_id",
        id_number=buyer_number(n),
    )
    return Whole(merge(base, changes))


def purchase(
    who: dict[str, Any],
    value: float,
    at: str,
    *,
    shop: dict[str, Any] | None = None,
    description: str = "手表 watch",
    currency: str = "CNY",
    **changes: Any,
) -> dict[str, Any]:
    """A cbec retail import of one article bought by `who`, picked up at `at`."""
    wb = waybill(
        service="import",
        channel="cbec",
        sender=shop or SHOP,
        receiver=who,
        items=[item(description=description, category="general", quantity=1, unit_value=value)],
        currency=currency,
        weight_kg=0.3 if value >= 1 else 0.01,
        **changes,
    )
    wb["accepted_at"] = at
    return wb


def month(m: int, year: int = 2026, day: int = 10) -> str:
    """10:00 Beijing time on a day of a month."""
    return f"{year}-{m:02d}-{day:02d}T10:00:00+08:00"


def pair(total: float) -> list[dict[str, Any]]:
    """Two different articles of one unit each, summing to total exactly (so never a single article)."""
    whole = Decimal(str(total))
    first = (whole / 2).quantize(CENT, rounding=ROUND_DOWN)
    return [
        item(
            description="羊毛衫 wool sweater", category="apparel_shoes", quantity=1, unit_value=float(first)
        ),
        item(description="围巾 scarf", category="apparel_shoes", quantity=1, unit_value=float(whole - first)),
    ]


def cny(amount: float, currency: str) -> float:
    """The CNY value of an amount at the shipped rate, to the nearest fen."""
    exact = Decimal(str(amount)) * Decimal(str(RATES[currency]))
    return float(exact.quantize(CENT, rounding=ROUND_HALF_UP))


async def score(engine: Engine, wb: dict[str, Any]) -> Decision:
    """Decide a waybill given in wire form."""
    return await engine.decide(Waybill.model_validate(wb))


async def run(engine: Engine, bodies: list[dict[str, Any]]) -> list[Decision]:
    """Decide waybills in order."""
    return [await score(engine, wb) for wb in bodies]


async def spend(engine: Engine, who: dict[str, Any], amounts: list[float], year: int = 2026) -> None:
    """Purchases of one buyer, one a month from January, none of them over a limit."""
    for m, value in enumerate(amounts, start=1):
        d = await score(engine, purchase(who, value, month(m, year)))
        assert not codes(d) & MONEY, (m, value)


def codes(d: Decision) -> set[str]:
    """The reason codes of a decision."""
    return {r.code for r in d.reasons}


def the_reason(d: Decision, code: str) -> Reason:
    """One reason of a decision (fails when absent)."""
    found = [r for r in d.reasons if r.code == code]
    assert found, f"{code} not in {sorted(codes(d))}"
    return found[0]


def year_of(d: Decision) -> tuple[int, float, float]:
    """(year, earlier, year total) of a CBEC_ANNUAL_LIMIT reason."""
    ev = the_reason(d, "CBEC_ANNUAL_LIMIT").evidence
    return ev["year"], ev["earlier_cny"], ev["year_total_cny"]


def amended(wb: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """The same parcel (carrier, waybill_no) with a corrected body; a changed item line re-totals it."""
    out = merge(wb, changes)
    out["declared_value"] = round(sum(i["quantity"] * i["unit_value"] for i in out["items"]), 2)
    return out


# Personal articles declared in the currencies of Hong Kong, Macau, Taiwan and elsewhere


PERSONAL_IN_LOCAL_CURRENCY = [
    # (origin, currency, amount, L)
    pytest.param("HK", "HKD", 879.12, 800.0, id="HKD-799.9992-is-800.00"),
    pytest.param("HK", "HKD", 879.13, 800.0, id="HKD-800.0083-is-800.01"),
    pytest.param("MO", "MOP", 909.09, 800.0, id="MOP-799.9992-is-800.00"),
    pytest.param("MO", "MOP", 909.10, 800.0, id="MOP-800.008-is-800.01"),
    pytest.param("TW", "TWD", 3636.36, 800.0, id="TWD-799.9992-is-800.00"),
    pytest.param("TW", "TWD", 3636.41, 800.0, id="TWD-800.0102-is-800.01"),
    pytest.param("KR", "KRW", 196078.0, 1000.0, id="KRW-999.9978-is-1000.00"),
    pytest.param("KR", "KRW", 196080.0, 1000.0, id="KRW-1000.008-is-1000.01"),
    pytest.param("SG", "SGD", 188.68, 1000.0, id="SGD-1000.004-is-1000.00"),
    pytest.param("SG", "SGD", 188.69, 1000.0, id="SGD-1000.057-is-1000.06"),
]


@pytest.mark.parametrize(("origin", "currency", "amount", "limit"), PERSONAL_IN_LOCAL_CURRENCY)
async def test_a_personal_import_in_the_senders_currency_meets_its_l_in_cny(
    engine: Engine, origin: str, currency: str, amount: float, limit: float
) -> None:
    """GACC 2010 No. 43: a postal import of two articles is over L exactly when its CNY value is."""
    wb = waybill(
        service="import",
        channel="postal",
        sender=abroad(origin, 2),
        receiver=cn_receiver(phone="13600081001"),
        items=pair(amount),
        currency=currency,
        weight_kg=1.0,
    )
    d = await score(engine, wb)
    value = cny(amount, currency)
    if value <= limit:
        assert not codes(d) & MONEY and d.decision == "release"
        return
    r = the_reason(d, "OVER_PERSONAL_LIMIT")
    assert (r.outcome, r.evidence["value_cny"], r.evidence["limit_cny"]) == ("hold", value, limit)
    assert (r.evidence["counterpart_country"], r.evidence["single_article"]) == (origin, False)
    assert d.decision == "hold"


@pytest.mark.parametrize(
    ("amount", "over"),
    [
        pytest.param(5494.49, False, id="4999.9859-is-4999.99"),
        pytest.param(5494.51, False, id="5000.0041-is-5000.00"),
        pytest.param(5494.52, True, id="5000.0132-is-5000.01"),
    ],
)
async def test_a_purchase_in_hong_kong_dollars_meets_the_single_limit_in_cny(
    engine: Engine, amount: float, over: bool
) -> None:
    """财关税〔2018〕49号: 5,000 CNY per transaction, judged on the HKD price in CNY to the fen."""
    d = await score(engine, purchase(buyer(1), amount, month(3), currency="HKD"))
    assert ("CBEC_SINGLE_LIMIT" in codes(d)) is over
    if over:
        r = the_reason(d, "CBEC_SINGLE_LIMIT")
        assert (r.evidence["value_cny"], r.evidence["limit_cny"], d.decision) == (5000.01, 5000.0, "hold")
    else:
        assert d.decision == "release"


@pytest.mark.parametrize(
    ("hkd", "held"),
    [pytest.param(1098.90, False, id="999.999-makes-26000.00"), pytest.param(1098.91, True, id="1000.01")],
)
async def test_a_purchase_in_hong_kong_dollars_adds_its_cny_value_to_the_year(
    engine: Engine, hkd: float, held: bool
) -> None:
    """25,000 CNY bought; 1,098.90 HKD (999.999 CNY) makes exactly 26,000, 1,098.91 HKD passes it."""
    who = buyer(2)
    await spend(engine, who, [5000.0] * 5)
    d = await score(engine, purchase(who, hkd, month(7), currency="HKD"))
    if not held:
        assert not codes(d) & MONEY and d.decision == "release"
        return
    ev = the_reason(d, "CBEC_ANNUAL_LIMIT").evidence
    assert (ev["earlier_cny"], ev["this_parcel_cny"], ev["year_total_cny"]) == (25000.0, 1000.01, 26000.01)
    assert d.decision == "hold"


# The single indivisible article: one item line, quantity 1


async def test_an_article_with_a_free_accessory_on_its_own_line_is_not_a_single_article(
    engine: Engine,
) -> None:
    """RULES §3: a single article is one item line of quantity 1; a camera and a free strap are two lines."""
    goods = [
        item(description="单反相机 camera", category="electronics", quantity=1, unit_value=3000.0),
        item(description="相机背带 camera strap", category="electronics", quantity=1, unit_value=0.0),
    ]
    wb = waybill(
        service="import", channel="postal", sender=abroad("HK", 3), receiver=cn_receiver(), items=goods
    )
    r = the_reason(await score(engine, wb), "OVER_PERSONAL_LIMIT")
    assert (r.outcome, r.evidence["single_article"], r.evidence["value_cny"]) == ("hold", False, 3000.0)


async def test_one_article_written_on_two_lines_is_two_units_not_a_single_article(engine: Engine) -> None:
    """Two lines of one camera at 400.01 each (800.02 from Macau): not one line of quantity 1, held."""
    goods = [item(description="单反相机 camera", category="electronics", quantity=1, unit_value=400.01)] * 2
    wb = waybill(
        service="import", channel="postal", sender=abroad("MO", 3), receiver=cn_receiver(), items=goods
    )
    d = await score(engine, wb)
    r = the_reason(d, "OVER_PERSONAL_LIMIT")
    assert (r.outcome, r.evidence["single_article"], r.evidence["limit_cny"]) == ("hold", False, 800.0)
    assert d.decision == "hold"


async def test_a_single_article_bought_by_cbec_over_5000_is_held_not_inspected(engine: Engine) -> None:
    """The single-article exception is of personal articles; a cbec transaction over 5,000 is held."""
    goods = [item(description="单反相机 camera", category="electronics", quantity=1, unit_value=5000.01)]
    wb = purchase(buyer(3), 0.0, month(4)) | {"items": goods, "declared_value": 5000.01, "weight_kg": 1.2}
    d = await score(engine, wb)
    r = the_reason(d, "CBEC_SINGLE_LIMIT")
    assert (r.outcome, r.evidence["value_cny"]) == ("hold", 5000.01)
    assert "OVER_PERSONAL_LIMIT" not in codes(d) and d.decision == "hold"


# Both cbec limits met by one purchase


@pytest.mark.parametrize(
    ("before", "value", "expected"),
    [
        pytest.param([5000.0] * 4 + [1000.0], 5000.0, set(), id="at-both-limits"),
        pytest.param(
            [5000.0] * 4 + [1000.0],
            5000.01,
            {"CBEC_SINGLE_LIMIT", "CBEC_ANNUAL_LIMIT"},
            id="a-fen-over-both",
        ),
        pytest.param([5000.0] * 4 + [999.99], 5000.01, {"CBEC_SINGLE_LIMIT"}, id="over-single-at-annual"),
    ],
)
async def test_one_purchase_at_or_a_fen_over_both_limits(
    engine: Engine, before: list[float], value: float, expected: set[str]
) -> None:
    """5,000 is within the single limit and 21,000 + 5,000 within the year; a fen more passes each."""
    who = buyer(4)
    await spend(engine, who, before)
    d = await score(engine, purchase(who, value, month(7)))
    assert codes(d) & MONEY == expected
    if "CBEC_ANNUAL_LIMIT" in expected:
        assert year_of(d) == (2026, 21000.0, 26000.01)
    if "CBEC_SINGLE_LIMIT" in expected:
        assert the_reason(d, "CBEC_SINGLE_LIMIT").evidence["value_cny"] == 5000.01
    assert d.decision == ("hold" if expected else "release")


# What counts toward the buyer's year


async def test_a_purchase_held_for_the_single_limit_still_counts_in_the_year(engine: Engine) -> None:
    """20,000 and a 6,000 purchase held for the single limit: the year stands at 26,000."""
    who = buyer(5)
    await spend(engine, who, [5000.0] * 4)
    held = await score(engine, purchase(who, 6000.0, month(5)))
    assert codes(held) & MONEY == {"CBEC_SINGLE_LIMIT"} and held.decision == "hold"
    d = await score(engine, purchase(who, 0.01, month(6)))
    assert year_of(d) == (2026, 26000.0, 26000.01)


async def test_a_purchase_held_for_passing_the_year_still_counts_in_it(history_engine: Engine) -> None:
    """25,000 and 2,000 (held: 27,000); a later purchase of 1 finds 27,000 before it."""
    who = buyer(6)
    await spend(history_engine, who, [5000.0] * 5)
    assert year_of(await score(history_engine, purchase(who, 2000.0, month(6)))) == (2026, 25000.0, 27000.0)
    assert year_of(await score(history_engine, purchase(who, 1.0, month(7)))) == (2026, 27000.0, 27001.0)


async def test_a_rejected_purchase_still_counts_in_the_year(engine: Engine) -> None:
    """20,000 and an ivory carving of 5,000 (rejected): 1,000.01 more passes 26,000."""
    who = buyer(7)
    await spend(engine, who, [5000.0] * 4)
    ivory = await score(engine, purchase(who, 5000.0, month(5), description="象牙雕件 ivory carving"))
    assert ivory.decision == "reject"
    d = await score(engine, purchase(who, 1000.01, month(6)))
    assert year_of(d) == (2026, 25000.0, 26000.01) and d.decision == "hold"


async def test_a_rejected_purchase_that_passes_the_year_names_both_reasons(engine: Engine) -> None:
    """Contract: reasons are every rule that fired, most severe first; the decision is the most severe."""
    who = buyer(8)
    await spend(engine, who, [5000.0] * 5)
    d = await score(engine, purchase(who, 1000.01, month(6), description="象牙雕件 ivory carving"))
    assert [(r.code, r.outcome) for r in d.reasons][:2] == [
        ("PROHIBITED_ITEM", "reject"),
        ("CBEC_ANNUAL_LIMIT", "hold"),
    ]
    assert year_of(d) == (2026, 25000.0, 26000.01) and d.decision == "reject"


async def test_a_purchase_decided_without_the_history_is_not_counted(engine: Engine) -> None:
    """README: a decision taken while the history is unreachable is not remembered in it."""
    who = buyer(9)
    await spend(engine, who, [5000.0] * 5)
    kept, engine.history = engine.history, RedisHistoryStore.from_url("redis://127.0.0.1:1/0", timeout_s=0.1)
    try:
        blind = await score(engine, purchase(who, 5000.0, month(6)))
    finally:
        await engine.history.close()
        engine.history = kept
    assert codes(blind) == {"HISTORY_UNAVAILABLE"} and blind.decision == "inspect"
    at = await score(engine, purchase(who, 1000.0, month(7)))
    assert not codes(at) & MONEY and at.decision == "release"
    assert year_of(await score(engine, purchase(who, 0.01, month(8)))) == (2026, 26000.0, 26000.01)


async def test_the_buyers_id_written_on_the_shop_is_no_buyer_id(engine: Engine) -> None:
    """BUYER_ID_MISSING is about the receiver's ID; the buyer's number on the sender counts for no year."""
    who = buyer(10)
    await spend(engine, who, [5000.0] * 5)
    swapped = Whole(merge(SHOP, {"id_type": "resident_id", "id_number": buyer_number(10)}))
    anonymous = Whole(merge(who, {"id_type": None, "id_number": None}))
    d = await score(engine, purchase(anonymous, 1000.01, month(6), shop=swapped))
    assert the_reason(d, "BUYER_ID_MISSING").outcome == "hold"
    assert "CBEC_ANNUAL_LIMIT" not in codes(d) and d.decision == "hold"
    at = await score(engine, purchase(who, 1000.0, month(7)))
    assert not codes(at) & MONEY and at.decision == "release"


# A purchase re-sent or corrected counts once, in the year of its last body


@pytest.mark.parametrize(
    "again",
    ["2026-12-31T15:59:59Z", "2026-12-31T10:59:59-05:00", "2027-01-01T05:59:59+14:00"],
    ids=["utc", "new-york", "kiribati"],
)
async def test_a_purchase_sent_again_with_its_time_in_another_offset_counts_once(
    history_engine: Engine, again: str
) -> None:
    """20,000 and 5,000 at 23:59:59 Beijing on 31 December, sent again in another offset: 26,000 in 2026."""
    who = buyer(11)
    await spend(history_engine, who, [5000.0] * 4)
    parcel = purchase(who, 5000.0, "2026-12-31T23:59:59+08:00")
    first = await score(history_engine, parcel)
    second = await score(history_engine, {**parcel, "accepted_at": again})
    assert (first.decision, second.decision) == ("release", "release")
    assert not codes(second) & MONEY
    at = await score(history_engine, purchase(who, 1000.0, "2026-12-31T20:00:00+08:00"))
    assert not codes(at) & MONEY
    d = await score(history_engine, purchase(who, 0.01, "2026-12-31T21:00:00+08:00"))
    assert year_of(d) == (2026, 26000.0, 26000.01)


async def test_a_correction_of_value_and_year_together_moves_the_corrected_value(
    history_engine: Engine,
) -> None:
    """5,000 at 23:59:59 on 31 Dec 2026, corrected to 1,000 at 00:00:00 on 1 Jan 2027: 2026 loses 5,000,
    2027 gains 1,000 (not 5,000)."""
    who = buyer(12)
    await spend(history_engine, who, [5000.0] * 4 + [1000.0])
    parcel = purchase(who, 5000.0, "2026-12-31T23:59:59+08:00")
    assert not codes(await score(history_engine, parcel)) & MONEY  # 26,000 exactly
    moved = amended(
        parcel, accepted_at="2027-01-01T00:00:00+08:00", items=[{**parcel["items"][0], "unit_value": 1000.0}]
    )
    assert not codes(await score(history_engine, moved)) & MONEY
    at = await score(history_engine, purchase(who, 5000.0, "2026-12-31T23:00:00+08:00"))
    assert not codes(at) & MONEY  # 2026: 21,000 + 5,000
    assert (
        year_of(await score(history_engine, purchase(who, 0.01, "2026-12-31T23:30:00+08:00")))[1] == 26000.0
    )
    await spend(history_engine, who, [5000.0] * 5, year=2027)  # 2027: 1,000 + 25,000
    assert year_of(await score(history_engine, purchase(who, 0.01, month(7, 2027)))) == (
        2027,
        26000.0,
        26000.01,
    )


async def test_a_buyer_id_withdrawn_and_restored_counts_the_purchase_once(engine: Engine) -> None:
    """20,000 and 5,000; the ID taken off by a correction and put back by another: 25,000, not 30,000."""
    who = buyer(13)
    await spend(engine, who, [5000.0] * 4)
    parcel = purchase(who, 5000.0, month(5))
    await score(engine, parcel)
    anonymous = Whole(merge(who, {"id_type": None, "id_number": None}))
    without = await score(engine, {**parcel, "receiver": anonymous})
    assert "BUYER_ID_MISSING" in codes(without)
    restored = await score(engine, {**parcel, "receiver": who})
    assert not codes(restored) & (MONEY | {"BUYER_ID_MISSING"})
    at = await score(engine, purchase(who, 1000.0, month(6)))
    assert not codes(at) & MONEY and at.decision == "release"
    assert year_of(await score(engine, purchase(who, 0.01, month(7))))[1] == 26000.0


# The Beijing year at its last and first second, written in other offsets


YEAR_TURN = [
    # (written as, last second of 2026 in Beijing, first second of 2027 in Beijing)
    ("india-+05:30", "2026-12-31T21:29:59+05:30", "2026-12-31T21:30:00+05:30"),
    ("nepal-+05:45", "2026-12-31T21:44:59+05:45", "2026-12-31T21:45:00+05:45"),
    ("newfoundland--03:30", "2026-12-31T12:29:59-03:30", "2026-12-31T12:30:00-03:30"),
    ("marquesas--09:30", "2026-12-31T06:29:59-09:30", "2026-12-31T06:30:00-09:30"),
    ("chatham-+12:45", "2027-01-01T04:44:59+12:45", "2027-01-01T04:45:00+12:45"),
    ("baker-island--12:00", "2026-12-31T03:59:59-12:00", "2026-12-31T04:00:00-12:00"),
    ("seoul-+09:00", "2027-01-01T00:59:59+09:00", "2027-01-01T01:00:00+09:00"),
    ("explicit-+00:00", "2026-12-31T15:59:59+00:00", "2026-12-31T16:00:00+00:00"),
    ("hours-only-+08", "2026-12-31T23:59:59+08", "2027-01-01T00:00:00+08"),
    ("space-for-T", "2026-12-31 23:59:59+08:00", "2027-01-01 00:00:00+08:00"),
    ("microseconds", "2026-12-31T23:59:59.999999+08:00", "2027-01-01T00:00:00.000001+08:00"),
]
TURN_PARAMS = [
    pytest.param(written, year, id=f"{label}-{year}")
    for label, last, first in YEAR_TURN
    for written, year in ((last, 2026), (first, 2027))
]


@pytest.mark.parametrize(("when", "year"), TURN_PARAMS)
async def test_a_purchase_at_the_turn_of_the_beijing_year_counts_in_that_year(
    engine: Engine, when: str, year: int
) -> None:
    """25,000 bought in 2026: 1,000.01 more passes 26,000 only when it is still 2026 in Beijing."""
    who = buyer(14)
    await spend(engine, who, [5000.0] * 5)
    d = await score(engine, purchase(who, 1000.01, when))
    if year == 2026:
        assert year_of(d) == (2026, 25000.0, 26000.01) and d.decision == "hold"
    else:
        assert not codes(d) & MONEY and d.decision == "release"


@pytest.mark.parametrize(
    ("last", "first"),
    [
        pytest.param("2026-12-31T03:59:59-12:00", "2026-12-31T04:00:00-12:00", id="both-written-31-dec"),
        pytest.param("2027-01-01T00:59:59+09:00", "2027-01-01T01:00:00+09:00", id="both-written-1-jan"),
    ],
)
async def test_two_purchases_a_second_apart_on_one_written_date_fill_two_years(
    engine: Engine, last: str, first: str
) -> None:
    """21,000 in 2026; 5,000 at Beijing's last second of 2026 and 5,000 at its first of 2027, written on
    one date: 2026 reaches 26,000 exactly and 2027 starts at 5,000."""
    who = buyer(15)
    await spend(engine, who, [5000.0] * 4 + [1000.0])
    decisions = await run(engine, [purchase(who, 5000.0, last), purchase(who, 5000.0, first)])
    assert all(not codes(d) & MONEY for d in decisions)
    assert year_of(await score(engine, purchase(who, 0.01, "2026-12-31T12:00:00+08:00"))) == (
        2026,
        26000.0,
        26000.01,
    )
    await spend(engine, who, [5000.0] * 4 + [1000.0], year=2027)  # 2027: 5,000 + 21,000
    assert year_of(await score(engine, purchase(who, 0.01, month(7, 2027)))) == (2027, 26000.0, 26000.01)


def test_a_purchase_over_the_year_at_its_last_second_in_new_york_time_is_held_with_a_case(
    client: ScoringClient,
) -> None:
    """Over HTTP: 10:59:59 on 31 December in New York is 23:59:59 in Beijing: a 2026 hold with a case."""
    who = buyer(16)
    for m in range(1, 6):
        assert not set(client.codes(purchase(who, 5000.0, month(m)))) & MONEY
    body = client.score(purchase(who, 1000.01, "2026-12-31T10:59:59-05:00"))
    annual = [r for r in body["reasons"] if r["code"] == "CBEC_ANNUAL_LIMIT"]
    assert annual and annual[0]["evidence"]["year"] == 2026
    assert annual[0]["evidence"]["year_total_cny"] == 26000.01
    assert body["decision"] == "hold" and body["case_id"]
    nxt = client.score(purchase(who, 1000.01, "2026-12-31T11:00:00-05:00"))
    assert not {r["code"] for r in nxt["reasons"]} & MONEY and nxt["decision"] == "release"


# The buyer: the ID on the receiver, whoever shares a name, phone, address or payment account


async def test_two_buyers_with_one_name_phone_and_address_keep_two_years(engine: Engine) -> None:
    """Twins named alike at one phone and flat, with their own IDs: 25,000 each is no one's 50,000."""
    home = {"name": "陈静", "phone": "13813570099", "address": {"detail": "科技园路99号"}}
    first, second = buyer(17, **home), buyer(18, **home)
    for m in range(1, 6):
        await run(engine, [purchase(first, 5000.0, month(m)), purchase(second, 5000.0, month(m, day=11))])
    at = await score(engine, purchase(first, 1000.0, month(6)))
    assert not codes(at) & MONEY and at.decision == "release"
    d = await score(engine, purchase(second, 1000.01, month(6, day=11)))
    assert year_of(d) == (2026, 25000.0, 26000.01)


async def test_one_buyer_paying_from_other_accounts_or_without_an_order_has_one_year(engine: Engine) -> None:
    """The quota is the person's: orders, platforms and payment accounts do not divide it."""
    who = buyer(19)
    orders: list[dict[str, Any] | None] = [
        None,
        {},
        {"platform": "tmall-global", "order_id": "T-1", "payment_account": "alipay-19-a"},
        {
            "platform": "jd-worldwide",
            "order_id": "J-1",
            "payment_account": "wechat-19-b",
            "buyer_ip": "203.0.113.19",
        },
        {"platform": "kaola", "payment_account": "  "},
    ]
    for m, order in enumerate(orders, start=1):
        assert not codes(await score(engine, purchase(who, 5000.0, month(m), order=order))) & MONEY
    d = await score(engine, purchase(who, 1000.01, month(6), order={"payment_account": "card-19-c"}))
    assert year_of(d) == (2026, 25000.0, 26000.01) and d.decision == "hold"


async def test_five_buyers_paying_from_one_account_have_five_quotas(engine: Engine) -> None:
    """One payment account behind five buyers' 5,000 purchases: a sixth buyer's 1,000.01 is not over."""
    account = {"payment_account": "6222020000000888"}
    bodies = [
        purchase(buyer(20 + n), 5000.0, month(n + 1), shop=abroad("HK", 20 + n), order=account)
        for n in range(5)
    ]
    assert all(not codes(d) & MONEY for d in await run(engine, bodies))
    d = await score(engine, purchase(buyer(25), 1000.01, month(6), shop=abroad("HK", 25), order=account))
    assert not codes(d) & MONEY and d.decision == "release"


@pytest.mark.parametrize(
    ("field", "value", "entity"),
    [
        pytest.param("payment_account", "6222020000000777", "payment_account", id="one-account"),
        pytest.param("buyer_ip", "198.51.100.77", "buyer_ip", id="one-ip"),
        pytest.param("payment_account", "   ", None, id="blank-accounts"),
        pytest.param("buyer_ip", " ", None, id="blank-ips"),
    ],
)
async def test_near_limit_purchases_of_three_buyers_behind_one_account_or_ip(
    engine: Engine, field: str, value: str, entity: str | None
) -> None:
    """Three buyers, three shops, 4,800 each (in [4,500, 5,000)) in three days: one account or IP is one
    entity with three near-limit parcels; blank fields join no one."""
    bodies = [
        purchase(
            buyer(30 + n),
            4800.0,
            month(3, day=n + 1),
            shop=abroad("TW", 30 + n),
            description=f"款式{n} 手表 watch",
            order={"platform": "shop", "order_id": f"N-{n}", field: value},
        )
        for n in range(3)
    ]
    decisions = await run(engine, bodies)
    assert all("NEAR_LIMIT_SPLIT" not in codes(d) for d in decisions[:2])
    if entity is None:
        assert "NEAR_LIMIT_SPLIT" not in codes(decisions[2]) and decisions[2].decision == "release"
        return
    ev = the_reason(decisions[2], "NEAR_LIMIT_SPLIT").evidence
    assert (ev["entity"], ev["near_limit_parcels"], ev["band"]) == (entity, 3, [4500.0, 5000.0])
    assert set(ev["linked_waybills"]) == {wb["waybill_no"] for wb in bodies[:2]}
    assert not codes(decisions[2]) & MONEY and decisions[2].decision == "inspect"


async def test_two_parcels_of_one_order_both_count_in_the_buyers_year(engine: Engine) -> None:
    """One order shipped in two parcels of 3,000: both are the buyer's purchases (20,000 + 6,000)."""
    who = buyer(40)
    await spend(engine, who, [5000.0] * 4)
    order = {"platform": "tmall-global", "order_id": "T-40"}
    for day, n in ((1, 0), (2, 1)):
        await score(
            engine, purchase(who, 3000.0, month(5, day=day), order=order, description=f"款式{n} 鞋 shoes")
        )
    assert year_of(await score(engine, purchase(who, 0.01, month(6))))[1] == 26000.0


async def test_one_order_of_6000_split_into_two_parcels_passes_the_single_limit(engine: Engine) -> None:
    """RULES §1: 5,000 CNY per transaction (and §4: lots of one order split to gain free entry); the
    contract's `order` is the e-commerce order behind the parcel: its two parcels of 3,000 make 6,000."""
    who = buyer(41)
    order = {"platform": "tmall-global", "order_id": "T-41", "payment_account": "alipay-41"}
    lots = [
        purchase(who, 3000.0, month(5, day=1), order=order, description="手表 watch"),
        purchase(who, 3000.0, month(5, day=1), order=order, description="表带 watch strap"),
    ]
    first, second = await run(engine, lots)
    assert "CBEC_SINGLE_LIMIT" not in codes(first)
    assert "CBEC_SINGLE_LIMIT" in codes(second) and second.decision == "hold"


# BUYER_ID_MISSING: the receiver's document, whatever else the parcel carries


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"customer_type": "contract", "contract_id": "HT-IMPORT-0001"}, id="agreement-receiver"),
        pytest.param({"id_verified": True, "verification_method": "online_check"}, id="verified-flag-only"),
    ],
)
async def test_a_cbec_buyer_without_a_document_is_held_whatever_else_is_said(
    engine: Engine, changes: dict[str, Any]
) -> None:
    """RULES §3: BUYER_ID_MISSING (hold) for any cbec import without the receiver's ID."""
    who = Whole(merge(buyer(42), {"id_type": None, "id_number": None, **changes}))
    d = await score(engine, purchase(who, 300.0, month(5)))
    assert the_reason(d, "BUYER_ID_MISSING").outcome == "hold"
    assert "REALNAME_MISSING" not in codes(d) and d.decision == "hold"


async def test_a_shop_abroad_with_a_passport_does_not_stand_for_the_buyer(engine: Engine) -> None:
    """The sender's passport is no buyer's ID: BUYER_ID_MISSING, and no real-name reason for the shop."""
    shop = Whole(merge(abroad("KR", 43), {"id_type": "passport", "id_number": "M12345678"}))
    anonymous = Whole(merge(buyer(43), {"id_type": None, "id_number": None}))
    d = await score(engine, purchase(anonymous, 300.0, month(5), shop=shop))
    assert codes(d) == {"BUYER_ID_MISSING"} and d.decision == "hold"


def test_a_blank_buyer_id_is_bad_input_not_a_buyer() -> None:
    """Contract: an ID number of the wrong length or characters is a 422 naming it (spaces are no ID)."""
    who = Whole(merge(buyer(44), {"id_number": "      "}))
    with pytest.raises(ValidationError) as caught:
        Waybill.model_validate(purchase(who, 300.0, month(5)))
    assert [e["loc"] for e in caught.value.errors()] == [("receiver", "id_number")]


# A declared total a fraction of a fen off its lines


TOLERANCE = [
    # (lane, currency, lines, declared, code, lines' CNY total)
    pytest.param(
        "export-HK", "CNY", [400.0, 400.01], 800.004, "OVER_PERSONAL_LIMIT", 800.01, id="cny-800.01"
    ),
    pytest.param("export-HK", "GBP", [44.44, 44.45], 88.881, "OVER_PERSONAL_LIMIT", 800.01, id="gbp-800.01"),
    pytest.param("cbec", "CNY", [5000.01], 5000.004, "CBEC_SINGLE_LIMIT", 5000.01, id="cbec-5000.01"),
    pytest.param("annual", "CNY", [1000.01], 1000.004, "CBEC_ANNUAL_LIMIT", 1000.01, id="year-26000.01"),
]


@pytest.mark.parametrize(("lane", "currency", "lines", "declared", "code", "lines_cny"), TOLERANCE)
async def test_lines_a_fen_over_a_limit_are_not_released_by_a_total_rounded_under_it(
    engine: Engine,
    lane: str,
    currency: str,
    lines: list[float],
    declared: float,
    code: str,
    lines_cny: float,
) -> None:
    """Contract: declared_value must equal Σ quantity × unit_value to the cent, else 422. Lines a fen over
    the limit with a total declared a fraction of a fen under are a 422, or judged over the limit."""
    goods = [
        item(description=f"款式{k} 外套 coat", category="apparel_shoes", quantity=1, unit_value=v)
        for k, v in enumerate(lines)
    ]
    who = buyer(45)
    if lane == "export-HK":
        body = waybill(service="export", channel="postal", receiver=abroad("HK", 45), items=goods)
    else:
        body = purchase(who, 0.0, month(7))
        if lane == "annual":
            await spend(engine, who, [5000.0] * 5)
    body |= {"items": goods, "declared_value": declared, "currency": currency}
    refused: list[tuple[Any, ...]] = []
    try:
        parsed = Waybill.model_validate(body)
    except ValidationError as exc:
        refused = [tuple(e["loc"]) for e in exc.errors()]
    if refused:
        assert refused == [("declared_value",)]
        return
    d = await engine.decide(parsed)
    r = the_reason(d, code)
    value = r.evidence["this_parcel_cny"] if code == "CBEC_ANNUAL_LIMIT" else r.evidence["value_cny"]
    assert (value, d.decision) == (lines_cny, "hold")


@pytest.mark.parametrize(
    ("lane", "value", "code"),
    [
        pytest.param("export-HK", 800.005, "OVER_PERSONAL_LIMIT", id="personal-800.005"),
        pytest.param("cbec", 5000.005, "CBEC_SINGLE_LIMIT", id="cbec-5000.005"),
    ],
)
async def test_half_a_fen_over_a_limit_rounds_up_to_the_fen_over_it(
    engine: Engine, lane: str, value: float, code: str
) -> None:
    """Contract: values to the cent; half a fen rounds up (800.005 is 800.01, over 800: a double's round
    made it 800.00, under)."""
    # Two articles: a single one over the personal limit is inspected, not held (RULES.md §1).
    goods = [
        item(description="外套 coat", category="apparel_shoes", quantity=1, unit_value=value - 400.0),
        item(description="围巾 scarf", category="apparel_shoes", quantity=1, unit_value=400.0),
    ]
    who = buyer(46)
    if lane == "export-HK":
        body = waybill(service="export", channel="postal", receiver=abroad("HK", 46), items=goods)
    else:
        body = purchase(who, 0.0, month(8))
    body |= {"items": goods, "declared_value": value}
    d = await engine.decide(Waybill.model_validate(body))
    assert (the_reason(d, code).evidence["value_cny"], d.decision) == (round(value + 0.005, 2), "hold")
