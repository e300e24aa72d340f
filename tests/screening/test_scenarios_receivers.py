"""ANT_MOVING_RECEIVER as customs and the postal bureau rely on it: one receiver collecting ants.

Written from ../shared/domain/RULES.md §3 (ANT_MOVING_RECEIVER, hold: "one receiver (ID, phone or normalised
address), cross-border: ≥ 5 parcels in 7 days from ≥ 3 distinct senders, each under L, together ≥ 3·L"; L is
800 / 1,000 CNY for personal articles (`postal`, and `express` parcels of individuals), 5,000 CNY for
`cbec`; "cross-border" is `export` or `import`; windows in event time) and §1 (GACC 2010 No. 43: 800 CNY
to/from HK, Macau, Taiwan, 1,000 elsewhere; 财关税〔2018〕49号: 5,000 per cbec transaction; 刑法 art. 153: a
receiver's parcels are added up), the wire contract (a reason's `evidence` holds the figures behind it, its
`message` / `message_en` one sentence; `case_id` is set when the decision is hold) and the README (the
receiver counted by ID, phone or building-level address; one building however it is typed, one phone
however it is typed; a building, ID or phone keeps one history as a sender's and another as a receiver's).

Most scenarios run on the `engine` fixture (embedded store); the key cases run on the embedded store,
single-node Redis and Redis Cluster (`history_engine`). tests/screening/test_scenarios_rings.py covers the
rings broadly; this file goes through the receiver rule figure by figure and key by key.

Readings used here, where RULES.md leaves room:
- "in 7 days" is the span of event time up to this parcel's pickup, (t − 7 d, t]: a parcel exactly seven
  days older is out, one a second younger is in.
- "each under L" is strict and judged per parcel against its own limit: a parcel at exactly L is not an ant
  (nor over the limit); an ant is counted with its value, its sender and nothing else.
- Where the receiver's ants fall under different limits, only figures every reading of "3·L" agrees on are
  asserted (totals above three times the largest limit, or under three times the smallest); the evidence
  states the limit of the parcel being decided, as RULES.md defines L ("the limit that applies to the
  parcel").
- A sender is a person: one name, phone and address is one sender, however often they show an ID.
"""

import json
from datetime import timedelta
from typing import Any

import pytest

from screening.contract import Decision, Reason
from screening.engine import Engine
from screening.policy.schemas import Policy
from tests.conftest import ScoringClient
from tests.factories import BASE_TIME, Whole, cn_receiver, hk_receiver, item, resident_id, waybill
from tests.screening.test_scenarios import codes, score
from tests.screening.test_scenarios_edges import abroad
from tests.screening.test_scenarios_rings import at, export, goods, import_postal, mainland, numbers, run

pytestmark = pytest.mark.anyio

RULE = "ANT_MOVING_RECEIVER"
Body = dict[str, Any]

# RULES.md §3, starting policy: ≥ 5 parcels in 7 days, ≥ 3 distinct senders, together ≥ 3·L.
PARCELS = 5
SENDERS = 3
TIMES_L = 3.0


# Helpers ------------------------------------------------------------------------------------------------


def the_reason(d: Decision, code: str = RULE) -> Reason:
    """The reason of one code; the decision must carry it."""
    assert code in codes(d), f"{code} missing: {d.decision}, {sorted(codes(d))}"
    return next(r for r in d.reasons if r.code == code)


def evidence(d: Decision, code: str = RULE) -> dict[str, Any]:
    """The evidence of one reason; the decision must carry it."""
    return the_reason(d, code).evidence


def none_has(decisions: list[Decision], code: str = RULE) -> bool:
    """No decision carries the code."""
    return all(code not in codes(d) for d in decisions)


def hangzhou(
    detail: str,
    *,
    province: str = "浙江省",
    city: str = "杭州市",
    district: str = "西湖区",
) -> Body:
    """A mainland address in Hangzhou's Xihu district unless told."""
    return {"country": "CN", "province": province, "city": city, "district": district, "detail": detail}


def receiver(
    n: int, *, phone: str | None = None, address: Body | None = None, id_number: str | None = None
) -> Body:
    """The n-th mainland receiver: own name, phone and building in Hangzhou, no ID, unless told."""
    fields: Body = {
        "name": f"收件人{n}",
        "phone": phone or f"1371100{n:04d}",
        "address": Whole(address or hangzhou(f"文一西路{n + 1}号{n + 1}栋")),
    }
    if id_number is not None:
        fields |= {"id_type": "resident_id", "id_number": id_number}
    return cn_receiver(**fields)


def citizen(n: int) -> str:
    """The n-th receiver's resident ID number."""
    return resident_id(region="330106", birth="19900101", seq=f"{n % 1000:03d}")


def us_party(n: int) -> Body:
    """The n-th party in the United States (no ID)."""
    return hk_receiver(
        name=f"PARTY US {n}",
        phone=f"+1415555{n:04d}",
        address={"country": "US", "province": "CA", "city": "San Francisco", "detail": f"{n + 1} Market St"},
    )


def overseas(country: str, n: int) -> Body:
    """The n-th party (no ID) in HK, MO, TW, JP or the US."""
    return us_party(n) if country == "US" else abroad(country, n)


def imports(
    who: Body,
    values: list[float],
    *,
    senders: int = 3,
    country: str = "HK",
    step_h: float = 20.0,
    start_h: float = 0.0,
    **changes: Any,
) -> list[Body]:
    """Imports (postal unless told) of one article each to one receiver, from `senders` senders in turn."""
    return [
        import_postal(overseas(country, i % senders), who, v, hours=start_h + i * step_h, **changes)
        for i, v in enumerate(values)
    ]


# The figures: 5 parcels, 3 senders, 3·L, each under L ---------------------------------------------------


@pytest.mark.parametrize(("count", "fires"), [(4, False), (5, True)], ids=["four", "five"])
async def test_the_fifth_ant_in_seven_days_completes_the_ring(
    engine: Engine, count: int, fires: bool
) -> None:
    """Four ants from three senders, far over 3·L together, are not yet a ring; the fifth is."""
    ring = imports(receiver(1), [700.0] * count)  # RULES.md §3: ≥ 5 parcels; 4 × 700 = 2,800 ≥ 3 × 800
    decisions = await run(engine, ring)
    assert none_has(decisions[:-1])
    assert (RULE in codes(decisions[-1])) is fires
    if fires:
        ev = evidence(decisions[-1])
        assert (ev["parcels"], ev["distinct_senders"], ev["total_value"]) == (5, 3, 3500.0)
        assert decisions[-1].decision == "hold"


