"""Who is the same entity, as the history rules count it: one phone, building, person, goods description or
payment account written in different forms on different parcels.

Written from the README ("Who is the same entity": one building however it is typed — 号楼 / 栋 / 幢, A座,
full-width digits, flats and floors dropped; abroad, flat and floor words dropped and a Chinese-written
detail read in Chinese order with its territory name dropped; one phone however it is typed — +86, 0086,
separators, full-width digits, a mainland landline typed without its area code taking the code of the
address's city, so that 6552 9988 in Beijing is 010-6552 9988 and in Shanghai another phone; "One citizen
number is one person: a temporary ID, and a Hong Kong, Macau or Taiwan residence permit (numbered 81/82/83…
as a resident ID), match the resident ID of the same number"; the distinct senders of a receiver and the
distinct receivers of a sender are "people named alike on each parcel: by the ID the lane asks for, the
sender's under real-name pickup or the buyer's on cbec imports, else by phone"; "Goods are one description
however they are cased, spaced or punctuated"; history kept per entity: sender ID and phone, sender and
receiver building, receiver ID and phone, payment account, buyer IP; PRIOR_VIOLATIONS adds up a party's
violations under its ID and its phone, one violation recorded under both counting once), from
../shared/domain/RULES.md §1 (the accepted documents) and §3 (ANT_MOVING_SENDER, ANT_MOVING_RECEIVER,
NEAR_LIMIT_SPLIT, SAME_GOODS_FANOUT, CBEC_ANNUAL_LIMIT, VELOCITY_SPIKE, WATCHLIST_HIT, PRIOR_VIOLATIONS and
their thresholds) and ../shared/contract/README.md (Party.phone, id_type and id_number;
Order.payment_account).

tests/screening/test_scenarios_entities.py, test_scenarios_evasion.py, test_scenarios_documents.py and
test_scenarios_metamorphic.py already join writings for the ant-moving rings, watch lists and one-violation
cases; this file takes the forms through the rules they leave out: the velocity median, near-limit splits
and same-goods fan-out by phone, building, ID and account; prior violations that add up over forms; the
counterparts a rule counts (distinct senders and receivers) when one person writes their ID otherwise.

Readings used here, where the sources leave a choice:
- The README counts an address at building level ("flats and floors dropped"), so another room or floor of
  one building is the same address. The look-alikes that must stay apart are therefore another building,
  another door number, another phone (another digit, another area code, another country code), another
  document, another account, and an identifier of another kind (a phone is not an account).
- A name identifies nobody: two people called alike are two people, one ID under many names is one.
- "However it is spaced" covers a space between a quantity and its unit (500 ml, 500ml) as it covers the
  spaces between words.
"""

from typing import Any

import pytest

from screening.contract import Decision
from screening.engine import Engine
from screening.watchlists import ListEntry
from tests.factories import Whole, cn_receiver, export_postal, hk_receiver, party, resident_id, waybill
from tests.screening.test_scenarios import codes, score
from tests.screening.test_scenarios_documents import cbec_purchase, gb11643, with_x
from tests.screening.test_scenarios_edges import abroad
from tests.screening.test_scenarios_entities import address_entry, cn_address, hits, ring_to, violation
from tests.screening.test_scenarios_rings import (
    domestic,
    export,
    goods,
    import_postal,
    mainland,
    numbers,
    run,
)
from tests.screening.test_scenarios_velocity import BURST, MINUTE, habit, none_spike, seed, spike

pytestmark = pytest.mark.anyio

Body = dict[str, Any]
Fields = tuple[str, str, str, str]  # province, city, district, detail

# Within the year before the factories' pickup day (2026-11-11).
SPRING = "2026-03-01T10:00:00+08:00"
AUTUMN = "2026-09-01T10:00:00+08:00"

# Mainland places of five receivers who share nothing but what a test gives them.
CITIES: list[tuple[str, str, str]] = [
    ("浙江省", "杭州市", "西湖区"),
    ("江苏省", "南京市", "鼓楼区"),
    ("广东省", "广州市", "天河区"),
    ("四川省", "成都市", "武侯区"),
    ("湖北省", "武汉市", "江汉区"),
]

# A citizen number whose check character is X, so that its case can differ between writings.
CITIZEN = with_x("330106", "19870707")
# Residence permits of Hong Kong (81…) and Taiwan (83…) residents, numbered as resident IDs.
HK_PERMIT = with_x("810000", "19900101")
TW_PERMIT = gb11643("83000019750315004")


# Helpers ------------------------------------------------------------------------------------------------


def evidence(d: Decision, code: str) -> dict[str, Any]:
    """The evidence of a reason the decision must carry."""
    assert code in codes(d), f"{code} not in {sorted(codes(d))} ({d.decision})"
    return next(r.evidence for r in d.reasons if r.code == code)


def has(decisions: list[Decision], code: str) -> list[bool]:
    """Whether each decision carries a reason code."""
    return [code in codes(d) for d in decisions]


def hired(n: int, **changes: Any) -> Body:
    """The n-th mainland person: own name, phone, resident ID and home, unless changes say otherwise."""
    home = {"address": {"detail": f"莘庄路{n + 1}号{n % 9 + 1}号楼201室"}}
    return mainland(n, **(home | changes))


def receiver_in(n: int, place: Fields, phone: str, **changes: Any) -> Body:
    """The n-th mainland receiver at an address given field by field, with the phone given."""
    fields: Body = {"name": f"收件人{n}", "phone": phone, "address": cn_address(place)}
    return cn_receiver(**(fields | changes))


def city_place(i: int, detail: str | None = None) -> Fields:
    """A building in the i-th of CITIES."""
    return (*CITIES[i % len(CITIES)], detail or f"人民路{i + 1}号{i + 2}栋")


def receiver_abroad(n: int, phone: str, address: Body | None = None) -> Body:
    """The n-th receiver in Hong Kong (its own building unless one is given), with the phone given."""
    where = address or {
        "country": "HK",
        "city": "Hong Kong",
        "district": "Kowloon",
        "detail": f"{n} Canton Road",
    }
    return hk_receiver(name=f"RECEIVER {n}", phone=phone, address=Whole(where))


