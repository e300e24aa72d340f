"""Imports and the buyer (the receiver side), written from RULES.md §1 and §3 and the wire contract.

- Real-name pickup is for parcels handed over in China; an import's sender is abroad and may give no ID.
- A cbec retail import needs the buyer's (receiver's) ID (BUYER_ID_MISSING); the buyer's calendar-year
  total (Beijing time) of cbec imports, this parcel included, may not pass 26,000 CNY (CBEC_ANNUAL_LIMIT).
- Personal imports have L = 800 CNY from Hong Kong, Macau and Taiwan, 1,000 CNY from elsewhere.
- ANT_MOVING_RECEIVER: one receiver (ID, phone or normalised address), ≥ 5 cross-border parcels in 7 days
  from ≥ 3 senders, each under L, together ≥ 3·L.
- Idempotency: a corrected body (a refund, a corrected pickup time) replaces the parcel's earlier
  contribution; (carrier, waybill_no) identifies a parcel.

Readings where the sources leave a choice: "passes 26,000" is strict; a refund is a correction of the
parcel's body (value or quantity lowered); the year of a purchase is the Beijing calendar year of its
pickup, so a corrected pickup time moves the purchase between years.
"""

from typing import Any

import pytest
from stdnum.cn import uscc

from screening.contract import Decision, Waybill
from screening.engine import Engine
from tests.conftest import ScoringClient
from tests.factories import Whole, cn_receiver, hk_receiver, item, merge, resident_id, waybill

pytestmark = pytest.mark.anyio

BUYER_NUMBER = resident_id(region="320102", birth="19880808", seq="100")  # check character X
assert BUYER_NUMBER.endswith("X")

ORIGINS: dict[str, tuple[str, str, str]] = {
    "HK": ("+8529300{n:04d}", "Hong Kong", "{n} Nathan Road"),
    "MO": ("+8536613{n:04d}", "Macau", "Rua {n}"),
    "TW": ("+88691234{n:04d}", "Taipei", "{n} Zhongshan Rd"),
    "JP": ("+8131234{n:04d}", "Tokyo", "{n}-1 Chiyoda"),
    "US": ("+1212555{n:04d}", "New York", "{n} Main Street"),
    "KR": ("+82101234{n:04d}", "Seoul", "{n} Sejong-daero"),
    "DE": ("+4915112{n:05d}", "Berlin", "{n} Unter den Linden"),
}


# Helpers


async def score(engine: Engine, wb: dict[str, Any]) -> Decision:
    """Decide a waybill given in wire form."""
    return await engine.decide(Waybill.model_validate(wb))


async def run(engine: Engine, bodies: list[dict[str, Any]]) -> list[Decision]:
    """Decide waybills in order."""
    return [await score(engine, wb) for wb in bodies]


def codes(d: Decision) -> set[str]:
    """The reason codes of a decision."""
    return {r.code for r in d.reasons}


def evidence(d: Decision, code: str) -> dict[str, Any]:
    """The evidence of one reason (fails when absent)."""
    found = [r for r in d.reasons if r.code == code]
    assert found, f"{code} not in {sorted(codes(d))}"
    return found[0].evidence


def abroad(country: str, n: int = 0, **changes: Any) -> dict[str, Any]:
    """A party abroad without any identity document (an overseas sender or shop)."""
    phone, city, detail = ORIGINS[country]
    base = hk_receiver(
        name=f"SENDER {country} {n}",
        phone=phone.format(n=n),
        address={"country": country, "city": city, "detail": detail.format(n=n)},
    )
    return Whole(merge(base, changes))


def buyer(number: str = BUYER_NUMBER, **changes: Any) -> dict[str, Any]:
    """A mainland cbec buyer with a resident ID."""
    return cn_receiver(id_type="resident_id", id_number=number, **changes)