@pytest.mark.parametrize(("senders", "fires"), [(2, False), (3, True)], ids=["two-senders", "three-senders"])
async def test_the_ring_needs_three_distinct_senders(
    history_engine: Engine, senders: int, fires: bool
) -> None:
    """Five ants from two senders are not a ring whatever their total; from three they are."""
    ring = imports(receiver(2), [700.0] * 5, senders=senders)  # RULES.md §3: ≥ 3 distinct senders
    decisions = await run(history_engine, ring)
    assert none_has(decisions[:4])
    assert (RULE in codes(decisions[4])) is fires
    if fires:
        ev = evidence(decisions[4])
        assert (ev["parcels"], ev["distinct_senders"], ev["total_value"]) == (5, 3, 3500.0)


async def test_six_ants_from_two_senders_are_still_not_a_ring(engine: Engine) -> None:
    """More parcels do not make up for too few senders."""
    decisions = await run(engine, imports(receiver(3), [700.0] * 8, senders=2))
    assert none_has(decisions)


# (label, lane, channel, sender country, values, limit, fires)
TOTALS = [
    # RULES.md §3: together ≥ 3·L; L = 800 for HK (GACC 2010 No. 43).
    ("hk-postal-at-3L", "postal", "HK", [400.0, 500.0, 600.0, 450.0, 450.0], 800.0, True),
    ("hk-postal-a-cent-under", "postal", "HK", [400.0, 500.0, 600.0, 450.0, 449.99], 800.0, False),
    # An individual's express import is a personal article too: L = 800 from Macau.
    ("mo-express-at-3L", "express", "MO", [480.0, 520.0, 300.0, 600.0, 500.0], 800.0, True),
    ("mo-express-a-cent-under", "express", "MO", [480.0, 520.0, 300.0, 600.0, 499.99], 800.0, False),
    # L = 1,000 from elsewhere: 3·L = 3,000.
    ("jp-postal-at-3L", "postal", "JP", [500.0, 700.0, 650.0, 600.0, 550.0], 1000.0, True),
    ("jp-postal-a-cent-under", "postal", "JP", [500.0, 700.0, 650.0, 600.0, 549.99], 1000.0, False),
    # 财关税〔2018〕49号: L = 5,000 for cbec, 3·L = 15,000.
    ("cbec-at-3L", "cbec", "HK", [2000.0, 4000.0, 3500.0, 2500.0, 3000.0], 5000.0, True),
    ("cbec-a-cent-under", "cbec", "HK", [2000.0, 4000.0, 3500.0, 2500.0, 2999.99], 5000.0, False),
]


@pytest.mark.parametrize(
    ("channel", "country", "values", "limit", "fires"), [t[1:] for t in TOTALS], ids=[t[0] for t in TOTALS]
)
async def test_the_total_at_three_times_the_limit_and_a_cent_under(
    engine: Engine, channel: str, country: str, values: list[float], limit: float, fires: bool
) -> None:
    """Uneven ants adding up to exactly 3·L are a ring; a cent less is not."""
    who = receiver(4, id_number=citizen(4))  # a cbec buyer gives an ID; the postal ones may as well
    decisions = await run(engine, imports(who, values, country=country, channel=channel))
    assert none_has(decisions[:4])
    assert (RULE in codes(decisions[4])) is fires
    assert not codes(decisions[4]) & {"OVER_PERSONAL_LIMIT", "CBEC_SINGLE_LIMIT", "CBEC_ANNUAL_LIMIT"}
    if fires:
        ev = evidence(decisions[4])
        assert (ev["per_parcel_limit"], ev["total_value"]) == (limit, TIMES_L * limit)
        assert ev["thresholds"]["total_value"] == TIMES_L * limit


@pytest.mark.parametrize(
    ("fifth", "fires", "over"),
    [(799.99, True, False), (800.0, False, False), (800.01, False, True)],
    ids=["a-cent-under-L", "at-L", "a-cent-over-L"],
)
async def test_a_fifth_parcel_at_or_over_the_limit_is_not_an_ant(
    history_engine: Engine, fifth: float, fires: bool, over: bool
) -> None:
    """Four ants and a fifth parcel a cent under, at or a cent over 800 CNY from Hong Kong."""
    who = receiver(5)
    ring = imports(who, [600.0] * 4 + [fifth])  # RULES.md §3: each under L (800 to/from HK)
    decisions = await run(history_engine, ring)
    assert none_has(decisions[:4])
    assert (RULE in codes(decisions[4])) is fires
    assert ("OVER_PERSONAL_LIMIT" in codes(decisions[4])) is over  # RULES.md §3: over L, not at it
    if fires:
        assert evidence(decisions[4])["total_value"] == 3199.99


async def test_a_parcel_over_the_limit_is_neither_counted_nor_linked(engine: Engine) -> None:
    """A parcel over 800 among the ants is held on its own; the ring counts the five ants without it."""
    who = receiver(6)
    ants = imports(who, [600.0] * 4)
    over = import_postal(overseas("HK", 7), who, 0.0, hours=70, items=[item(quantity=2, unit_value=450.0)])
    fifth = import_postal(overseas("HK", 8), who, 600.0, hours=80)
    decisions = await run(engine, [*ants, over, fifth])
    assert the_reason(decisions[4], "OVER_PERSONAL_LIMIT").outcome == "hold"
    assert none_has(decisions[:5])  # four ants and a parcel over L
    ev = evidence(decisions[5])
    assert (ev["parcels"], ev["distinct_senders"], ev["total_value"]) == (5, 4, 3000.0)
    assert set(ev["linked_waybills"]) == numbers(ants)


async def test_five_parcels_over_the_limit_from_three_senders_are_no_ring(engine: Engine) -> None:
    """Parcels over L are each held for the limit; they are not ants of a ring."""
    ring = imports(receiver(7), [0.0] * 5, items=[item(quantity=2, unit_value=450.0)])
    decisions = await run(engine, ring)
    assert all("OVER_PERSONAL_LIMIT" in codes(d) for d in decisions)
    assert none_has(decisions)