def cbec_import(sender: Body, buyer: Body, value: float, *, hours: float = 0.0, **changes: Any) -> Body:
    """A cross-border e-commerce import of one article to a mainland buyer."""
    fields: Body = {
        "hours_after": hours,
        "service": "import",
        "channel": "cbec",
        "sender": sender,
        "receiver": buyer,
        "items": goods(value),
        "weight_kg": 0.5,
    }
    return waybill(**(fields | changes))


def buyer(n: int, id_type: str, id_number: str, **changes: Any) -> Body:
    """The n-th writing of a mainland buyer: own phone and city each time, the document as given."""
    fields: Body = {"phone": f"1370033{n:04d}", "id_type": id_type, "id_number": id_number}
    return receiver_in(n, city_place(n), **(fields | changes))


def id_ref(id_type: str, number: str) -> Body:
    """An identity document as an officer records it."""
    return {"kind": "id", "id_type": id_type, "value": number}


def listed(entry: Body, name: str = "watch") -> ListEntry:
    """A list entry of any kind."""
    return ListEntry.model_validate({**entry, "list": name})


# The forms of CITIZEN one person gives on successive parcels: resident or temporary ID, X or x.
CITIZEN_FORMS = [
    ("resident_id", CITIZEN),
    ("temporary_id", CITIZEN.lower()),
    ("resident_id", CITIZEN.lower()),
    ("temporary_id", CITIZEN),
    ("resident_id", CITIZEN),
    ("temporary_id", CITIZEN.lower()),
]


# 1. One phone ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("habit_phone", "burst_phones", "fires"),
    [
        pytest.param(
            "15800097101",
            ["+86 158 0009 7101", "0086 15800097101", "158-0009-7101", "１５８０００９７１０１"],
            True,
            id="plain-habit-burst-in-four-writings",
        ),
        pytest.param("+86 158-0009-7101", ["15800097101"], True, id="international-habit-plain-burst"),
        pytest.param(
            "１５８ ０００９ ７１０１", ["(+86)15800097101", "8615800097101"], True, id="full-width-habit"
        ),
        pytest.param("15800097101", ["15800097102", "+86 158 0009 7102"], False, id="burst-one-digit-away"),
    ],
)
async def test_a_seasoned_phone_in_other_writings_is_one_velocity_history(
    engine: Engine, habit_phone: str, burst_phones: list[str], fires: bool
) -> None:
    """VELOCITY_SPIKE (14 days, 20 in 24 h, 5x the median) counts one phone however typed."""
    await seed(engine, habit(mainland(700, phone=habit_phone), days=16, per_day=1))
    hired_burst = [
        domestic(mainland(720 + k, phone=burst_phones[k % len(burst_phones)]), BURST + k * 3 * MINUTE)
        for k in range(20)
    ]
    decisions = await run(engine, hired_burst)
    assert none_spike(decisions[:19])
    if not fires:  # another phone: a newcomer, never a spike
        assert none_spike(decisions)
        return
    ev = spike(decisions[19]).evidence
    assert (ev["entity"], ev["parcels_24h"], ev["daily_median"]) == ("sender_phone", 20, 1.0)
    assert decisions[19].decision == "inspect"


@pytest.mark.parametrize(
    ("phones", "fires"),
    [
        pytest.param(["13512347700", "+86 135 1234 7700", "0086-135-1234-7700"], True, id="three-writings"),
        pytest.param(
            ["１３５１２３４７７００", "(+86)13512347700", "135 1234 7700"], True, id="full-width-first"
        ),
        pytest.param(["13512347700", "+86 135 1234 7700", "135 1234 7701"], False, id="third-one-digit-away"),
    ],
)
async def test_hired_senders_on_one_phone_in_three_writings_are_one_near_limit_splitter(
    engine: Engine, phones: list[str], fires: bool
) -> None:
    """NEAR_LIMIT_SPLIT: 3 parcels in [0.9 L, L) in 7 days of one sender phone, however typed."""
    trio = [
        export(hired(100 + i, phone=p), abroad("HK", 40 + i), 760.0, hours=i * 30)
        for i, p in enumerate(phones)
    ]
    decisions = await run(engine, trio)
    assert not any(has(decisions[:2], "NEAR_LIMIT_SPLIT"))
    if not fires:
        assert "NEAR_LIMIT_SPLIT" not in codes(decisions[2])
        return
    ev = evidence(decisions[2], "NEAR_LIMIT_SPLIT")
    assert (ev["entity"], ev["near_limit_parcels"], ev["band"]) == ("sender_phone", 3, [720.0, 800.0])
    assert set(ev["linked_waybills"]) == numbers(trio[:2])


# Shenzhen buildings: only the landline ties their receivers.
SHENZHEN = ("广东省", "深圳市", "南山区")


@pytest.mark.parametrize(
    ("third", "fires"),
    [
        pytest.param((*SHENZHEN, "科苑路8号2栋"), True, id="bare-digits-in-shenzhen"),
        pytest.param(("广东省", "广州市", "天河区", "体育西路8号2栋"), False, id="bare-digits-in-guangzhou"),
    ],
)
async def test_a_landline_without_its_area_code_joins_a_near_limit_receiver_in_its_city_only(
    engine: Engine, third: Fields, fires: bool
) -> None:
    """README: a landline typed without its area code takes the code of the address's city."""
    receivers = [
        receiver_in(0, (*SHENZHEN, "科苑路1号1栋"), "0755-8600 1234"),
        receiver_in(1, (*SHENZHEN, "科苑路5号3栋"), "+86 755 8600 1234"),
        receiver_in(2, third, "8600 1234"),
    ]
    trio = [import_postal(abroad("JP", i), r, 950.0, hours=i * 30) for i, r in enumerate(receivers)]
    decisions = await run(engine, trio)
    if not fires:
        assert not any(has(decisions, "NEAR_LIMIT_SPLIT"))
        return
    ev = evidence(decisions[2], "NEAR_LIMIT_SPLIT")
    assert (ev["entity"], ev["near_limit_parcels"], ev["per_parcel_limit"]) == ("receiver_phone", 3, 1000.0)