def purchase(
    who: dict[str, Any],
    value: float,
    at: str,
    *,
    carrier: str = "SF",
    shop: dict[str, Any] | None = None,
    quantity: int = 1,
    **changes: Any,
) -> dict[str, Any]:
    """A cbec retail import bought by `who`, picked up at `at`."""
    wb = waybill(
        service="import",
        channel="cbec",
        carrier=carrier,
        sender=shop or abroad("HK", 900, name="GLOBAL SHOP"),
        receiver=who,
        items=[item(description="手表 watch", category="general", quantity=quantity, unit_value=value)],
        weight_kg=0.3,
        **changes,
    )
    wb["accepted_at"] = at
    return wb


def corrected(wb: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """The same parcel (carrier, waybill_no) with a corrected body."""
    out = merge(wb, changes)
    if "items" in changes:
        out["declared_value"] = round(sum(i["quantity"] * i["unit_value"] for i in out["items"]), 2)
    return out


def spent_2026(who: dict[str, Any], amounts: list[float]) -> list[dict[str, Any]]:
    """Purchases of a buyer in the first months of 2026, one a month."""
    return [purchase(who, v, f"2026-{m:02d}-10T10:00:00+08:00") for m, v in enumerate(amounts, start=1)]


def personal_import(
    sender: dict[str, Any], receiver: dict[str, Any], value: float, at: str, *, channel: str = "postal"
) -> dict[str, Any]:
    """A personal import of two different articles worth `value` together (so never a single article)."""
    half = round(value / 2, 2)
    goods = [
        item(description="羊毛衫 wool sweater", category="apparel_shoes", quantity=1, unit_value=half),
        item(
            description="围巾 scarf", category="apparel_shoes", quantity=1, unit_value=round(value - half, 2)
        ),
    ]
    wb = waybill(
        service="import", channel=channel, sender=sender, receiver=receiver, items=goods, weight_kg=1.0
    )
    wb["accepted_at"] = at
    return wb


def week_of(day: int) -> str:
    """A pickup time on the given day of November 2026, Beijing time."""
    return f"2026-11-{day:02d}T10:00:00+08:00"


# CBEC_ANNUAL_LIMIT at the year boundary (Beijing midnight)


@pytest.mark.parametrize(
    ("when", "year"),
    [
        pytest.param("2026-12-31T23:30:00+08:00", 2026, id="23h30-beijing-31-dec"),
        pytest.param("2026-12-31T15:30:00Z", 2026, id="23h30-beijing-written-in-utc"),
        pytest.param("2027-01-01T00:10:00+08:00", 2027, id="00h10-beijing-1-jan"),
        pytest.param("2026-12-31T16:10:00Z", 2027, id="00h10-beijing-written-in-utc"),
    ],
)
async def test_a_purchase_either_side_of_beijing_midnight_counts_in_its_beijing_year(
    engine: Engine, when: str, year: int
) -> None:
    """25,000 CNY bought in 2026: 1,000.01 more passes 26,000 only when it is still 2026 in Beijing."""
    who = buyer()
    await run(engine, spent_2026(who, [5000.0] * 5))
    d = await score(engine, purchase(who, 1000.01, when))
    if year == 2026:
        ev = evidence(d, "CBEC_ANNUAL_LIMIT")
        assert (ev["year"], ev["earlier_cny"], ev["year_total_cny"]) == (2026, 25000.0, 26000.01)
        assert d.decision == "hold"
    else:
        assert "CBEC_ANNUAL_LIMIT" not in codes(d)
        assert d.decision == "release"


async def test_the_two_instants_around_midnight_fill_two_years(engine: Engine) -> None:
    """21,000 in 2026; 5,000 at 23:30 on 31 December makes 26,000; 5,000 at 00:10 opens 2027 at 5,000."""
    who = buyer()
    await run(engine, spent_2026(who, [5000.0] * 4 + [1000.0]))
    late = await score(engine, purchase(who, 5000.0, "2026-12-31T15:30:00Z"))
    early = await score(engine, purchase(who, 5000.0, "2027-01-01T00:10:00+08:00"))
    assert "CBEC_ANNUAL_LIMIT" not in codes(late) | codes(early)
    over_2026 = await score(engine, purchase(who, 0.01, "2026-12-31T23:59:00+08:00"))
    ev = evidence(over_2026, "CBEC_ANNUAL_LIMIT")
    assert (ev["year"], ev["earlier_cny"]) == (2026, 26000.0)
    # 2027: 5,000 at 00:10 plus four of 5,000 and one of 1,000 is exactly 26,000; a fen more passes it.
    await run(
        engine, [purchase(who, v, f"2027-0{m}-10T10:00:00+08:00") for m, v in ((2, 5000.0), (3, 5000.0))]
    )
    await run(
        engine, [purchase(who, v, f"2027-0{m}-10T10:00:00+08:00") for m, v in ((4, 5000.0), (5, 5000.0))]
    )
    at = await score(engine, purchase(who, 1000.0, "2027-06-10T10:00:00+08:00"))
    assert "CBEC_ANNUAL_LIMIT" not in codes(at)
    ev = evidence(await score(engine, purchase(who, 0.01, "2027-07-01T00:00:00Z")), "CBEC_ANNUAL_LIMIT")
    assert (ev["year"], ev["earlier_cny"], ev["year_total_cny"]) == (2027, 26000.0, 26000.01)


@pytest.mark.parametrize(
    ("typed", "fixed"),
    [
        pytest.param("2026-12-31T23:30:00+08:00", "2027-01-01T00:10:00+08:00", id="moved-into-2027"),
        pytest.param("2026-12-31T16:10:00Z", "2026-12-31T15:30:00Z", id="moved-back-into-2026-utc"),
    ],
)
async def test_a_corrected_pickup_time_moves_the_purchase_to_the_other_year(
    engine: Engine, typed: str, fixed: str
) -> None:
    """25,000 in 2026; a 1,000.01 purchase whose pickup is corrected across Beijing midnight counts in the
    year of its corrected time only."""
    who = buyer()
    await run(engine, spent_2026(who, [5000.0] * 5))
    parcel = purchase(who, 1000.01, typed)
    first = await score(engine, parcel)
    second = await score(engine, corrected(parcel, accepted_at=fixed))
    to_2027 = fixed.startswith("2027")
    assert ("CBEC_ANNUAL_LIMIT" in codes(first)) == to_2027
    assert ("CBEC_ANNUAL_LIMIT" in codes(second)) != to_2027
    # Another 2026 purchase of 1,000: exactly 26,000 when the corrected one left 2026, over it otherwise.
    d = await score(engine, purchase(who, 1000.0, "2026-12-31T20:00:00+08:00"))
    if to_2027:
        assert "CBEC_ANNUAL_LIMIT" not in codes(d)
    else:
        assert evidence(d, "CBEC_ANNUAL_LIMIT")["earlier_cny"] == 26000.01


# One buyer across carriers, platforms and shops; the ID in its valid writings

CARRIERS = ["SF", "EMS", "JD", "YTO", "ZTO"]
PLATFORMS = ["tmall-global", "jd-worldwide", "kaola", "pdd", "douyin"]
SHOP_COUNTRIES = ["HK", "JP", "US", "KR", "DE"]


async def test_one_buyers_purchases_through_five_carriers_and_platforms_share_one_year(
    history_engine: Engine,
) -> None:
    """Five purchases of 5,000 through five carriers, platforms and shops abroad; the sixth, of 1,000.01
    through a sixth carrier, passes 26,000 with 25,000 before it."""
    who = buyer()
    bodies = [
        purchase(
            who,
            5000.0,
            f"2026-0{k + 1}-10T10:00:00+08:00",
            carrier=CARRIERS[k],
            shop=abroad(SHOP_COUNTRIES[k], 50 + k, name=f"SHOP {k}"),
            order={"platform": PLATFORMS[k], "order_id": f"O-{k}", "shop_id": f"S-{k}"},
        )
        for k in range(5)
    ]
    assert all("CBEC_ANNUAL_LIMIT" not in codes(d) for d in await run(history_engine, bodies))
    d = await score(history_engine, purchase(who, 1000.01, "2026-07-10T10:00:00+08:00", carrier="STO"))
    ev = evidence(d, "CBEC_ANNUAL_LIMIT")
    assert (ev["earlier_cny"], ev["year_total_cny"], d.decision) == (25000.0, 26000.01, "hold")


@pytest.mark.parametrize(
    ("earlier", "last"),
    [
        pytest.param(BUYER_NUMBER.lower(), BUYER_NUMBER, id="lower-x-earlier-upper-last"),
        pytest.param(BUYER_NUMBER, BUYER_NUMBER.lower(), id="upper-x-earlier-lower-last"),
        pytest.param(BUYER_NUMBER.lower(), BUYER_NUMBER.lower(), id="lower-x-throughout"),
        pytest.param(f" {BUYER_NUMBER} ", BUYER_NUMBER.lower(), id="padded-with-spaces-earlier"),
    ],
)
async def test_a_lower_case_x_check_digit_is_the_same_buyer_across_carriers(
    engine: Engine, earlier: str, last: str
) -> None:
    """The buyer's ID with its X check digit in either case, through several carriers, is one buyer."""
    bodies = [
        purchase(buyer(earlier), 5000.0, f"2026-0{k + 1}-10T10:00:00+08:00", carrier=CARRIERS[k])
        for k in range(5)
    ]
    decisions = await run(engine, bodies)
    assert all(not codes(d) & {"CBEC_ANNUAL_LIMIT", "ID_INVALID", "BUYER_ID_MISSING"} for d in decisions)
    d = await score(engine, purchase(buyer(last), 1000.01, "2026-07-10T10:00:00+08:00", carrier="JD"))
    ev = evidence(d, "CBEC_ANNUAL_LIMIT")
    assert (ev["earlier_cny"], ev["year_total_cny"]) == (25000.0, 26000.01)
    assert "ID_INVALID" not in codes(d)


async def test_one_waybill_number_at_two_carriers_is_two_purchases_of_the_buyer(engine: Engine) -> None:
    """20,000 earlier; SF's and EMS's parcels with the same number are two purchases: 5,000 + 1,000.01."""
    who = buyer()
    await run(engine, spent_2026(who, [5000.0] * 4))
    sf = purchase(who, 5000.0, "2026-06-10T10:00:00+08:00", carrier="SF")
    assert "CBEC_ANNUAL_LIMIT" not in codes(await score(engine, sf))
    ems = purchase(who, 1000.01, "2026-06-11T10:00:00+08:00", carrier="EMS", waybill_no=sf["waybill_no"])
    ev = evidence(await score(engine, ems), "CBEC_ANNUAL_LIMIT")
    assert (ev["earlier_cny"], ev["year_total_cny"]) == (25000.0, 26000.01)


async def test_an_id_added_by_correction_counts_the_purchase_in_the_buyers_year(engine: Engine) -> None:
    """25,000 earlier; a 1,000.01 purchase without the buyer's ID is held for the ID only; the courier adds
    the ID: held for the year instead, with 25,000 before it (the first body counted for no one)."""
    who = buyer()
    await run(engine, spent_2026(who, [5000.0] * 5))
    anonymous = cn_receiver(phone=who["phone"])
    parcel = purchase(anonymous, 1000.01, "2026-07-10T10:00:00+08:00")
    first = await score(engine, parcel)
    assert "BUYER_ID_MISSING" in codes(first) and "CBEC_ANNUAL_LIMIT" not in codes(first)
    assert first.decision == "hold"
    second = await score(engine, corrected(parcel, receiver=who))
    assert "BUYER_ID_MISSING" not in codes(second)
    ev = evidence(second, "CBEC_ANNUAL_LIMIT")
    assert (ev["earlier_cny"], ev["this_parcel_cny"], ev["year_total_cny"]) == (25000.0, 1000.01, 26000.01)


# Refunds and corrections lowering a counted value


async def test_a_purchase_refunded_in_full_leaves_the_buyers_year(engine: Engine) -> None:
    """21,000 + 5,000 is exactly 26,000; the 5,000 refunded (corrected to 0) makes room for 5,000 more."""
    who = buyer()
    await run(engine, spent_2026(who, [5000.0] * 4 + [1000.0]))
    parcel = purchase(who, 5000.0, "2026-06-10T10:00:00+08:00")
    assert "CBEC_ANNUAL_LIMIT" not in codes(await score(engine, parcel))
    refunded = await score(engine, corrected(parcel, items=[{**parcel["items"][0], "unit_value": 0.0}]))
    assert "CBEC_ANNUAL_LIMIT" not in codes(refunded)
    again = await score(engine, purchase(who, 5000.0, "2026-07-10T10:00:00+08:00"))
    assert "CBEC_ANNUAL_LIMIT" not in codes(again) and again.decision == "release"
    ev = evidence(await score(engine, purchase(who, 0.01, "2026-08-10T10:00:00+08:00")), "CBEC_ANNUAL_LIMIT")
    assert (ev["earlier_cny"], ev["year_total_cny"]) == (26000.0, 26000.01)


async def test_a_partial_refund_of_units_lowers_the_purchase_in_the_year(engine: Engine) -> None:
    """20,000 + 3 × 1,500 = 24,500; two units refunded (quantity 1): 21,500, so 4,500 more is 26,000."""
    who = buyer()
    await run(engine, spent_2026(who, [5000.0] * 4))
    parcel = purchase(who, 1500.0, "2026-06-10T10:00:00+08:00", quantity=3)
    await score(engine, parcel)
    await score(engine, corrected(parcel, items=[{**parcel["items"][0], "quantity": 1}]))
    at = await score(engine, purchase(who, 4500.0, "2026-07-10T10:00:00+08:00"))
    assert "CBEC_ANNUAL_LIMIT" not in codes(at) and at.decision == "release"
    ev = evidence(await score(engine, purchase(who, 0.01, "2026-08-10T10:00:00+08:00")), "CBEC_ANNUAL_LIMIT")
    assert ev["earlier_cny"] == 26000.0


async def test_a_refund_of_last_years_purchase_leaves_this_years_total_alone(engine: Engine) -> None:
    """A 2026 purchase refunded in 2027 (corrected to 0) changes nothing of 2027's 26,000."""
    who = buyer()
    old = purchase(who, 5000.0, "2026-12-31T23:30:00+08:00")
    await score(engine, old)
    this_year = [purchase(who, 5000.0, f"2027-0{m}-10T10:00:00+08:00") for m in range(1, 6)]
    this_year.append(purchase(who, 1000.0, "2027-06-10T10:00:00+08:00"))
    assert all("CBEC_ANNUAL_LIMIT" not in codes(d) for d in await run(engine, this_year))
    await score(engine, corrected(old, items=[{**old["items"][0], "unit_value": 0.0}]))
    ev = evidence(await score(engine, purchase(who, 0.01, "2027-07-10T10:00:00+08:00")), "CBEC_ANNUAL_LIMIT")
    assert (ev["year"], ev["earlier_cny"]) == (2027, 26000.0)


@pytest.mark.parametrize("refunded", [False, True], ids=["as-declared", "three-refunded-to-100"])
async def test_refunds_lowering_a_receivers_imports_under_3l_stop_the_ring(
    engine: Engine, refunded: bool
) -> None:
    """Four imports of 700 from three Hong Kong senders (L 800, 3·L 2,400); three of them corrected to 100
    make 1,000 before the fifth, so the fifth (700) brings 1,700: no ring. As declared, 3,500: held."""
    receiver = cn_receiver(phone="13600071001")
    ring = [personal_import(abroad("HK", i % 3), receiver, 700.0, week_of(2 + i)) for i in range(4)]
    await run(engine, ring)
    if refunded:
        for wb in ring[:3]:
            await score(engine, corrected(wb, items=[item(quantity=1, unit_value=100.0)]))
    d = await score(engine, personal_import(abroad("HK", 3), receiver, 700.0, week_of(6)))
    if refunded:
        assert "ANT_MOVING_RECEIVER" not in codes(d)
    else:
        ev = evidence(d, "ANT_MOVING_RECEIVER")
        assert (ev["parcels"], ev["total_value"], ev["per_parcel_limit"]) == (5, 3500.0, 800.0)
        assert d.decision == "hold"


# Organisations and individuals as the buyer


def uscc_of(first17: str) -> str:
    """A unified social credit code with its GB 32100 check character."""
    return first17 + uscc.calc_check_digit(first17)


COMPANY_USCC = uscc_of("91310115MA1H7AB1X")


async def test_an_organisation_buying_with_its_uscc_is_not_held_for_a_missing_buyer_id(
    engine: Engine,
) -> None:
    org = cn_receiver(name="上海某贸易有限公司", phone="02150501234", id_type="uscc", id_number=COMPANY_USCC)
    d = await score(engine, purchase(org, 300.0, "2026-06-10T10:00:00+08:00"))
    assert not codes(d) & {"BUYER_ID_MISSING", "ID_INVALID", "REALNAME_MISSING"}
    assert d.decision == "release"


async def test_a_companys_purchase_at_the_buyers_phone_and_address_is_not_the_buyers(engine: Engine) -> None:
    """A buyer at 25,000; the company at the same phone and address buys 5,000 under its USCC; the buyer's
    1,000 more is exactly 26,000."""
    who = buyer()
    await run(engine, spent_2026(who, [5000.0] * 5))
    org = cn_receiver(name="某贸易有限公司", phone=who["phone"], id_type="uscc", id_number=COMPANY_USCC)
    await score(engine, purchase(org, 5000.0, "2026-06-10T10:00:00+08:00"))
    d = await score(engine, purchase(who, 1000.0, "2026-07-10T10:00:00+08:00"))
    assert "CBEC_ANNUAL_LIMIT" not in codes(d) and d.decision == "release"


# Senders abroad without ID: not a fault, and counted apart by their phone


def test_a_cbec_import_from_a_shop_without_id_is_released_over_http(client: ScoringClient) -> None:
    """The shop abroad gave no ID and the buyer did: no real-name reason, no hold, no case."""
    body = client.score(purchase(buyer(), 300.0, "2026-06-10T10:00:00+08:00", shop=abroad("JP", 3)))
    assert not {r["code"] for r in body["reasons"]} & {"REALNAME_MISSING", "BUYER_ID_MISSING", "ID_INVALID"}
    assert body["decision"] == "release" and body["case_id"] is None


@pytest.mark.parametrize(
    ("phones", "ring"), [pytest.param(1, False, id="one-phone"), pytest.param(3, True, id="three")]
)
async def test_senders_abroad_without_id_are_told_apart_by_their_phones(
    engine: Engine, phones: int, ring: bool
) -> None:
    """Five imports of 700 from Hong Kong senders without ID under five names: one phone is one sender
    (no ring); three phones are three senders (held)."""
    receiver = cn_receiver(phone="13600071002")
    bodies = [
        personal_import(abroad("HK", i % phones, name=f"NAME {i}"), receiver, 700.0, week_of(2 + i))
        for i in range(5)
    ]
    decisions = await run(engine, bodies)
    assert not any(codes(d) & {"REALNAME_MISSING", "REALNAME_UNVERIFIED"} for d in decisions)
    if ring:
        ev = evidence(decisions[4], "ANT_MOVING_RECEIVER")
        assert (ev["parcels"], ev["distinct_senders"]) == (5, 3)
    else:
        assert not any("ANT_MOVING_RECEIVER" in codes(d) for d in decisions)


# Personal imports: L by origin (800 from Hong Kong, Macau, Taiwan; 1,000 elsewhere)


@pytest.mark.parametrize(
    ("country", "limit"),
    [("HK", 800.0), ("MO", 800.0), ("TW", 800.0), ("JP", 1000.0), ("US", 1000.0)],
)
async def test_five_imports_of_500_to_one_receiver_are_a_ring_only_under_800(
    engine: Engine, country: str, limit: float
) -> None:
    """2,500 from three senders: ≥ 3·800 = 2,400 from Hong Kong, Macau, Taiwan; < 3·1,000 elsewhere."""
    receiver = cn_receiver(phone="13600071003")
    bodies = [personal_import(abroad(country, i % 3), receiver, 500.0, week_of(2 + i)) for i in range(5)]
    decisions = await run(engine, bodies)
    assert not any("ANT_MOVING_RECEIVER" in codes(d) for d in decisions[:4])
    if limit == 800.0:
        ev = evidence(decisions[4], "ANT_MOVING_RECEIVER")
        assert (ev["total_value"], ev["per_parcel_limit"], ev["distinct_senders"]) == (2500.0, 800.0, 3)
        assert decisions[4].decision == "hold"
    else:
        assert "ANT_MOVING_RECEIVER" not in codes(decisions[4])


@pytest.mark.parametrize(
    ("country", "channel", "held"),
    [
        ("HK", "postal", True),
        ("MO", "express", True),
        ("TW", "postal", True),
        ("KR", "express", False),
        ("DE", "postal", False),
    ],
)
async def test_an_import_of_900_in_two_articles_is_over_l_only_from_hk_mo_tw(
    engine: Engine, country: str, channel: str, held: bool
) -> None:
    wb = personal_import(
        abroad(country, 7), cn_receiver(phone="13600071004"), 900.0, week_of(3), channel=channel
    )
    d = await score(engine, wb)
    if held:
        ev = evidence(d, "OVER_PERSONAL_LIMIT")
        assert (ev["value_cny"], ev["limit_cny"], ev["counterpart_country"]) == (900.0, 800.0, country)
        assert d.decision == "hold"
    else:
        assert "OVER_PERSONAL_LIMIT" not in codes(d)


@pytest.mark.parametrize(("country", "near"), [("TW", True), ("DE", False)])
async def test_three_imports_of_750_to_one_receiver_are_near_800_but_not_near_1000(
    engine: Engine, country: str, near: bool
) -> None:
    receiver = cn_receiver(phone="13600071005")
    bodies = [personal_import(abroad(country, i), receiver, 750.0, week_of(2 + i)) for i in range(3)]
    d = (await run(engine, bodies))[2]
    if near:
        ev = evidence(d, "NEAR_LIMIT_SPLIT")
        assert ev["per_parcel_limit"] == 800.0 and ev["near_limit_parcels"] >= 3
    else:
        assert "NEAR_LIMIT_SPLIT" not in codes(d)


# The receiver written in other ways: ID, phone, building


async def test_a_receivers_id_in_either_case_behind_five_phones_is_one_receiver(
    history_engine: Engine,
) -> None:
    """Five imports from three Macau senders to one ID (X check digit in either case) at five phones and
    five cities: held by the receiver's ID on the fifth."""
    cities = [("浙江省", "杭州市", "西湖区"), ("江苏省", "南京市", "鼓楼区"), ("广东省", "广州市", "天河区")]
    cities += [("四川省", "成都市", "武侯区"), ("湖北省", "武汉市", "江汉区")]
    bodies = []
    for k, (province, city, district) in enumerate(cities):
        number = BUYER_NUMBER.lower() if k % 2 else BUYER_NUMBER
        who = cn_receiver(
            name=f"收件人{k}",
            phone=f"1581239{k:04d}",
            address={"province": province, "city": city, "district": district, "detail": f"中山路{k + 1}号"},
            id_type="resident_id",
            id_number=number,
        )
        bodies.append(personal_import(abroad("MO", k % 3), who, 600.0, week_of(2 + k)))
    decisions = await run(history_engine, bodies)
    assert not any("ANT_MOVING_RECEIVER" in codes(d) for d in decisions[:4])
    ev = evidence(decisions[4], "ANT_MOVING_RECEIVER")
    assert (ev["entity"], ev["parcels"], ev["distinct_senders"], ev["total_value"]) == (
        "receiver_id",
        5,
        3,
        3000.0,
    )


@pytest.mark.parametrize(
    "phone", ["+86 136 0007 1006", "0086-136-0007-1006", "+8613600071006", "136 0007 1006"]
)
async def test_a_fifth_import_to_the_receivers_phone_in_another_writing_completes_the_ring(
    engine: Engine, phone: str
) -> None:
    """Four Taiwan imports of 600 to 13600071006 (names and buildings differ), the fifth to the same mobile
    written with +86, 0086 or spaces: one receiver phone, 3,000 ≥ 2,400."""

    def someone(k: int, number: str) -> dict[str, Any]:
        return cn_receiver(
            name=f"收件人{k}", phone=number, address={"detail": f"光华路{k + 10}号{k + 1}号楼"}
        )

    bodies = [
        personal_import(abroad("TW", k % 3), someone(k, "13600071006"), 600.0, week_of(2 + k))
        for k in range(4)
    ]
    bodies.append(personal_import(abroad("TW", 5), someone(4, phone), 600.0, week_of(6)))
    decisions = await run(engine, bodies)
    ev = evidence(decisions[4], "ANT_MOVING_RECEIVER")
    assert (ev["entity"], ev["parcels"], ev["total_value"]) == ("receiver_phone", 5, 3000.0)


BEIJING_BUILDING = [
    "建国路93号万达广场8号楼1201",
    "建国路93号院万达广场8号楼12层1201",
    "建国路93号万达广场8#1502",
    "建国路九十三号万达广场八号楼",
    "北京市朝阳区建国路93号万达广场8号楼12F-1201（代收点）",
]


async def test_five_buyers_at_one_beijing_building_written_five_ways_are_one_receiver(engine: Engine) -> None:
    """Five buyers (five IDs and phones) at one building in five writings, from three Hong Kong senders."""
    bodies = []
    for k, detail in enumerate(BEIJING_BUILDING):
        who = cn_receiver(
            name=f"买家{k}",
            phone=f"1371239{k:04d}",
            address={"detail": detail},
            id_type="resident_id",
            id_number=resident_id(region="110105", birth="19900101", seq=f"{k + 500:03d}"),
        )
        bodies.append(personal_import(abroad("HK", k % 3), who, 600.0, week_of(2 + k)))
    decisions = await run(engine, bodies)
    assert not any("ANT_MOVING_RECEIVER" in codes(d) for d in decisions[:4])
    ev = evidence(decisions[4], "ANT_MOVING_RECEIVER")
    assert (ev["entity"], ev["parcels"], ev["distinct_senders"]) == ("receiver_address", 5, 3)


async def test_a_receivers_ring_over_the_new_year_is_one_week(engine: Engine) -> None:
    """Five imports of 600 from three Hong Kong senders between 29 December and 2 January: the 7-day window
    runs across the new year (it is not a calendar-year count)."""
    receiver = cn_receiver(phone="13600071007")
    days = ["2026-12-29", "2026-12-30", "2026-12-31", "2027-01-01", "2027-01-02"]
    bodies = [
        personal_import(abroad("HK", k % 3), receiver, 600.0, f"{day}T12:00:00+08:00")
        for k, day in enumerate(days)
    ]
    decisions = await run(engine, bodies)
    ev = evidence(decisions[4], "ANT_MOVING_RECEIVER")
    assert (ev["window"], ev["parcels"], ev["total_value"]) == ("7d", 5, 3000.0)
    assert decisions[4].decision == "hold"