@pytest.mark.parametrize(
    ("value", "ant", "single_limit"),
    [(4999.99, True, False), (5000.0, False, False), (5000.01, False, True)],
    ids=["a-cent-under-5000", "at-5000", "a-cent-over-5000"],
)
async def test_a_cbec_purchase_is_an_ant_only_under_5000(
    engine: Engine, value: float, ant: bool, single_limit: bool
) -> None:
    """Four cbec purchases adding up to 10,000.01 and a fifth under, at or over the 5,000 CNY single limit."""
    who = receiver(8, id_number=citizen(8))
    four = [2500.0, 2500.0, 2500.0, 2500.01]
    ring = imports(who, [*four, value], channel="cbec")  # 财关税〔2018〕49号: 5,000 per transaction
    d = (await run(engine, ring))[4]
    assert (RULE in codes(d)) is ant  # 10,000.01 + 4,999.99 = 15,000 = 3 × 5,000 only with the fifth an ant
    assert ("CBEC_SINGLE_LIMIT" in codes(d)) is single_limit
    if ant:
        assert (evidence(d)["parcels"], evidence(d)["total_value"]) == (5, 15000.0)
    assert "CBEC_ANNUAL_LIMIT" not in codes(d)


async def test_cbec_purchases_over_800_are_ants_under_their_own_limit(engine: Engine) -> None:
    """cbec purchases of 3,000 are over the personal-article limit but under 5,000: five make a ring."""
    who = receiver(9, id_number=citizen(9))
    decisions = await run(engine, imports(who, [3000.0] * 5, channel="cbec"))
    assert all("OVER_PERSONAL_LIMIT" not in codes(d) for d in decisions)
    ev = evidence(decisions[4])
    assert (ev["parcels"], ev["per_parcel_limit"], ev["total_value"]) == (5, 5000.0, 15000.0)


# The 7-day window, in event time ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fifth_at", "fires"),
    [
        ("2026-11-18T09:29:59+08:00", True),
        ("2026-11-17T20:29:59-05:00", True),  # the same instant written in New York time
        ("2026-11-18T09:30:00+08:00", False),
        ("2026-11-18T01:30:00+00:00", False),  # the same instant written in UTC
    ],
    ids=["beijing-a-second-inside", "new-york-a-second-inside", "beijing-exactly-7d", "utc-exactly-7d"],
)
async def test_the_seven_days_are_counted_in_event_time_whatever_the_offset(
    history_engine: Engine, fifth_at: str, fires: bool
) -> None:
    """The first ant at 01:30 UTC (09:30 Beijing); the fifth seven days later, a second either side."""
    who = receiver(10)
    first = import_postal(overseas("HK", 0), who, 600.0)
    first["accepted_at"] = "2026-11-11T01:30:00+00:00"
    middle = [import_postal(overseas("HK", i), who, 600.0) for i in (1, 2, 0)]
    for k, wb in enumerate(middle):
        wb["accepted_at"] = [
            "2026-11-14T09:00:00+08:00",
            "2026-11-15T22:00:00+09:00",
            "2026-11-16T12:00:00Z",
        ][k]
    fifth = import_postal(overseas("HK", 1), who, 600.0)
    fifth["accepted_at"] = fifth_at
    decisions = await run(history_engine, [first, *middle, fifth])  # RULES.md §3: windows in event time
    assert none_has(decisions[:4])
    assert (RULE in codes(decisions[4])) is fires
    if fires:
        ev = evidence(decisions[4])
        assert (ev["window"], ev["parcels"], ev["total_value"]) == ("7d", 5, 3000.0)


async def test_the_ring_ends_when_its_big_ant_leaves_the_week(engine: Engine) -> None:
    """The total is of the last seven days: once the dearest ant is older, four small ones are not enough."""
    who = receiver(11)
    ring = imports(who, [790.0, 400.0, 400.0, 400.0, 410.0], step_h=30)  # 2,400 = 3 × 800 on day 5
    decisions = await run(engine, ring)
    assert evidence(decisions[4])["total_value"] == 2400.0
    later = import_postal(overseas("HK", 1), who, 100.0)
    later["accepted_at"] = at(BASE_TIME + timedelta(days=7, hours=1))  # the 790 is out: 1,710 in the week
    assert RULE not in codes(await score(engine, later))


async def test_a_ring_keeps_holding_each_further_ant_in_the_week(engine: Engine) -> None:
    """After the fifth ant, every further one within the week is held, with the counts grown."""
    who = receiver(12)
    ring = imports(who, [600.0] * 7, step_h=10)
    decisions = await run(engine, ring)
    held = [evidence(d) for d in decisions[4:]]
    assert [(e["parcels"], e["total_value"]) for e in held] == [(5, 3000.0), (6, 3600.0), (7, 4200.0)]
    assert all(d.decision == "hold" for d in decisions[4:])
    assert set(held[-1]["linked_waybills"]) == numbers(ring[:6])


async def test_five_ants_within_an_hour_are_judged_on_the_seven_day_window(engine: Engine) -> None:
    """The receiver rule has one window: five ants in an hour are a ring, reported as seven days."""
    decisions = await run(engine, imports(receiver(13), [600.0] * 5, step_h=0.2))
    ev = evidence(decisions[4])
    assert (ev["window"], ev["parcels"]) == ("7d", 5)  # RULES.md §3: 5 parcels in 7 days


async def test_five_ants_picked_up_at_one_instant_count_each_other(engine: Engine) -> None:
    """A courier collecting five parcels for one receiver records one pickup time: they still add up."""
    ring = imports(receiver(14), [600.0] * 5)
    for wb in ring:
        wb["accepted_at"] = "2026-11-11T15:00:00+08:00"
    decisions = await run(engine, ring)
    assert none_has(decisions[:4])
    assert set(evidence(decisions[4])["linked_waybills"]) == numbers(ring[:4])


# The three keys, each alone -----------------------------------------------------------------------------


CITIES = [
    ("江苏省", "南京市", "鼓楼区", "中山路1号1栋"),
    ("广东省", "广州市", "天河区", "天河路2号2栋"),
    ("四川省", "成都市", "武侯区", "人民南路3号3栋"),
    ("湖北省", "武汉市", "江汉区", "解放大道4号4栋"),
    ("浙江省", "宁波市", "鄞州区", "四明路5号5栋"),
]