async def test_same_goods_to_one_phone_in_five_writings_in_five_cities_is_a_fanout(
    history_engine: Engine,
) -> None:
    """SAME_GOODS_FANOUT: 5 parcels of one goods to one receiver phone (5 writings) from 3 senders."""
    phones = [
        "13711447700",
        "+86 137 1144 7700",
        "0086 137-1144-7700",
        "１３７１１４４７７００",
        "(86)13711447700",
    ]
    receivers = [receiver_in(i, city_place(i), p) for i, p in enumerate(phones)]
    ring = ring_to(receivers, value=150.0, step_h=20.0)
    decisions = await run(history_engine, ring)
    assert not any(has(decisions[:4], "SAME_GOODS_FANOUT"))
    ev = evidence(decisions[4], "SAME_GOODS_FANOUT")
    assert (ev["entity"], ev["parcels"], ev["counterparts"]) == ("receiver_phone", 5, 3)
    assert set(ev["linked_waybills"]) == numbers(ring[:4])
    assert "ANT_MOVING_RECEIVER" not in codes(decisions[4])


# (province, city, district, area code, local digits), each local number valid in its city.
LANDLINE_CITIES = [
    pytest.param(("上海市", "上海市", "徐汇区"), "21", "6552 9988", id="shanghai-021"),
    pytest.param(SHENZHEN, "755", "8600 1234", id="shenzhen-0755"),
    pytest.param(("广东省", "广州市", "天河区"), "20", "8600 1234", id="guangzhou-020"),
    pytest.param(("浙江省", "杭州市", "西湖区"), "571", "8765 4321", id="hangzhou-0571"),
]


@pytest.mark.parametrize(("city", "code", "local"), LANDLINE_CITIES)
async def test_a_fifth_ant_to_the_landline_typed_without_its_area_code_completes_the_ring(
    engine: Engine, city: tuple[str, str, str], code: str, local: str
) -> None:
    """ANT_MOVING_RECEIVER by phone: a bare landline in its city is the landline with its code."""
    digits = local.replace(" ", "")
    with_code = [f"0{code}-{local}", f"+86 {code} {local}", f"(0{code}){digits}", f"0086 {code} {digits}"]
    receivers = [receiver_in(i, (*city, f"中山路{i + 1}号{i + 1}栋"), p) for i, p in enumerate(with_code)]
    receivers.append(receiver_in(4, (*city, "中山路9号9栋"), local))
    decisions = await run(engine, ring_to(receivers))
    assert not any(has(decisions[:4], "ANT_MOVING_RECEIVER"))
    ev = evidence(decisions[4], "ANT_MOVING_RECEIVER")
    assert (ev["entity"], ev["parcels"], ev["distinct_senders"]) == ("receiver_phone", 5, 3)
    assert decisions[4].decision == "hold"


@pytest.mark.parametrize(
    ("first", "code", "local", "fifth"),
    [
        pytest.param(
            SHENZHEN, "755", "8600 1234", ("广东省", "广州市", "天河区"), id="shenzhen-then-guangzhou"
        ),
        pytest.param(
            ("上海市", "上海市", "徐汇区"),
            "21",
            "6552 9988",
            ("浙江省", "杭州市", "西湖区"),
            id="shanghai-then-hangzhou",
        ),
    ],
)
async def test_the_same_local_digits_in_another_city_do_not_complete_the_ring(
    engine: Engine, first: tuple[str, str, str], code: str, local: str, fifth: tuple[str, str, str]
) -> None:
    """README: 6552 9988 in Beijing is 010-6552 9988, and in Shanghai another phone."""
    receivers = [receiver_in(i, (*first, f"中山路{i + 1}号{i + 1}栋"), f"0{code}-{local}") for i in range(4)]
    receivers.append(receiver_in(4, (*fifth, "中山路9号9栋"), local))
    decisions = await run(engine, ring_to(receivers))
    assert not any(has(decisions, "ANT_MOVING_RECEIVER"))


async def test_a_bare_landline_in_a_city_typed_in_traditional_characters_takes_its_area_code(
    engine: Engine,
) -> None:
    """README: a bare landline takes its city's code; 廣州市 is Guangzhou (code 020)."""
    guangzhou = ("广东省", "广州市", "天河区")
    receivers = [
        receiver_in(i, (*guangzhou, f"体育西路{i + 1}号{i + 1}栋"), "020-8600 1234") for i in range(4)
    ]
    receivers.append(receiver_in(4, ("廣東省", "廣州市", "天河區", "體育西路9號9棟"), "8600 1234"))
    decisions = await run(engine, ring_to(receivers))
    ev = evidence(decisions[4], "ANT_MOVING_RECEIVER")
    assert (ev["entity"], ev["parcels"]) == ("receiver_phone", 5)


@pytest.mark.parametrize(
    ("fifth", "fires"),
    [
        pytest.param(receiver_abroad(5, "00852 6123 4567"), True, id="hong-kong-dialled-00852"),
        pytest.param(
            receiver_abroad(5, "+853 6123 4567", {"country": "MO", "city": "Macau", "detail": "Rua 5"}),
            False,
            id="same-digits-in-macau",
        ),
    ],
)
async def test_the_same_digits_under_another_country_code_are_another_receiver(
    engine: Engine, fifth: Body, fires: bool
) -> None:
    """README: +852 dialled as 00852 is one phone; the same digits under +853 are another."""
    receivers = [receiver_abroad(i, "+852 6123 4567") for i in range(4)] + [fifth]
    ring = [export(hired(200 + i), r, 500.0, hours=i * 10) for i, r in enumerate(receivers)]
    decisions = await run(engine, ring)
    assert not any(has(decisions[:4], "ANT_MOVING_RECEIVER"))
    if not fires:
        assert "ANT_MOVING_RECEIVER" not in codes(decisions[4])
        return
    ev = evidence(decisions[4], "ANT_MOVING_RECEIVER")
    assert (ev["entity"], ev["parcels"], ev["distinct_senders"], ev["total_value"]) == (
        "receiver_phone",
        5,
        5,
        2500.0,
    )