def cn_place(province: str, city: str, district: str, detail: str) -> Body:
    """A mainland address from its four fields."""
    return {"country": "CN", "province": province, "city": city, "district": district, "detail": detail}


async def test_one_receiver_id_behind_five_phones_and_five_cities_is_one_receiver(
    history_engine: Engine,
) -> None:
    """Same ID, different phones and addresses: the ID alone ties the five ants, and the evidence says so."""
    number = citizen(20)
    people = [
        receiver(20 + i, phone=f"1371120{i:04d}", address=cn_place(*CITIES[i]), id_number=number)
        for i in range(5)
    ]
    ring = [import_postal(overseas("JP", i % 3), p, 650.0, hours=i * 20) for i, p in enumerate(people)]
    decisions = await run(history_engine, ring)
    assert none_has(decisions[:4])
    ev = evidence(decisions[4])
    assert (ev["entity"], ev["parcels"], ev["distinct_senders"]) == ("receiver_id", 5, 3)
    assert (ev["total_value"], ev["per_parcel_limit"]) == (3250.0, 1000.0)
    assert decisions[4].decision == "hold"
    text = json.dumps(decisions[4].model_dump(mode="json"), ensure_ascii=False)
    assert number not in text and number[:6] + "********" not in text  # 个人信息保护法: no ID in evidence


async def test_one_receiver_phone_behind_five_ids_and_five_cities_is_one_receiver(
    history_engine: Engine,
) -> None:
    """Same phone, different IDs and addresses: the phone alone ties the five ants."""
    people = [
        receiver(30 + i, phone="13711300000", address=cn_place(*CITIES[i]), id_number=citizen(30 + i))
        for i in range(5)
    ]
    ring = [import_postal(overseas("HK", i % 3), p, 600.0, hours=i * 20) for i, p in enumerate(people)]
    decisions = await run(history_engine, ring)
    assert none_has(decisions[:4])
    ev = evidence(decisions[4])
    assert (ev["entity"], ev["parcels"], ev["distinct_senders"]) == ("receiver_phone", 5, 3)
    assert "13711300000" not in json.dumps(decisions[4].model_dump(mode="json"))


async def test_one_building_behind_five_names_phones_and_ids_is_one_receiver(history_engine: Engine) -> None:
    """Five hired buyers, each with own name, phone and ID, at one building: the address ties them."""
    flats = ["1号楼1203室", "1号楼805", "1号楼2单元301", "1号楼1101室", "1号楼1203室"]
    people = [
        receiver(40 + i, address=hangzhou(f"文三路259号昌地火炬大厦{f}"), id_number=citizen(40 + i))
        for i, f in enumerate(flats)
    ]
    ring = [import_postal(overseas("HK", i % 3), p, 600.0, hours=i * 20) for i, p in enumerate(people)]
    decisions = await run(history_engine, ring)
    assert none_has(decisions[:4])
    ev = evidence(decisions[4])
    assert (ev["entity"], ev["parcels"], ev["distinct_senders"]) == ("receiver_address", 5, 3)


PHONE_WRITINGS = {
    "full-width-digits": "１３７１１５００００１",
    "0086-prefix": "0086 13711500001",
    "plus-86-spaced": "+86 137 1150 0001",
    "dashes": "137-1150-0001",
    "brackets": "(+86) 13711500001",
}


@pytest.mark.parametrize("writing", PHONE_WRITINGS.values(), ids=PHONE_WRITINGS.keys())
async def test_a_fifth_ant_to_the_receivers_phone_in_another_writing_completes_the_ring(
    engine: Engine, writing: str
) -> None:
    """Four ants to 13711500001 and a fifth to the same phone typed another way, in another city."""
    people = [receiver(50 + i, phone="13711500001", address=cn_place(*CITIES[i])) for i in range(4)]
    people.append(receiver(54, phone=writing, address=cn_place(*CITIES[4])))
    ring = [import_postal(overseas("HK", i % 3), p, 600.0, hours=i * 20) for i, p in enumerate(people)]
    decisions = await run(engine, ring)
    assert none_has(decisions[:4])
    assert evidence(decisions[4])["entity"] == "receiver_phone"


BUILDING = "文三路259号昌地火炬大厦1号楼1203室"
BUILDING_WRITINGS: dict[str, Body] = {
    "full-width-digits": hangzhou("文三路２５９号昌地火炬大厦１号楼１２０３室"),
    "traditional-hao": hangzhou("文三路259號昌地火炬大廈1號樓1203室"),
    "spaces": hangzhou("文三路 259 号 昌地火炬大厦 1号楼 1203室"),
    "another-room": hangzhou("文三路259号昌地火炬大厦1号楼805"),
    "dong-and-unit": hangzhou("文三路259号昌地火炬大厦1栋2单元1203"),
    "chinese-numerals": hangzhou("文三路二百五十九号昌地火炬大厦一号楼1203室"),
    "bare-region-in-detail": hangzhou(f"浙江杭州西湖{BUILDING}"),
    "country-and-region-in-detail": hangzhou(f"中国浙江省杭州市西湖区{BUILDING}"),
    "region-repeated-in-detail": hangzhou(f"浙江省杭州市西湖区{BUILDING}"),
    "short-region-names": hangzhou(BUILDING, province="浙江", city="杭州", district="西湖"),
}


@pytest.mark.parametrize("address", BUILDING_WRITINGS.values(), ids=BUILDING_WRITINGS.keys())
async def test_a_fifth_ant_to_the_building_in_another_writing_completes_the_ring(
    engine: Engine, address: Body
) -> None:
    """Four ants to one building, a fifth to it written another way; each receiver has own name and phone."""
    people = [receiver(60 + i, address=hangzhou(BUILDING)) for i in range(4)]
    people.append(receiver(64, address=address))
    ring = [import_postal(overseas("JP", i % 3), p, 650.0, hours=i * 20) for i, p in enumerate(people)]
    decisions = await run(engine, ring)
    assert none_has(decisions[:4])
    ev = evidence(decisions[4])
    assert (ev["entity"], ev["parcels"], ev["total_value"]) == ("receiver_address", 5, 3250.0)


OTHER_PLACES: dict[str, Body] = {
    "next-building": hangzhou("文三路259号昌地火炬大厦2号楼1203室"),
    "next-door-number": hangzhou("文三路261号昌地火炬大厦1号楼1203室"),
    "other-district": hangzhou(BUILDING, district="拱墅区"),
    "other-city": hangzhou(BUILDING, city="宁波市", district="鄞州区"),
}


@pytest.mark.parametrize("address", OTHER_PLACES.values(), ids=OTHER_PLACES.keys())
async def test_a_fifth_parcel_to_another_building_does_not_complete_the_ring(
    engine: Engine, address: Body
) -> None:
    """Another building, door number, district or city is another receiver address."""
    people = [receiver(70 + i, address=hangzhou(BUILDING)) for i in range(4)]
    people.append(receiver(74, address=address))
    ring = [import_postal(overseas("JP", i % 3), p, 650.0, hours=i * 20) for i, p in enumerate(people)]
    assert none_has(await run(engine, ring))


BEIJING_WRITINGS: dict[str, Body] = {
    # A shipper copying GB/T 2260's placeholder 市辖区 ("city districts") into the city field.
    "city-placeholder": {
        "province": "北京市",
        "city": "市辖区",
        "district": "朝阳区",
        "detail": "建国路93号万达广场8栋502",
    },
    "short-names": {
        "province": "北京",
        "city": "北京",
        "district": "朝阳",
        "detail": "建国路93号万达广场8幢1605",
    },
    "region-in-detail": {
        "province": "北京市",
        "city": "北京市",
        "district": "朝阳区",
        "detail": "北京朝阳建国路93号 万达广场 8号楼 2203",
    },
}


@pytest.mark.parametrize("fields", BEIJING_WRITINGS.values(), ids=BEIJING_WRITINGS.keys())
async def test_a_beijing_building_with_its_region_written_otherwise_is_the_same_building(
    engine: Engine, fields: Body
) -> None:
    """Beijing is its own city: a placeholder, short names or the region in the detail change nothing."""
    base = {
        "country": "CN",
        "province": "北京市",
        "city": "北京市",
        "district": "朝阳区",
        "detail": "建国路93号万达广场8号楼1201",
    }
    people = [receiver(80 + i, address=base) for i in range(4)]
    people.append(receiver(84, address={"country": "CN", **fields}))
    ring = [import_postal(overseas("HK", i % 3), p, 600.0, hours=i * 20) for i, p in enumerate(people)]
    decisions = await run(engine, ring)
    assert none_has(decisions[:4])
    assert evidence(decisions[4])["entity"] == "receiver_address"


HK_BUILDING_WRITINGS: dict[str, tuple[Body, Body]] = {
    # The README's own example: 香港九龍彌敦道88號 is 彌敦道88號 in 九龍.
    "chinese-territory-and-traditional": (
        {"city": "九龍", "district": None, "detail": "彌敦道88號"},
        {"city": None, "district": None, "detail": "香港九龍彌敦道88號3樓"},
    ),
    "chinese-simplified-with-floor": (
        {"city": "九龍", "district": None, "detail": "彌敦道88號"},
        {"city": "九龙", "district": None, "detail": "弥敦道88号12楼B室"},
    ),
    "english-abbreviated-upper-case": (
        {"city": "Hong Kong", "district": "Kowloon", "detail": "Flat B, 12/F, 88 Nathan Road"},
        {"city": None, "district": None, "detail": "RM 1203, 3/F, 88 NATHAN RD., KOWLOON, HONG KONG"},
    ),
}


@pytest.mark.parametrize(("base", "variant"), HK_BUILDING_WRITINGS.values(), ids=HK_BUILDING_WRITINGS.keys())
async def test_an_export_ring_to_one_hong_kong_building_written_two_ways_is_one_receiver(
    engine: Engine, base: Body, variant: Body
) -> None:
    """Five mainland senders export to five people of one Hong Kong building, the fifth written otherwise."""

    def at_building(n: int, fields: Body) -> Body:
        address = {"country": "HK", "province": None, **fields}
        return hk_receiver(name=f"RECEIVER {n}", phone=f"+8529400{n:04d}", address=Whole(address))

    people = [at_building(i, base) for i in range(4)] + [at_building(4, variant)]
    ring = [export(mainland(90 + i), p, 500.0, hours=i * 20) for i, p in enumerate(people)]
    decisions = await run(engine, ring)
    assert none_has(decisions[:4])
    ev = evidence(decisions[4])
    assert (ev["entity"], ev["parcels"], ev["per_parcel_limit"], ev["total_value"]) == (
        "receiver_address",
        5,
        800.0,
        2500.0,
    )


async def test_one_mainland_mobile_receiving_in_hong_kong_and_in_shenzhen_is_one_receiver(
    engine: Engine,
) -> None:
    """Exports to Hong Kong and imports to Shenzhen for one mobile are all cross-border: one receiver."""
    mobile = "13711700000"
    in_hk = Whole(overseas("HK", 30) | {"phone": mobile})  # README: a mainland mobile given abroad
    in_sz = receiver(170, phone=mobile, address=cn_place("广东省", "深圳市", "福田区", "福华路1号1栋"))
    ring = [
        export(mainland(171), in_hk, 600.0, hours=0),
        import_postal(overseas("HK", 1), in_sz, 600.0, hours=10),
        export(mainland(172), in_hk, 600.0, hours=20),
        import_postal(overseas("HK", 2), in_sz, 600.0, hours=30),
        export(mainland(173), in_hk, 600.0, hours=40),
    ]
    decisions = await run(engine, ring)
    assert none_has(decisions[:4])
    ev = evidence(decisions[4])
    assert (ev["entity"], ev["parcels"], ev["distinct_senders"], ev["total_value"]) == (
        "receiver_phone",
        5,
        5,
        3000.0,
    )