@pytest.mark.parametrize(
    ("second", "count", "decision"),
    [
        pytest.param("0086 137-0011-2233", 2, "hold", id="second-in-another-writing"),
        pytest.param("13700112234", 1, "inspect", id="second-on-another-number"),
    ],
)
async def test_violations_recorded_on_a_phone_in_two_writings_add_up(
    engine: Engine, second: str, count: int, decision: str
) -> None:
    """PRIOR_VIOLATIONS: two within a year hold, one inspects; one phone however typed."""
    await engine.record_violations(
        [
            violation({"kind": "phone", "value": "+86 137 0011 2233"}, SPRING, "SF:SF0000000301"),
            violation({"kind": "phone", "value": second}, AUTUMN, "SF:SF0000000302"),
        ]
    )
    d = await score(engine, waybill(receiver=cn_receiver(phone="１３７００１１２２３３")))
    ev = evidence(d, "PRIOR_VIOLATIONS")
    assert (ev["entity"], ev["violations"], d.decision) == ("receiver_phone", count, decision)


@pytest.mark.parametrize(
    ("address", "fires"),
    [
        pytest.param({}, True, id="sender-in-shanghai"),
        pytest.param(
            {"province": "北京市", "city": "北京市", "district": "朝阳区", "detail": "建国路93号8号楼"},
            False,
            id="sender-in-beijing",
        ),
    ],
)
async def test_a_violation_of_a_landline_with_its_area_code_reaches_its_bare_digits_in_that_city(
    engine: Engine, address: Body, fires: bool
) -> None:
    """README: list a landline with its area code; its bare digits match in that city only."""
    await engine.record_violations(
        [violation({"kind": "phone", "value": "021-6552 9988"}, AUTUMN, "SF:SF0000000303")]
    )
    d = await score(engine, waybill(sender=party(phone="6552 9988", address=address)))
    if not fires:
        assert "PRIOR_VIOLATIONS" not in codes(d)
        return
    ev = evidence(d, "PRIOR_VIOLATIONS")
    assert (ev["entity"], ev["violations"], d.decision) == ("sender_phone", 1, "inspect")


# 2. One building ------------------------------------------------------------------------------------------

NANJING = ("江苏省", "南京市", "鼓楼区")
APARTMENT = (*NANJING, "中山北路30号紫金公寓5栋2单元1203室")


@pytest.mark.parametrize(
    "detail",
    [
        pytest.param("中山北路30号紫金公寓5栋12层1203", id="floor-ceng"),
        pytest.param("中山北路30号紫金公寓5号楼1203房", id="hao-lou-room-fang"),
        pytest.param("中山北路30号紫金公寓5栋1203号", id="room-with-hao"),
        pytest.param("中山北路30號紫金公寓5棟第十二層", id="traditional-ordinal-floor"),
        pytest.param("中山北路30号紫金公寓5#B1层", id="hash-basement-floor"),
        pytest.param("中山北路30号紫金公寓5栋1203户", id="flat-hu"),
        pytest.param("中山北路３０号紫金公寓５座 12F", id="full-width-zuo-floor-f"),
        pytest.param("中山北路30号紫金公寓五幢1203室", id="chinese-numeral-zhuang"),
    ],
)
async def test_a_third_near_limit_parcel_to_another_floor_or_flat_of_the_building_is_a_split(
    engine: Engine, detail: str
) -> None:
    """NEAR_LIMIT_SPLIT by receiver building: flats and floors dropped, 号/號, 栋/幢/座/#."""
    places = [APARTMENT, (*NANJING, "中山北路30号紫金公寓5栋1单元302"), (*NANJING, detail)]
    receivers = [receiver_in(i, p, f"1391030{i:04d}") for i, p in enumerate(places)]
    trio = ring_to(receivers, value=950.0, step_h=30.0)
    decisions = await run(engine, trio)
    assert not any(has(decisions[:2], "NEAR_LIMIT_SPLIT"))
    ev = evidence(decisions[2], "NEAR_LIMIT_SPLIT")
    assert (ev["entity"], ev["near_limit_parcels"]) == ("receiver_address", 3)
    assert set(ev["linked_waybills"]) == numbers(trio[:2])


@pytest.mark.parametrize(
    "detail",
    [
        pytest.param("中山北路30号紫金公寓6栋1203号", id="next-building-room-with-hao"),
        pytest.param("中山北路32号紫金公寓5栋1203号", id="next-door-number"),
        pytest.param("中山北路30号紫金公寓15栋12层1203", id="building-fifteen"),
    ],
)
async def test_a_third_near_limit_parcel_to_another_building_is_no_split(engine: Engine, detail: str) -> None:
    """Another building or door number is another address: two near-limit parcels are not three."""
    places = [APARTMENT, (*NANJING, "中山北路30号紫金公寓5栋1单元302"), (*NANJING, detail)]
    receivers = [receiver_in(i, p, f"1391031{i:04d}") for i, p in enumerate(places)]
    decisions = await run(engine, ring_to(receivers, value=950.0, step_h=30.0))
    assert not any(has(decisions, "NEAR_LIMIT_SPLIT"))


@pytest.mark.parametrize(
    ("entry", "written"),
    [
        pytest.param(
            {"country": "HK", "city": "Hong Kong", "district": "Wan Chai", "detail": "99 Queen's Road East"},
            {"country": "HK", "detail": "Flat A, 12/F, 99 Queen's Road East, Wan Chai, Hong Kong"},
            id="queens-road-east-wan-chai",
        ),
        pytest.param(
            {
                "country": "HK",
                "city": "Hong Kong",
                "district": "Central",
                "detail": "99 Queen's Road Central",
            },
            {"country": "HK", "detail": "Flat A, 12/F, 99 Queen's Road Central, Central, Hong Kong"},
            id="queens-road-central-central",
        ),
    ],
)
async def test_a_listed_building_in_hong_kong_matches_its_district_typed_into_the_detail(
    engine: Engine, entry: Body, written: Body
) -> None:
    """README: one building however typed; a HK district in its field or in the detail."""
    await engine.set_listed([address_entry(entry)])
    d = await score(engine, export_postal(receiver=hk_receiver(address=Whole(written))))
    assert (d.decision, hits(d)) == ("hold", [("receiver_address", ["watch"])])