async def test_the_evidence_counts_the_key_that_met_the_rule(engine: Engine) -> None:
    """Same ID on five ants but only two on its phone: the ring is the ID's, with the ID's figures."""
    number = citizen(100)
    phones = ["13711600001", "13711600001", "13711600002", "13711600003", "13711600004"]
    people = [
        receiver(100 + i, phone=p, address=cn_place(*CITIES[i]), id_number=number)
        for i, p in enumerate(phones)
    ]
    ring = [import_postal(overseas("HK", i % 3), p, 600.0, hours=i * 20) for i, p in enumerate(people)]
    ev = evidence((await run(engine, ring))[4])
    assert (ev["entity"], ev["parcels"], ev["total_value"]) == ("receiver_id", 5, 3000.0)
    assert set(ev["linked_waybills"]) == numbers(ring[:4])


# L by lane and region ------------------------------------------------------------------------------------

# (label, lane, counterpart country, value of each of five ants, limit, fires)
REGIONS = [
    # GACC 2010 No. 43: 800 to/from Hong Kong, Macau and Taiwan; 5 × 480 = 2,400 = 3 × 800.
    ("import-from-hk", "import", "HK", 480.0, 800.0, True),
    ("import-from-macau", "import", "MO", 480.0, 800.0, True),
    ("import-from-taiwan", "import", "TW", 480.0, 800.0, True),
    ("export-to-macau", "export", "MO", 480.0, 800.0, True),
    ("export-to-taiwan", "export", "TW", 480.0, 800.0, True),
    # 1,000 from elsewhere: 2,400 is not 3 × 1,000, 3,000 is.
    ("import-from-japan-under", "import", "JP", 480.0, 1000.0, False),
    ("import-from-us-under", "import", "US", 480.0, 1000.0, False),
    ("export-to-us-under", "export", "US", 480.0, 1000.0, False),
    ("import-from-us-at", "import", "US", 600.0, 1000.0, True),
    ("export-to-japan-at", "export", "JP", 600.0, 1000.0, True),
]


@pytest.mark.parametrize(
    ("lane", "country", "value", "limit", "fires"), [r[1:] for r in REGIONS], ids=[r[0] for r in REGIONS]
)
async def test_the_limit_follows_the_counterparts_region_in_both_lanes(
    engine: Engine, lane: str, country: str, value: float, limit: float, fires: bool
) -> None:
    """Five ants of one value: weighed against 3 × 800 for HK, Macau and Taiwan, 3 × 1,000 elsewhere."""
    if lane == "import":
        ring = imports(receiver(110), [value] * 5, country=country)
    else:
        far = Whole(overseas(country, 9))
        ring = [export(mainland(110 + i), far, value, hours=i * 20) for i in range(5)]
    decisions = await run(engine, ring)
    assert none_has(decisions[:4])
    assert (RULE in codes(decisions[4])) is fires
    if fires:
        ev = evidence(decisions[4])
        assert (ev["per_parcel_limit"], ev["total_value"]) == (limit, round(5 * value, 2))
        assert ev["thresholds"]["total_value"] == TIMES_L * limit


@pytest.mark.parametrize(
    ("origin", "ant"), [("HK", False), ("JP", True)], ids=["900-from-hk", "900-from-japan"]
)
async def test_900_is_an_ant_from_japan_but_over_the_limit_from_hong_kong(
    engine: Engine, origin: str, ant: bool
) -> None:
    """Four ants of 600 from Hong Kong and a fifth of 900: over 800 from Hong Kong, under 1,000 from Japan."""
    who = receiver(120)
    ring = imports(who, [600.0] * 4)
    ring.append(import_postal(overseas(origin, 5), who, 900.0, hours=90))
    d = (await run(engine, ring))[4]
    assert ("OVER_PERSONAL_LIMIT" in codes(d)) is not ant
    assert (RULE in codes(d)) is ant
    if ant:
        ev = evidence(d)
        assert (ev["parcels"], ev["distinct_senders"], ev["total_value"]) == (5, 4, 3300.0)
        assert ev["per_parcel_limit"] == 1000.0  # the limit of the parcel being decided


async def test_ants_under_different_limits_over_three_times_the_larger_are_a_ring_either_way(
    engine: Engine,
) -> None:
    """Ants from Japan (L 1,000) and Hong Kong (L 800) adding up to over 3,000: held on either kind."""
    who = receiver(130)
    ring = [import_postal(overseas("JP", i), who, 900.0, hours=i * 10) for i in range(4)]  # 3,600
    ring.append(import_postal(overseas("HK", 4), who, 500.0, hours=40))
    ring.append(import_postal(overseas("JP", 5), who, 500.0, hours=50))
    decisions = await run(engine, ring)
    hk, jp = evidence(decisions[4]), evidence(decisions[5])
    assert (hk["parcels"], hk["total_value"], hk["per_parcel_limit"]) == (5, 4100.0, 800.0)
    assert (jp["parcels"], jp["total_value"], jp["per_parcel_limit"]) == (6, 4600.0, 1000.0)
    assert hk["thresholds"]["total_value"] == 2400.0 and jp["thresholds"]["total_value"] == 3000.0


async def test_ants_under_different_limits_under_three_times_the_smaller_are_no_ring(engine: Engine) -> None:
    """Five ants from five regions adding up to 1,950: under 3 × 800, so no ring on any of them."""
    who = receiver(131)
    values = {"HK": 400.0, "JP": 450.0, "MO": 400.0, "TW": 400.0, "US": 300.0}
    ring = [import_postal(overseas(c, i), who, v, hours=i * 10) for i, (c, v) in enumerate(values.items())]
    assert none_has(await run(engine, ring))


async def test_an_organisations_express_import_to_a_ring_receiver_is_weighed_against_the_rings_limit(
    engine: Engine,
) -> None:
    """README: a parcel without a limit, to a ring receiver, is weighed against the ring's largest L."""
    who = receiver(132)
    decisions = await run(engine, imports(who, [700.0] * 5, country="JP"))
    assert RULE in codes(decisions[4])
    shop = Whole(who | {"customer_type": "contract", "contract_id": "C-HZ-0001"})
    d = await score(engine, import_postal(overseas("HK", 6), shop, 100.0, hours=100, channel="express"))
    ev = evidence(d)
    assert (ev["parcels"], ev["total_value"], ev["per_parcel_limit"]) == (5, 3500.0, 1000.0)
    assert d.decision == "hold"


# What does not count: domestic parcels, the receiver's own sending, re-sends, one sender many times ------


async def test_a_domestic_parcel_to_a_ring_receiver_carries_no_ring_reason_and_is_not_linked(
    history_engine: Engine,
) -> None:
    """Domestic parcels are not cross-border: never an ant, never held as one, never in the evidence."""
    who = receiver(140)
    ring = imports(who, [600.0] * 4, step_h=10)
    home = waybill(hours_after=35, sender=mainland(141), receiver=who, items=goods(600.0))
    fifth = import_postal(overseas("HK", 5), who, 600.0, hours=45)
    after = waybill(hours_after=50, sender=mainland(142), receiver=who, items=goods(600.0))
    decisions = await run(history_engine, [*ring, home, fifth, after])
    assert none_has(decisions[:5])  # four ants and one domestic parcel
    ev = evidence(decisions[5])
    assert (ev["parcels"], ev["total_value"]) == (5, 3000.0)
    assert set(ev["linked_waybills"]) == numbers(ring)
    assert RULE not in codes(decisions[6]) and decisions[6].decision == "release"


async def test_domestic_parcels_from_three_senders_are_no_ring(engine: Engine) -> None:
    """Five domestic parcels of 700 from three senders to one receiver: no customs limit, no ring."""
    who = receiver(143)
    parcels = [
        waybill(hours_after=i * 10, sender=mainland(143 + i % 3), receiver=who, items=goods(700.0))
        for i in range(6)
    ]
    decisions = await run(engine, parcels)
    assert none_has(decisions) and all(d.decision == "release" for d in decisions)


async def test_the_receivers_own_exports_do_not_count_as_parcels_received(engine: Engine) -> None:
    """The person sends five exports with the same ID, phone and building: they are not parcels received."""
    number = citizen(150)
    me = receiver(150, id_number=number)
    as_sender = Whole(mainland(150) | {"phone": me["phone"], "address": me["address"], "id_number": number})
    sent = [export(as_sender, overseas("HK", i), 600.0, hours=i * 5) for i in range(5)]
    received = imports(me, [600.0] * 4, step_h=10, start_h=30)
    decisions = await run(engine, [*sent, *received])
    assert none_has(decisions)  # five sent and four received
    fifth = await score(engine, import_postal(overseas("HK", 7), me, 600.0, hours=80))
    ev = evidence(fifth)
    assert (ev["parcels"], ev["total_value"]) == (5, 3000.0)
    assert set(ev["linked_waybills"]) == numbers(received)


async def test_a_ring_receivers_own_export_is_not_held_as_a_receivers_ant(engine: Engine) -> None:
    """After collecting a ring, the receiver sends one parcel abroad: as its sender, not its receiver."""
    number = citizen(151)
    me = receiver(151, id_number=number)
    decisions = await run(engine, imports(me, [600.0] * 5))
    assert RULE in codes(decisions[4])
    as_sender = Whole(mainland(151) | {"phone": me["phone"], "address": me["address"], "id_number": number})
    out = await score(engine, export(as_sender, overseas("HK", 8), 600.0, hours=90))
    assert RULE not in codes(out) and "ANT_MOVING_SENDER" not in codes(out)


async def test_re_sent_parcels_count_once_for_the_receiver(history_engine: Engine) -> None:
    """Four ants each sent three times are four parcels; the fifth makes five, not thirteen."""
    ring = imports(receiver(160), [600.0] * 5)
    for wb in ring[:4]:
        for _ in range(3):
            assert RULE not in codes(await score(history_engine, wb))
    ev = evidence(await score(history_engine, ring[4]))
    assert (ev["parcels"], ev["total_value"], ev["distinct_senders"]) == (5, 3000.0, 3)


async def test_an_ant_corrected_over_the_limit_leaves_the_receivers_ring(engine: Engine) -> None:
    """Contract, idempotency: a re-sent body with a corrected value replaces the parcel's contribution."""
    who = receiver(161)
    ring = imports(who, [600.0] * 6)
    await run(engine, ring[:4])
    corrected = {**ring[1], "items": [item(quantity=2, unit_value=450.0)], "declared_value": 900.0}
    assert "OVER_PERSONAL_LIMIT" in codes(await score(engine, corrected))
    assert RULE not in codes(await score(engine, ring[4]))  # three ants left and the fifth: four
    ev = evidence(await score(engine, ring[5]))
    assert (ev["parcels"], ev["total_value"]) == (5, 3000.0)
    assert ring[1]["waybill_no"] not in ev["linked_waybills"]


async def test_a_batch_counts_its_earlier_ants_and_not_its_invalid_waybill(history_engine: Engine) -> None:
    """Contract: a batch is scored in request order; an invalid waybill fails alone and counts nowhere."""
    who = receiver(162)
    ring = imports(who, [600.0] * 6, step_h=10)
    ring[3] = {**ring[3], "declared_value": 599.0}  # not Σ quantity × unit_value: a 422 in its slot
    out = await history_engine.decide_batch(ring)
    decisions = [d for d in out if isinstance(d, Decision)]
    assert [isinstance(d, Decision) for d in out] == [True, True, True, False, True, True]
    assert none_has(decisions[:4])  # the fifth waybill is the fourth ant
    ev = evidence(decisions[4])
    assert (ev["parcels"], ev["total_value"]) == (5, 3000.0)
    assert set(ev["linked_waybills"]) == numbers([*ring[:3], ring[4]])


@pytest.mark.parametrize(("people", "fires"), [(2, False), (3, True)], ids=["two-ids", "three-ids"])
async def test_a_mainland_sender_behind_new_phones_is_one_sender(
    engine: Engine, people: int, fires: bool
) -> None:
    """Exports to one HK receiver from `people` IDs, each parcel from a new phone: the senders are the IDs."""
    far = Whole(overseas("HK", 20))
    ring = [
        export(mainland(170 + i % people, phone=f"1591700{i:04d}"), far, 600.0, hours=i * 10)
        for i in range(5)
    ]
    d = (await run(engine, ring))[4]
    assert (RULE in codes(d)) is fires
    if fires:
        assert evidence(d)["distinct_senders"] == 3


async def test_a_sender_who_shows_an_id_on_one_parcel_is_still_one_sender(engine: Engine) -> None:
    """Two Hong Kong shops; one shows its passport on one parcel, not on the others: two senders, no ring."""
    who = receiver(180)
    shop_a, shop_b = overseas("HK", 1), overseas("HK", 2)
    with_passport = Whole(shop_a | {"id_type": "passport", "id_number": "K1234567"})
    senders = [with_passport, shop_a, shop_a, shop_b, shop_b]
    ring = [import_postal(s, who, 600.0, hours=i * 10) for i, s in enumerate(senders)]
    decisions = await run(engine, ring)
    assert none_has(decisions)