@pytest.mark.parametrize(
    ("entry", "written"),
    [
        pytest.param(
            {"country": "HK", "city": "Hong Kong", "district": "Kowloon", "detail": "88 Nathan Road"},
            {
                "country": "HK",
                "city": "Hong Kong",
                "district": "Kowloon",
                "detail": "12th Floor, 88 Nathan Road",
            },
            id="hong-kong-12th-floor",
        ),
        pytest.param(
            {"country": "JP", "province": "Tokyo", "city": "Minato-ku", "detail": "3-2-1 Roppongi"},
            {
                "country": "JP",
                "province": "Tokyo",
                "city": "Minato-ku",
                "detail": "3-2-1 Roppongi, 3rd Floor",
            },
            id="japan-3rd-floor",
        ),
        pytest.param(
            {"country": "HK", "city": "Hong Kong", "district": "Kowloon", "detail": "88 Nathan Road"},
            {"country": "HK", "city": "Hong Kong", "district": "Kowloon", "detail": "12F, 88 Nathan Road"},
            id="hong-kong-12F",
        ),
        pytest.param(
            {"country": "JP", "province": "Tokyo", "city": "Minato-ku", "detail": "3-2-1 Roppongi"},
            {"country": "JP", "province": "Tokyo", "city": "Minato-ku", "detail": "3-2-1 Roppongi 3F"},
            id="japan-3F",
        ),
    ],
)
async def test_a_floor_abroad_in_any_writing_leaves_the_building(
    engine: Engine, entry: Body, written: Body
) -> None:
    """README: abroad, flat and floor words dropped (as 12/F is, and 12F on the mainland)."""
    await engine.set_listed([address_entry(entry)])
    d = await score(engine, export_postal(receiver=hk_receiver(address=Whole(written))))
    assert hits(d) == [("receiver_address", ["watch"])]


@pytest.mark.parametrize(
    ("recorded", "written", "fires"),
    [
        pytest.param(
            {"country": "MO", "city": "澳門", "district": "氹仔", "detail": "孫逸仙大馬路1號"},
            {"country": "MO", "detail": "澳門氹仔孫逸仙大馬路1號15樓"},
            True,
            id="macau-territory-and-floor-in-detail",
        ),
        pytest.param(
            {"country": "MO", "city": "澳門", "district": "氹仔", "detail": "孫逸仙大馬路1號"},
            {"country": "MO", "detail": "澳門氹仔孫逸仙大馬路3號15樓"},
            False,
            id="macau-other-door-number",
        ),
        pytest.param(
            {"country": "TW", "city": "台北市", "district": "信義區", "detail": "信義路五段7號"},
            {"country": "TW", "detail": "台灣台北市信義區信義路五段7號35樓"},
            True,
            id="taiwan-territory-and-floor-in-detail",
        ),
        pytest.param(
            {"country": "TW", "city": "台北市", "district": "信義區", "detail": "信義路五段7號"},
            {"country": "TW", "detail": "台北市信義區信義路五段9號35樓"},
            False,
            id="taiwan-other-door-number",
        ),
    ],
)
async def test_a_violation_at_a_building_abroad_reaches_its_chinese_writing_and_not_next_door(
    engine: Engine, recorded: Body, written: Body, fires: bool
) -> None:
    """README: a Chinese detail abroad is read in Chinese order, its territory name dropped."""
    await engine.record_violations(
        [violation({"kind": "address", "address": recorded}, AUTUMN, "SF:SF000000031")]
    )
    d = await score(engine, export_postal(receiver=hk_receiver(phone="+85291237777", address=Whole(written))))
    if not fires:
        assert "PRIOR_VIOLATIONS" not in codes(d)
        return
    ev = evidence(d, "PRIOR_VIOLATIONS")
    assert (ev["entity"], ev["violations"], d.decision) == ("receiver_address", 1, "inspect")


# 3. One person, by the ID number --------------------------------------------------------------------------


@pytest.mark.parametrize("fires", [True, False], ids=["same-number-other-forms", "neighbouring-number"])
async def test_a_seasoned_citizen_number_in_other_forms_is_one_velocity_history(
    engine: Engine, fires: bool
) -> None:
    """VELOCITY_SPIKE by sender ID: temporary ID and x are the resident ID (one citizen, one person)."""
    await seed(engine, habit(hired(730, id_number=CITIZEN), days=16, per_day=1))
    other = resident_id(region="330106", birth="19870707", seq="555")
    assert other != CITIZEN
    burst = []
    for k in range(20):
        id_type, number = CITIZEN_FORMS[k % len(CITIZEN_FORMS)] if fires else ("resident_id", other)
        who = hired(740 + k, name="寄件人730", id_type=id_type, id_number=number)
        burst.append(domestic(who, BURST + k * 3 * MINUTE))
    decisions = await run(engine, burst)
    assert none_spike(decisions[:19])
    if not fires:
        assert none_spike(decisions)
        return
    ev = spike(decisions[19]).evidence
    assert (ev["entity"], ev["parcels_24h"], ev["daily_median"], ev["history_days"]) == (
        "sender_id",
        20,
        1.0,
        16,
    )


@pytest.mark.parametrize(
    "forms",
    [
        pytest.param(CITIZEN_FORMS[:3], id="resident-temporary-lowercase-x"),
        pytest.param(
            [("hk_macau_permit", HK_PERMIT), ("resident_id", HK_PERMIT.lower()), ("temporary_id", HK_PERMIT)],
            id="hong-kong-residence-permit-and-resident-id",
        ),
    ],
)
async def test_one_citizen_number_in_three_forms_is_one_near_limit_splitter(
    engine: Engine, forms: list[tuple[str, str]]
) -> None:
    """NEAR_LIMIT_SPLIT by sender ID: temporary ID, residence permit 81..., x are one person."""
    trio = [
        export(hired(150 + i, id_type=t, id_number=n), abroad("HK", 50 + i), 760.0, hours=i * 30)
        for i, (t, n) in enumerate(forms)
    ]
    decisions = await run(engine, trio)
    assert not any(has(decisions[:2], "NEAR_LIMIT_SPLIT"))
    ev = evidence(decisions[2], "NEAR_LIMIT_SPLIT")
    assert (ev["entity"], ev["near_limit_parcels"]) == ("sender_id", 3)


@pytest.mark.parametrize(
    ("recorded", "role", "shown"),
    [
        pytest.param(
            ("resident_id", CITIZEN), "sender", ("temporary_id", CITIZEN.lower()), id="resident-to-temporary"
        ),
        pytest.param(
            ("temporary_id", CITIZEN.lower()),
            "receiver",
            ("resident_id", CITIZEN),
            id="temporary-to-receiver",
        ),
        pytest.param(
            ("hk_macau_permit", HK_PERMIT), "sender", ("resident_id", HK_PERMIT.lower()), id="hk-permit"
        ),
        pytest.param(
            ("resident_id", TW_PERMIT), "receiver", ("taiwan_permit", TW_PERMIT), id="taiwan-permit"
        ),
        pytest.param(("passport", "EJ7QK39M2"), "sender", ("passport", "ej7qk39m2"), id="passport-case"),
    ],
)
async def test_a_violation_of_a_document_reaches_the_same_number_in_another_form_and_role(
    engine: Engine, recorded: tuple[str, str], role: str, shown: tuple[str, str]
) -> None:
    """PRIOR_VIOLATIONS: one citizen number is one person, as sender and as receiver."""
    await engine.record_violations([violation(id_ref(*recorded), AUTUMN, "SF:SF0000000320")])
    id_type, number = shown
    wb = (
        waybill(sender=party(phone="15900320001", id_type=id_type, id_number=number))
        if role == "sender"
        else waybill(receiver=cn_receiver(phone="15900320002", id_type=id_type, id_number=number))
    )
    d = await score(engine, wb)
    ev = evidence(d, "PRIOR_VIOLATIONS")
    assert (ev["entity"], ev["violations"], d.decision) == (f"{role}_id", 1, "inspect")


@pytest.mark.parametrize(
    ("recorded", "shown"),
    [
        pytest.param(
            ("passport", "C12345678"), ("hk_macau_permit", "C12345678"), id="passport-vs-travel-permit"
        ),
        pytest.param(
            ("resident_id", CITIZEN),
            ("resident_id", resident_id(region="330106", birth="19870707", seq="556")),
            id="neighbouring-citizen-number",
        ),
    ],
)
async def test_a_violation_of_a_document_does_not_reach_another_document(
    engine: Engine, recorded: tuple[str, str], shown: tuple[str, str]
) -> None:
    """Another document, or a neighbouring number, is another person: no prior violation."""
    await engine.record_violations([violation(id_ref(*recorded), AUTUMN, "SF:SF0000000321")])
    id_type, number = shown
    d = await score(engine, waybill(sender=party(phone="15900321001", id_type=id_type, id_number=number)))
    assert "PRIOR_VIOLATIONS" not in codes(d)
    assert d.decision == "release"


async def test_two_violations_under_two_forms_of_one_citizen_number_hold(engine: Engine) -> None:
    """PRIOR_VIOLATIONS: two within a year hold (刑法 art. 153), under two forms of one number."""
    await engine.record_violations(
        [
            violation(id_ref("temporary_id", CITIZEN.lower()), SPRING, "SF:SF0000000322"),
            violation(id_ref("resident_id", CITIZEN), AUTUMN, "SF:SF0000000323"),
        ]
    )
    d = await score(engine, waybill(sender=party(phone="15900322001", id_number=CITIZEN.lower())))
    ev = evidence(d, "PRIOR_VIOLATIONS")
    assert (ev["entity"], ev["violations"], d.decision) == ("sender_id", 2, "hold")


@pytest.mark.parametrize(
    ("phone_at", "phone_parcel", "count", "decision"),
    [
        pytest.param(AUTUMN, "SF:SF0000000324", 1, "inspect", id="one-violation-under-both"),
        pytest.param(SPRING, "SF:SF0000000325", 2, "hold", id="two-violations"),
    ],
)
async def test_violations_under_a_persons_id_and_phone_in_other_forms_count_per_violation(
    engine: Engine, phone_at: str, phone_parcel: str, count: int, decision: str
) -> None:
    """README: violations under a party's ID and phone add up; one recorded under both counts once."""
    await engine.record_violations(
        [
            violation(id_ref("resident_id", CITIZEN), AUTUMN, "SF:SF0000000324"),
            violation({"kind": "phone", "value": "+86 158 0077 0001"}, phone_at, phone_parcel),
        ]
    )
    sender = party(phone="0086 158-0077-0001", id_type="temporary_id", id_number=CITIZEN.lower())
    d = await score(engine, waybill(sender=sender))
    ev = evidence(d, "PRIOR_VIOLATIONS")
    assert (ev["violations"], d.decision) == (count, decision)
    assert ev["entities"] == ["sender_id", "sender_phone"]


@pytest.mark.parametrize(
    ("entry", "role", "shown", "hit"),
    [
        pytest.param(
            id_ref("hk_macau_permit", HK_PERMIT), "sender", ("resident_id", HK_PERMIT), True, id="hk-permit"
        ),
        pytest.param(
            id_ref("resident_id", TW_PERMIT),
            "receiver",
            ("taiwan_permit", TW_PERMIT),
            True,
            id="taiwan-permit",
        ),
        pytest.param(
            id_ref("passport", "C12345678"),
            "sender",
            ("hk_macau_permit", "C12345678"),
            False,
            id="other-document",
        ),
    ],
)
async def test_a_listed_residence_permit_is_the_resident_id_of_its_number(
    engine: Engine, entry: Body, role: str, shown: tuple[str, str], hit: bool
) -> None:
    """WATCHLIST_HIT: a residence permit (81/82/83...) is the resident ID of its number."""
    await engine.set_listed([listed(entry, "black")])
    id_type, number = shown
    wb = (
        waybill(sender=party(phone="15900330001", id_type=id_type, id_number=number))
        if role == "sender"
        else waybill(receiver=cn_receiver(phone="15900330002", id_type=id_type, id_number=number))
    )
    d = await score(engine, wb)
    if not hit:
        assert "WATCHLIST_HIT" not in codes(d)
        return
    assert (d.decision, hits(d)) == ("hold", [(f"{role}_id", ["black"])])