# Evidence and sentences ---------------------------------------------------------------------------------


async def test_the_evidence_holds_every_figure_behind_the_hold(history_engine: Engine) -> None:
    """Key, window, counts, senders, total, the limit, near-limit ants, thresholds and the other ants."""
    who = receiver(190)
    values = [300.0, 750.5, 500.0, 730.0, 120.0]  # 2,400.5 ≥ 2,400; 750.5 and 730 in [720, 800)
    ring = [import_postal(overseas("HK", i % 4), who, v, hours=i * 30) for i, v in enumerate(values)]
    decisions = await run(history_engine, ring)
    assert none_has(decisions[:4])
    r = the_reason(decisions[4])
    assert r.outcome == "hold" and decisions[4].decision == "hold"
    ev = r.evidence
    assert ev["entity"] in {"receiver_phone", "receiver_address"}  # both tie these five
    assert (ev["window"], ev["parcels"], ev["distinct_senders"]) == ("7d", 5, 4)
    assert (ev["total_value"], ev["per_parcel_limit"], ev["near_limit_parcels"]) == (2400.5, 800.0, 2)
    assert ev["thresholds"] == {"parcels": PARCELS, "distinct_senders": SENDERS, "total_value": 2400.0}
    assert sorted(ev["linked_waybills"]) == sorted(numbers(ring[:4]))
    assert ring[4]["waybill_no"] not in ev["linked_waybills"]


# (label, ID shared, phone shared, building shared, entity, zh name, en name)
KEYS = [
    ("by-id", True, False, False, "receiver_id", "收件人证件", "receiver ID"),
    ("by-phone", False, True, False, "receiver_phone", "收件人电话", "receiver phone"),
    ("by-address", False, False, True, "receiver_address", "收件地址", "receiver address"),
]


@pytest.mark.parametrize(
    ("same_id", "same_phone", "same_building", "entity", "zh", "en"),
    [k[1:] for k in KEYS],
    ids=[k[0] for k in KEYS],
)
async def test_the_sentences_name_the_key_counts_senders_and_total(
    engine: Engine, same_id: bool, same_phone: bool, same_building: bool, entity: str, zh: str, en: str
) -> None:
    """The Chinese and English sentences say which key, how many parcels from how many senders, how much."""
    people = [
        receiver(
            200 + i,
            phone="13712000000" if same_phone else None,
            address=hangzhou(BUILDING) if same_building else cn_place(*CITIES[i]),
            id_number=citizen(200) if same_id else None,
        )
        for i in range(5)
    ]
    values = [650.0, 700.0, 640.0, 660.0, 670.25]  # 3,320.25 from Japan: over 3 × 1,000
    ring = [
        import_postal(overseas("JP", i % 3), p, v, hours=i * 20)
        for i, (p, v) in enumerate(zip(people, values, strict=True))
    ]
    r = the_reason((await run(engine, ring))[4])
    assert r.evidence["entity"] == entity
    total = "3,320.25"  # thousands separated, cents kept
    assert r.message == f"该收件人（{zh}）7天内收到3个不同寄件人的5件跨境包裹，单件均低于限值，合计{total}元"
    assert r.message_en == (
        f"Receiver ({en}) got 5 cross-border parcels from 3 senders in 7 days, "
        f"each under the per-parcel limit, {total} CNY in total"
    )


async def test_a_cbec_rings_sentence_writes_its_total_with_thousands(engine: Engine) -> None:
    """A cbec ring of 15,000 CNY is written 15,000 in both sentences, not 15000.0."""
    who = receiver(210, id_number=citizen(210))
    r = the_reason((await run(engine, imports(who, [3000.0] * 5, channel="cbec")))[4])
    assert "合计15,000元" in r.message and "15,000 CNY in total" in r.message_en
    assert "15000" not in r.message + r.message_en


async def test_the_ring_reason_comes_before_the_inspections_it_rides_with(engine: Engine) -> None:
    """Near-limit ants are also a NEAR_LIMIT_SPLIT (inspect): the hold reason is listed first."""
    decisions = await run(engine, imports(receiver(220), [790.0] * 5))
    d = decisions[4]
    assert {RULE, "NEAR_LIMIT_SPLIT"} <= codes(d)
    order = [r.code for r in d.reasons]
    assert order.index(RULE) < order.index("NEAR_LIMIT_SPLIT")
    assert [r.outcome for r in d.reasons] == sorted(
        (r.outcome for r in d.reasons), key=["reject", "hold", "inspect", "release"].index
    )
    assert d.decision == "hold"


async def test_the_linked_waybills_stop_at_the_policys_maximum(engine: Engine, policy: Policy) -> None:
    """A receiver of 23 ants in a week: all 23 counted, at most `linked_max` (20) other parcels named."""
    ring = imports(receiver(230), [300.0] * 23, step_h=5)
    ev = evidence((await run(engine, ring))[22])
    assert ev["parcels"] == 23 and ev["total_value"] == 6900.0
    assert len(ev["linked_waybills"]) == policy.history.linked_max == 20
    assert set(ev["linked_waybills"]) <= numbers(ring[:22])


def test_a_ring_receivers_hold_over_http_opens_a_case_and_shows_the_reason(client: ScoringClient) -> None:
    """Over POST /v1/score the fifth ant is held with a case, the reason in the contract's shape."""
    who = receiver(240)
    bodies = [client.score(wb) for wb in imports(who, [600.0] * 5)]
    assert all(b["decision"] == "release" and b["case_id"] is None for b in bodies[:4])
    last = bodies[4]
    assert last["decision"] == "hold" and last["case_id"]
    [r] = [r for r in last["reasons"] if r["code"] == RULE]
    assert set(r) >= {"code", "outcome", "message", "message_en", "evidence"}
    assert r["outcome"] == "hold"
    assert (r["evidence"]["parcels"], r["evidence"]["distinct_senders"], r["evidence"]["total_value"]) == (
        5,
        3,
        3000.0,
    )