async def test_one_buyer_id_in_five_forms_with_new_phones_is_one_cbec_ring_receiver(
    history_engine: Engine,
) -> None:
    """ANT_MOVING_RECEIVER by buyer ID on cbec (L = 5,000): one citizen number in five forms."""
    ring = [
        cbec_import(abroad("HK", i % 3), buyer(i, t, n), 3100.0, hours=i * 20)
        for i, (t, n) in enumerate(CITIZEN_FORMS[:5])
    ]
    decisions = await run(history_engine, ring)
    assert not any(has(decisions[:4], "ANT_MOVING_RECEIVER"))
    ev = evidence(decisions[4], "ANT_MOVING_RECEIVER")
    assert (ev["entity"], ev["parcels"], ev["distinct_senders"]) == ("receiver_id", 5, 3)
    assert (ev["per_parcel_limit"], ev["total_value"]) == (5000.0, 15500.0)
    assert decisions[4].decision == "hold"


@pytest.mark.parametrize(
    ("first", "last"),
    [
        pytest.param(
            ("hk_macau_permit", HK_PERMIT), ("resident_id", HK_PERMIT.lower()), id="hk-permit-then-resident"
        ),
        pytest.param(
            ("resident_id", TW_PERMIT), ("taiwan_permit", TW_PERMIT), id="resident-then-taiwan-permit"
        ),
    ],
)
async def test_a_residence_permit_and_the_resident_id_of_its_number_share_one_annual_total(
    engine: Engine, first: tuple[str, str], last: tuple[str, str]
) -> None:
    """CBEC_ANNUAL_LIMIT (26,000 a year) is one buyer's whichever document shows her number."""
    for month in range(1, 6):
        d = await score(engine, cbec_purchase(month, *first, 5000.0, month))
        assert "CBEC_ANNUAL_LIMIT" not in codes(d)
    d = await score(engine, cbec_purchase(9, *last, 1500.0, 7))
    ev = evidence(d, "CBEC_ANNUAL_LIMIT")
    assert (ev["year_total_cny"], ev["earlier_cny"], d.decision) == (26500.0, 25000.0, "hold")


@pytest.mark.parametrize(
    "one_person", [True, False], ids=["one-citizen-in-five-forms", "three-people-named-alike"]
)
async def test_a_receivers_distinct_senders_are_counted_by_citizen_number(
    engine: Engine, one_person: bool
) -> None:
    """README: a receiver's distinct senders are people by ID (real-name pickup), not names."""
    far = Whole(abroad("HK", 90))
    if one_person:
        names = ["王强", "王 强", "WANG QIANG", "王強", "Wang Qiang"]
        people = [
            hired(160 + i, name=names[i], id_type=t, id_number=n)
            for i, (t, n) in enumerate(CITIZEN_FORMS[:5])
        ]
    else:
        citizens = [resident_id(region="330106", birth="19870707", seq=f"{600 + j}") for j in range(3)]
        people = [hired(160 + i, name="张伟", id_number=citizens[i % 3]) for i in range(5)]
    decisions = await run(engine, [export(p, far, 600.0, hours=i * 10) for i, p in enumerate(people)])
    if one_person:
        assert not any(has(decisions, "ANT_MOVING_RECEIVER"))
        return
    ev = evidence(decisions[4], "ANT_MOVING_RECEIVER")
    assert (ev["parcels"], ev["distinct_senders"]) == (5, 3)


@pytest.mark.parametrize(
    "one_buyer", [True, False], ids=["one-buyer-in-six-forms", "three-buyers-named-alike"]
)
async def test_an_overseas_shops_distinct_receivers_are_counted_by_buyer_id(
    engine: Engine, one_buyer: bool
) -> None:
    """README: a sender's distinct receivers are people by the buyer's ID on cbec imports."""
    shop = abroad("HK", 95)
    if one_buyer:
        buyers = [buyer(i, t, n, name="王芳") for i, (t, n) in enumerate(CITIZEN_FORMS)]
    else:
        buyer_ids = [resident_id(region="320102", birth="19880808", seq=f"{700 + j}") for j in range(3)]
        buyers = [buyer(i, "resident_id", buyer_ids[i % 3], name="王芳") for i in range(6)]
    decisions = await run(engine, [cbec_import(shop, b, 2600.0, hours=i * 0.5) for i, b in enumerate(buyers)])
    assert not any(has(decisions[:5], "ANT_MOVING_SENDER"))
    if one_buyer:
        assert "ANT_MOVING_SENDER" not in codes(decisions[5])
        return
    ev = evidence(decisions[5], "ANT_MOVING_SENDER")
    assert (ev["entity"], ev["parcels"], ev["distinct_receivers"]) == ("sender_phone", 6, 3)


# 4. Names are not identity --------------------------------------------------------------------------------


@pytest.mark.parametrize("shared_phone", [False, True], ids=["five-phones", "one-phone"])
async def test_five_receivers_named_alike_are_one_receiver_only_by_a_shared_phone(
    engine: Engine, shared_phone: bool
) -> None:
    """ANT_MOVING_RECEIVER joins by ID, phone or address, never by name."""
    receivers = [
        receiver_in(i, city_place(i), "13611440000" if shared_phone else f"1361144{i:04d}", name="李娜")
        for i in range(5)
    ]
    decisions = await run(engine, ring_to(receivers))
    if not shared_phone:
        assert not any(has(decisions, "ANT_MOVING_RECEIVER"))
        return
    assert evidence(decisions[4], "ANT_MOVING_RECEIVER")["entity"] == "receiver_phone"


async def test_two_buyers_named_alike_at_one_address_keep_two_annual_totals(engine: Engine) -> None:
    """CBEC_ANNUAL_LIMIT is per buyer ID: a namesake at her address does not add to it."""
    first = resident_id(region="110105", birth="19900909", seq="812")
    second = resident_id(region="110105", birth="19900909", seq="813")
    shop = abroad("HK", 96)
    for month in range(1, 6):
        wb = cbec_import(shop, buyer(month, "resident_id", first, name="王芳"), 5000.0)
        wb["accepted_at"] = f"2026-{month:02d}-15T10:00:00+08:00"
        await score(engine, wb)
    namesake = cbec_import(shop, buyer(1, "resident_id", second, name="王芳", phone="13700339999"), 1500.0)
    namesake["accepted_at"] = "2026-07-15T10:00:00+08:00"
    assert "CBEC_ANNUAL_LIMIT" not in codes(await score(engine, namesake))
    own = cbec_import(shop, buyer(7, "resident_id", first, name="王芳"), 1500.0)
    own["accepted_at"] = "2026-07-16T10:00:00+08:00"
    d = await score(engine, own)
    assert (evidence(d, "CBEC_ANNUAL_LIMIT")["year_total_cny"], d.decision) == (26500.0, "hold")


# 5. One goods description ---------------------------------------------------------------------------------

MILK = [
    "奶粉 milk powder",
    "奶粉, Milk Powder.",
    "奶 粉 MILK POWDER",
    "「奶粉」milk-powder",
    "奶粉（ｍｉｌｋ ｐｏｗｄｅｒ）",
]


async def test_a_buyer_id_receiving_the_same_goods_typed_five_ways_is_a_fanout(engine: Engine) -> None:
    """README: goods are one description however cased, spaced or punctuated (receiver side)."""
    ring = [
        cbec_import(
            abroad("HK", i % 3),
            buyer(i, "resident_id", CITIZEN),
            150.0,
            hours=i * 20,
            items=goods(150.0, description=text, category="food"),
        )
        for i, text in enumerate(MILK)
    ]
    decisions = await run(engine, ring)
    assert not any(has(decisions[:4], "SAME_GOODS_FANOUT"))
    ev = evidence(decisions[4], "SAME_GOODS_FANOUT")
    assert (ev["entity"], ev["parcels"], ev["counterparts"]) == ("receiver_id", 5, 3)
    assert ev["description"] == MILK[4]
    assert set(ev["linked_waybills"]) == numbers(ring[:4])


CREAM = ["面霜 face cream", "面霜，FACE CREAM。", "面霜 face-cream", "麵霜 Face Cream", "面霜/face cream"]


async def test_hired_senders_paying_one_account_for_goods_typed_five_ways_are_a_fanout(
    engine: Engine,
) -> None:
    """SAME_GOODS_FANOUT by payment account, the goods typed five ways."""
    ring = [
        export(
            hired(170 + i),
            abroad("HK", i % 3),
            150.0,
            hours=i * 20,
            items=goods(150.0, description=text),
            order={"platform": "shop", "payment_account": "6222020200553344556"},
        )
        for i, text in enumerate(CREAM)
    ]
    decisions = await run(engine, ring)
    assert not any(has(decisions[:4], "SAME_GOODS_FANOUT"))
    ev = evidence(decisions[4], "SAME_GOODS_FANOUT")
    assert (ev["entity"], ev["parcels"]) == ("payment_account", 5)
    assert ev["counterparts"] >= 3


THERMOS = [
    "保温杯 500ml thermos",
    "保温杯 500ML Thermos",
    "保温杯（500ml）thermos",
    "保温杯，500ml THERMOS。",
]


@pytest.mark.parametrize(
    ("fifth", "fires"),
    [
        pytest.param("保温杯 500ml thermos.", True, id="trailing-full-stop"),
        pytest.param("保温杯 750ml thermos", False, id="another-size"),
        pytest.param(
            "保温杯 500 ml thermos",
            True,
            id="space-before-the-unit",
        ),
    ],
)
async def test_goods_with_a_size_are_one_description_however_typed_and_another_size_is_not(
    engine: Engine, fifth: str, fires: bool
) -> None:
    """README: one description however cased, spaced or punctuated; 750 ml is other goods."""
    sender = hired(180)
    texts = [*THERMOS, fifth]
    ring = [
        export(
            sender,
            abroad("HK", i % 3),
            150.0,
            hours=i * 20,
            items=goods(150.0, description=t, category="general"),
        )
        for i, t in enumerate(texts)
    ]
    decisions = await run(engine, ring)
    assert not any(has(decisions[:4], "SAME_GOODS_FANOUT"))
    if not fires:
        assert "SAME_GOODS_FANOUT" not in codes(decisions[4])
        return
    ev = evidence(decisions[4], "SAME_GOODS_FANOUT")
    assert (ev["parcels"], ev["counterparts"]) == (5, 3)


# 6. Payment accounts --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("paid_from", "count"),
    [
        pytest.param("6222020200771234567", 2, id="the-account"),
        pytest.param("6222020200771234568", 0, id="one-digit-away"),
    ],
)
async def test_two_violations_of_a_payment_account_hold_its_next_parcel(
    engine: Engine, paid_from: str, count: int
) -> None:
    """PRIOR_VIOLATIONS: a payment account with two violations in a year holds; another does not."""
    account = {"kind": "account", "value": "6222020200771234567"}
    await engine.record_violations(
        [violation(account, SPRING, "SF:SF0000000340"), violation(account, AUTUMN, "SF:SF0000000341")]
    )
    d = await score(engine, waybill(order={"platform": "shop", "payment_account": paid_from}))
    if not count:
        assert "PRIOR_VIOLATIONS" not in codes(d)
        assert d.decision == "release"
        return
    ev = evidence(d, "PRIOR_VIOLATIONS")
    assert (ev["entity"], ev["violations"], d.decision) == ("payment_account", count, "hold")


@pytest.mark.parametrize(
    ("entry", "kind"),
    [
        pytest.param({"kind": "phone", "value": "13912340000"}, "sender_phone", id="listed-phone"),
        pytest.param({"kind": "account", "value": "13912340000"}, "payment_account", id="listed-account"),
    ],
)
async def test_a_phone_and_an_account_of_the_same_digits_are_two_entities(
    engine: Engine, entry: Body, kind: str
) -> None:
    """WATCHLIST_HIT: a phone entry is not an account entry of the same digits, nor the reverse."""
    await engine.set_listed([listed(entry)])
    as_phone = await score(engine, waybill(sender=party(phone="13912340000")))
    as_account = await score(
        engine, waybill(sender=party(phone="15900340001"), order={"payment_account": "13912340000"})
    )
    hit, miss = (as_phone, as_account) if kind == "sender_phone" else (as_account, as_phone)
    assert (hit.decision, hits(hit)) == ("hold", [(kind, ["watch"])])
    assert "WATCHLIST_HIT" not in codes(miss)
    assert miss.decision == "release"
