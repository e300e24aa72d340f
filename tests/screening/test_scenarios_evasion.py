"""How an ant-moving (蚂蚁搬家) ring tries to stay under the detection, and whether the service still sees one
entity and one ring; and the honest look-alikes it must not join.

Written from ../shared/domain/RULES.md §1 (刑法 art. 153: repeated small smuggling is added up; the 800 /
1,000 CNY per-parcel limits) and §3 (ANT_MOVING_SENDER, ANT_MOVING_RECEIVER: "one receiver (ID, phone or
normalised address)", NEAR_LIMIT_SPLIT, SAME_GOODS_FANOUT, OVER_PERSONAL_LIMIT, COMMERCIAL_QUANTITY,
PRIOR_VIOLATIONS), ../shared/contract/README.md (one `currency` for every value of a request; (carrier,
waybill_no) identifies a parcel; bad input is a 422 naming the field and changing no state) and the README
(entities: sender ID, sender phone, sender and receiver building address, receiver ID, receiver phone,
payment account, buyer IP; "one phone however it is typed (+86, 0086, separators, full-width digits, …)";
"one building however it is typed (…, full-width digits, flats and floors dropped …)"; "one citizen number
is one person"; a building keeps one history as a sender's address and another as a receiver's;
`SCREENING_CNY_RATES`, default table USD 7.1, HKD 0.91, EUR 7.7, JPY 0.047).

Readings used here, where the sources leave a choice:
- A name identifies nobody: RULES joins a receiver by ID, phone or normalised address only, so two people
  called 张伟 with their own IDs, phones and homes are two senders, and one phone under five names is one.
- The README counts an address at building level ("flats and floors dropped"), so two flats of one
  building ARE one receiver address; the honest look-alikes tested here are the next building, the next
  door number, another road or district, which must stay apart.
- A sender's ring needs ≥ 3 distinct receivers; the receivers below are told apart by their own phones.
- "The same goods description" is the same words however they are typed: letter case, full-width forms,
  spacing, traditional characters and punctuation do not make another description. A synonym (乳霜 for
  面霜) is another description: no assertion on SAME_GOODS_FANOUT is made for synonyms, only that they do
  not take a ring out of ANT_MOVING_SENDER. A description is "on" a parcel when any of its item lines
  carries it.
- COMMERCIAL_QUANTITY's "units of one item": item lines with the same description are one item, so
  splitting twelve jars of one cream over three lines is still twelve jars. OVER_PERSONAL_LIMIT's single
  article is "one item line, quantity 1" as RULES says: two lines of one unit each are not one article.
- Every value is compared in CNY at the service's rate for the request's currency; the figures in evidence
  (totals, bands, limits) are CNY.
- A person's sent and received parcels are two histories (README), so they never add up to one ring; but a
  confirmed violation is the person's (刑法 art. 153, "one citizen number is one person"): once caught
  sending, the same ID or phone carries PRIOR_VIOLATIONS as a receiver too, as an officer-recorded
  violation of an ID or phone does and as a parcel's building does on its other side (README).
"""

from datetime import timedelta
from typing import Any

import pytest

from screening.contract import Decision
from screening.engine import Engine
from tests.api import conftest as api_fixtures
from tests.api.conftest import CaseClient
from tests.conftest import ScoringClient
from tests.factories import BASE_TIME, Whole, cn_receiver, export_postal, resident_id
from tests.screening.test_scenarios import codes, score
from tests.screening.test_scenarios_edges import abroad
from tests.screening.test_scenarios_rings import export, goods, import_postal, mainland, numbers, run

pytestmark = pytest.mark.anyio

# The case desk client of the API tests (an app with SQLite cases and people who log in).
cases_client = api_fixtures.cases_client

Body = dict[str, Any]
RING_RULES = ("ANT_MOVING_SENDER", "ANT_MOVING_RECEIVER", "NEAR_LIMIT_SPLIT", "SAME_GOODS_FANOUT")


# Helpers ------------------------------------------------------------------------------------------------


def person(n: int, **changes: Any) -> Body:
    """The n-th mainland person: own name, phone, resident ID and home (nothing shared with another n)."""
    fields: dict[str, Any] = {"address": {"detail": f"张江路{n + 100}号{n % 9 + 1}号楼201室"}}
    return mainland(n, **(fields | changes))


def receiver_at(n: int, fields: tuple[str, str, str, str], phone: str | None = None) -> Body:
    """The n-th mainland receiver (own name and phone, no ID) at an address given field by field."""
    province, city, district, detail = fields
    return cn_receiver(
        name=f"收件人{n}",
        phone=phone or f"1350077{n:04d}",
        address=Whole(
            {"country": "CN", "province": province, "city": city, "district": district, "detail": detail}
        ),
    )


def reason_of(d: Decision, code: str) -> dict[str, Any]:
    """The evidence of one reason of a decision (fails, naming the codes there, when it is absent)."""
    assert code in codes(d), f"{code} not in {sorted(codes(d))} ({d.decision})"
    return next(r.evidence for r in d.reasons if r.code == code)


def has(decisions: list[Decision], code: str) -> list[bool]:
    """Whether each decision carries a reason code."""
    return [code in codes(d) for d in decisions]


def wire_codes(decision: Body) -> set[str]:
    """The reason codes of a decision as the API answers it."""
    return {r["code"] for r in decision["reasons"]}


def lines(*parts: tuple[str, int, float]) -> list[Body]:
    """Item lines from (description, quantity, unit value); category left to inference."""
    return [{"description": d, "quantity": q, "unit_value": v} for d, q, v in parts]


def near_limit_trio(senders: list[Body], **changes: Any) -> list[Body]:
    """Three exports to three Hong Kong receivers at 760 CNY (in [720, 800)), a day and more apart."""
    return [export(s, abroad("HK", 40 + i), 760.0, hours=i * 30, **changes) for i, s in enumerate(senders)]


# 1. One sender phone, however the ring types it -------------------------------------------------------------

# 13800138000 as couriers and smugglers type it.
PHONE_WRITINGS = {
    "plus-86-spaced": "+86 138 0013 8000",
    "86-dashed-no-plus": "86-138-0013-8000",
    "86-run-together": "8613800138000",
    "0086-spaced": "0086 138 0013 8000",
    "grouped-4-4": "138 0013 8000",
    "full-width": "１３８００１３８０００",
    "full-width-plus-86": "＋８６ １３８ ００１３ ８０００",
}


@pytest.mark.parametrize("writing", list(PHONE_WRITINGS))
async def test_hired_senders_on_one_phone_typed_another_way_are_one_ant_sender(
    engine: Engine, writing: str
) -> None:
    """Six people with their own IDs give the ring's phone at pickup; the sixth types it otherwise."""
    ring = [export(person(i, phone="13800138000"), abroad("HK", i), 700.0, hours=i * 0.5) for i in range(5)]
    ring.append(export(person(5, phone=PHONE_WRITINGS[writing]), abroad("HK", 5), 700.0, hours=2.5))
    decisions = await run(engine, ring)
    assert not any(has(decisions[:5], "ANT_MOVING_SENDER"))
    ev = reason_of(decisions[5], "ANT_MOVING_SENDER")
    assert (ev["entity"], ev["parcels"], ev["distinct_receivers"], ev["total_value"]) == (
        "sender_phone",
        6,
        6,
        4200.0,
    )
    assert set(ev["linked_waybills"]) == numbers(ring[:5])
    assert decisions[5].decision == "hold"


@pytest.mark.parametrize(
    "other",
    ["13800138001", "13800183000", "１３９００１３８０００"],
    ids=["last-digit", "two-digits-swapped", "full-width-prefix-digit"],
)
async def test_a_phone_one_digit_away_is_another_sender(engine: Engine, other: str) -> None:
    ring = [export(person(i, phone="13800138000"), abroad("HK", i), 700.0, hours=i * 0.5) for i in range(5)]
    ring.append(export(person(5, phone=other), abroad("HK", 5), 700.0, hours=2.5))
    decisions = await run(engine, ring)
    assert not any(has(decisions, "ANT_MOVING_SENDER"))
    assert decisions[5].decision == "release"  # another phone, another person: nothing of the ring


# 2. One person behind new phones, documents and names -------------------------------------------------------

ONE_NUMBER = resident_id(region="330106", birth="19870707", seq="123")


async def test_one_citizen_number_on_two_documents_with_new_phones_is_one_ant_sender(
    history_engine: Engine,
) -> None:
    """Resident ID and temporary ID in turn, the check letter typed x or X, a new phone and name each time."""
    assert ONE_NUMBER.endswith("X")
    ring = []
    for i in range(6):
        number = ONE_NUMBER if i % 2 else ONE_NUMBER.lower()
        who = person(
            7,
            name=["王强", "王 强", "WANG QIANG", "王強", "王强", "Wang Qiang"][i],
            phone=f"1570000{i:04d}",
            id_type="temporary_id" if i % 3 == 0 else "resident_id",
            id_number=number,
        )
        ring.append(export(who, abroad("MO", i % 3), 700.0, hours=i * 0.5))
    decisions = await run(history_engine, ring)
    assert not any(has(decisions[:5], "ANT_MOVING_SENDER"))
    ev = reason_of(decisions[5], "ANT_MOVING_SENDER")
    assert (ev["entity"], ev["parcels"], ev["distinct_receivers"]) == ("sender_id", 6, 3)


@pytest.mark.parametrize(
    "names",
    [("张伟", "张伟"), ("张伟", "张玮"), ("ZHANG WEI", "张伟")],
    ids=["same-name", "similar-character", "pinyin-and-hanzi"],
)
async def test_two_people_with_alike_names_are_two_senders(engine: Engine, names: tuple[str, str]) -> None:
    """Two honest people, each three parcels in a day: six parcels under one name are not one sender."""
    first, second = (person(20 + k, name=name) for k, name in enumerate(names))
    parcels = [export(first if i % 2 else second, abroad("HK", i), 600.0, hours=i * 0.5) for i in range(6)]
    decisions = await run(engine, parcels)
    assert not any(has(decisions, "ANT_MOVING_SENDER"))
    assert all(d.decision == "release" for d in decisions)


async def test_two_people_with_neighbouring_id_numbers_are_two_senders(engine: Engine) -> None:
    """Both IDs are valid (each with its own check digit): neighbours in the sequence, not one person."""
    ids = [resident_id(region="330106", birth="19870707", seq=s) for s in ("124", "125")]
    people = [person(30 + k, name="王强", id_number=n) for k, n in enumerate(ids)]
    parcels = [export(people[i % 2], abroad("HK", i), 600.0, hours=i * 0.5) for i in range(6)]
    assert not any(has(await run(engine, parcels), "ANT_MOVING_SENDER"))


# 3. One receiver building, however the ring types it --------------------------------------------------------

TOWER = ("浙江省", "杭州市", "西湖区", "文三路478号华星时代广场A座1205室")

TOWER_WRITINGS: dict[str, tuple[str, str, str, str]] = {
    "province-city-district-repeated-in-detail": (
        "浙江省",
        "杭州市",
        "西湖区",
        "浙江省杭州市西湖区文三路478号华星时代广场A座1205室",
    ),
    "short-province-city-district": ("浙江", "杭州", "西湖", "文三路478号华星时代广场A座1205室"),
    "full-width-digits-and-letter": (
        "浙江省",
        "杭州市",
        "西湖区",
        "文三路４７８号华星时代广场Ａ座１２０５室",
    ),
    "traditional-with-hao": ("浙江省", "杭州市", "西湖區", "文三路478號華星時代廣場A座1205室"),
    "extra-spaces": ("浙江省", "杭州市", "西湖区", "  文三路 478 号  华星时代广场  A 座  1205 室 "),
    "another-room": ("浙江省", "杭州市", "西湖区", "文三路478号华星时代广场A座1206室"),
    "no-room": ("浙江省", "杭州市", "西湖区", "文三路478号华星时代广场A座"),
    "dong-for-zuo": ("浙江省", "杭州市", "西湖区", "文三路478号华星时代广场A栋1205室"),
    "chinese-numeral-door-number": ("浙江省", "杭州市", "西湖区", "文三路四七八号华星时代广场A座1205室"),
    "zero-width-space": ("浙江省", "杭州市", "西湖区", "文三路478号华\u200b星时代广场A座1205室"),
}

# The honest neighbours: one step away from TOWER, another place.
TOWER_NEIGHBOURS: dict[str, tuple[str, str, str, str]] = {
    "building-b": ("浙江省", "杭州市", "西湖区", "文三路478号华星时代广场B座1205室"),
    "door-47": ("浙江省", "杭州市", "西湖区", "文三路47号华星时代广场A座1205室"),
    "door-479": ("浙江省", "杭州市", "西湖区", "文三路479号华星时代广场A座1205室"),
    "road-wen-er": ("浙江省", "杭州市", "西湖区", "文二路478号华星时代广场A座1205室"),
    "other-district": ("浙江省", "杭州市", "拱墅区", "文三路478号华星时代广场A座1205室"),
}


def tower_ring(fifth: tuple[str, str, str, str]) -> list[Body]:
    """Five postal imports from three Japanese senders to five people (own names and phones): four at TOWER
    as first typed, the fifth at another writing; 650 CNY each (5 × 650 ≥ 3 × 1,000)."""
    places = [TOWER] * 4 + [fifth]
    return [
        import_postal(abroad("JP", i % 3), receiver_at(i, p), 650.0, hours=i * 20)
        for i, p in enumerate(places)
    ]


@pytest.mark.parametrize("writing", list(TOWER_WRITINGS))
async def test_receivers_at_one_building_typed_another_way_are_one_receiver(
    engine: Engine, writing: str
) -> None:
    ring = tower_ring(TOWER_WRITINGS[writing])
    decisions = await run(engine, ring)
    assert not any(has(decisions[:4], "ANT_MOVING_RECEIVER"))
    ev = reason_of(decisions[4], "ANT_MOVING_RECEIVER")
    assert (ev["entity"], ev["parcels"], ev["distinct_senders"], ev["total_value"]) == (
        "receiver_address",
        5,
        3,
        3250.0,
    )
    assert set(ev["linked_waybills"]) == numbers(ring[:4])
    assert decisions[4].decision == "hold"


@pytest.mark.parametrize("place", list(TOWER_NEIGHBOURS))
async def test_a_receiver_at_the_next_building_or_door_is_another_receiver(
    engine: Engine, place: str
) -> None:
    decisions = await run(engine, tower_ring(TOWER_NEIGHBOURS[place]))
    assert not any(has(decisions, "ANT_MOVING_RECEIVER"))
    assert decisions[4].decision == "release"


# 4. Rotating receivers who share one phone ------------------------------------------------------------------

CITIES = [
    ("浙江省", "杭州市", "西湖区"),
    ("江苏省", "南京市", "鼓楼区"),
    ("广东省", "广州市", "天河区"),
    ("四川省", "成都市", "武侯区"),
    ("湖北省", "武汉市", "江汉区"),
]


def rotating(phones: list[str]) -> list[Body]:
    """Postal imports from three Hong Kong senders to five names in five cities, one phone each as given."""
    return [
        import_postal(
            abroad("HK", i % 3),
            receiver_at(60 + i, (*CITIES[i], f"人民路{i + 1}号{i + 2}栋"), phone=phone),
            600.0,
            hours=i * 20,
        )
        for i, phone in enumerate(phones)
    ]


async def test_five_names_in_five_cities_on_one_phone_are_one_receiver(history_engine: Engine) -> None:
    phones = [
        "13712345678",
        "0086 137 1234 5678",
        "１３７１２３４５６７８",
        "(+86)137-1234-5678",
        "86 137 1234 5678",
    ]
    ring = rotating(phones)
    decisions = await run(history_engine, ring)
    assert not any(has(decisions[:4], "ANT_MOVING_RECEIVER"))
    ev = reason_of(decisions[4], "ANT_MOVING_RECEIVER")
    assert (ev["entity"], ev["parcels"], ev["distinct_senders"], ev["total_value"]) == (
        "receiver_phone",
        5,
        3,
        3000.0,
    )
    assert set(ev["linked_waybills"]) == numbers(ring[:4]) and decisions[4].decision == "hold"


@pytest.mark.parametrize("other", ["13712345679", "13712345687", "13712845678"])
async def test_a_receiver_phone_one_digit_away_is_another_receiver(engine: Engine, other: str) -> None:
    decisions = await run(engine, rotating(["13712345678"] * 4 + [other]))
    assert not any(has(decisions, "ANT_MOVING_RECEIVER"))


async def test_rotating_receivers_abroad_on_one_phone_dialled_three_ways_collect_an_export_ring(
    engine: Engine,
) -> None:
    """Five mainland senders, five names in Hong Kong, one Hong Kong mobile: +852, 00852 and full-width."""
    phones = ["+852 9123 4567", "00852 9123 4567", "９１２３ ４５６７", "(852) 9123-4567", "91234567"]
    ring = [
        export(person(70 + i), Whole(abroad("HK", 70 + i) | {"phone": p}), 500.0, hours=i * 10)
        for i, p in enumerate(phones)
    ]
    decisions = await run(engine, ring)
    ev = reason_of(decisions[4], "ANT_MOVING_RECEIVER")
    assert (ev["entity"], ev["parcels"], ev["distinct_senders"]) == ("receiver_phone", 5, 5)
    assert (ev["per_parcel_limit"], ev["total_value"]) == (800.0, 2500.0)


# 5. The same goods, however the description is typed --------------------------------------------------------

CREAM = "面霜 face cream"
CREAM_WRITINGS = {
    "upper-case": "面霜 FACE CREAM",
    "full-width-letters": "面霜 ｆａｃｅ ｃｒｅａｍ",
    "extra-spaces": "  面霜   face    cream  ",
    "ideographic-space": "面霜\u3000face\u3000cream",
    "traditional": "麵霜 face cream",
    "hyphenated": "面霜 face-cream",
}
CREAM_PUNCTUATED = {
    "comma": "面霜, face cream",
    "brackets": "面霜（face cream）",
    "trailing-full-stop": "面霜 face cream.",
}


def fanout(descriptions: list[str], sender: Body | None = None) -> list[Body]:
    """One sender's exports of the given descriptions (150 CNY) to three Hong Kong receivers in turn."""
    who = sender or person(80)
    return [
        export(who, abroad("HK", i % 3), 150.0, hours=i * 20, items=goods(150.0, description=d))
        for i, d in enumerate(descriptions)
    ]


@pytest.mark.parametrize("writing", [*CREAM_WRITINGS, *CREAM_PUNCTUATED])
async def test_the_same_goods_typed_another_way_are_one_description(engine: Engine, writing: str) -> None:
    fifth = CREAM_WRITINGS.get(writing) or CREAM_PUNCTUATED[writing]
    ring = fanout([CREAM] * 4 + [fifth])
    decisions = await run(engine, ring)
    assert not any(has(decisions[:4], "SAME_GOODS_FANOUT"))
    ev = reason_of(decisions[4], "SAME_GOODS_FANOUT")
    assert (ev["parcels"], ev["counterparts"], ev["window"]) == (5, 3, "7d")
    assert set(ev["linked_waybills"]) == numbers(ring[:4])
    assert decisions[4].decision == "inspect"


@pytest.mark.parametrize("other", ["眼霜 eye cream", "面膜 face mask"])
async def test_other_goods_of_the_same_kind_are_another_description(engine: Engine, other: str) -> None:
    decisions = await run(engine, fanout([CREAM] * 4 + [other]))
    assert not any(has(decisions, "SAME_GOODS_FANOUT"))


async def test_synonyms_on_each_parcel_do_not_take_the_ring_out_of_ant_moving(engine: Engine) -> None:
    synonyms = ["面霜 face cream", "乳霜", "雪花膏", "润肤霜 moisturiser", "护肤霜", "cream for face"]
    sender = person(81)
    ring = [
        export(sender, abroad("MO", i % 3), 700.0, hours=i * 0.5, items=goods(700.0, description=s))
        for i, s in enumerate(synonyms)
    ]
    decisions = await run(engine, ring)
    ev = reason_of(decisions[5], "ANT_MOVING_SENDER")
    assert (ev["parcels"], ev["distinct_receivers"], ev["total_value"]) == (6, 3, 4200.0)
    assert decisions[5].decision == "hold"


# A decoy line beside the goods ---------------------------------------------------------------------------

DECOYS = ["贺卡 greeting card", "袜子 socks", "书签 bookmark", "钥匙扣 keyring", "明信片 postcard"]


async def test_a_cheap_decoy_line_beside_the_goods_is_still_the_same_goods(engine: Engine) -> None:
    sender = person(82)
    ring = [
        export(
            sender,
            abroad("HK", i % 3),
            0.0,
            hours=i * 20,
            items=lines((CREAM, 1, 150.0), (decoy, 1, 10.0)),
        )
        for i, decoy in enumerate(DECOYS)
    ]
    decisions = await run(engine, ring)
    assert reason_of(decisions[4], "SAME_GOODS_FANOUT")["parcels"] == 5


async def test_the_goods_listed_after_a_decoy_line_are_still_the_same_goods(engine: Engine) -> None:
    sender = person(83)
    ring = [
        export(
            sender,
            abroad("HK", i % 3),
            0.0,
            hours=i * 20,
            items=lines((decoy, 1, 10.0), (CREAM, 1, 150.0)) if i % 2 else lines((CREAM, 1, 150.0)),
        )
        for i, decoy in enumerate(DECOYS)
    ]
    decisions = await run(engine, ring)
    assert reason_of(decisions[4], "SAME_GOODS_FANOUT")["parcels"] == 5


async def test_the_goods_on_every_parcel_beside_a_dearer_changing_line_are_a_fanout(
    history_engine: Engine,
) -> None:
    """Each parcel carries the same cream (150 CNY) and another article worth more, a new one each time;
    on every store, as their events keep several articles."""
    engine = history_engine
    dearer = [
        "羊毛围巾 wool scarf",
        "蓝牙耳机 earphones",
        "皮钱包 leather wallet",
        "丝巾 silk scarf",
        "手表 watch",
    ]
    sender = person(84)
    ring = [
        export(sender, abroad("HK", i % 3), 0.0, hours=i * 20, items=lines((CREAM, 1, 150.0), (d, 1, 300.0)))
        for i, d in enumerate(dearer)
    ]
    decisions = await run(engine, ring)
    ev = reason_of(decisions[4], "SAME_GOODS_FANOUT")
    assert (ev["parcels"], ev["counterparts"]) == (5, 3)
    # The evidence names the article that fanned out and the parcels that carried it.
    assert ev["description"] == CREAM
    assert sorted(ev["linked_waybills"]) == sorted(d.waybill_no for d in decisions[:4])


async def test_the_goods_split_over_two_lines_are_still_the_same_goods(engine: Engine) -> None:
    sender = person(85)
    ring = [
        export(
            sender,
            abroad("HK", i % 3),
            0.0,
            hours=i * 20,
            items=lines((CREAM, 1, 75.0), (CREAM.upper(), 1, 75.0)) if i % 2 else lines((CREAM, 1, 150.0)),
        )
        for i in range(5)
    ]
    decisions = await run(engine, ring)
    assert reason_of(decisions[4], "SAME_GOODS_FANOUT")["parcels"] == 5


# 6. Values split under the limit after currency conversion --------------------------------------------------

# (currency, a unit value just inside [720, 800) CNY, its CNY value, one just under 720 CNY)
NEAR_IN = {
    "HKD": (870.0, 791.7, 791.0),  # 791 HKD = 719.81 CNY
    "USD": (112.0, 795.2, 101.0),  # 101 USD = 717.10 CNY
    "EUR": (103.0, 793.1, 93.5),  # 93.5 EUR = 719.95 CNY
    "JPY": (16800.0, 789.6, 15300.0),  # 15,300 JPY = 719.10 CNY
}


def in_currency(
    sender: Body, n: int, currency: str, value: float, *, hours: float, country: str = "HK"
) -> Body:
    """An export of one article declared in a currency."""
    return export(sender, abroad(country, n), 0.0, hours=hours, currency=currency, items=goods(value))


@pytest.mark.parametrize("currency", list(NEAR_IN))
async def test_three_parcels_just_under_800_cny_declared_in_another_currency_are_a_split(
    engine: Engine, currency: str
) -> None:
    value, _, _ = NEAR_IN[currency]
    sender = person(90)
    trio = [in_currency(sender, i, currency, value, hours=i * 30) for i in range(3)]
    decisions = await run(engine, trio)
    assert not any(has(decisions[:2], "NEAR_LIMIT_SPLIT"))
    ev = reason_of(decisions[2], "NEAR_LIMIT_SPLIT")
    assert (ev["near_limit_parcels"], ev["band"], ev["per_parcel_limit"]) == (3, [720.0, 800.0], 800.0)
    assert set(ev["linked_waybills"]) == numbers(trio[:2])
    assert decisions[2].decision == "inspect"
    assert "OVER_PERSONAL_LIMIT" not in codes(decisions[2])


@pytest.mark.parametrize("currency", list(NEAR_IN))
async def test_three_parcels_just_below_the_band_in_cny_are_not_a_split(
    engine: Engine, currency: str
) -> None:
    _, _, below = NEAR_IN[currency]
    sender = person(91)
    decisions = await run(engine, [in_currency(sender, i, currency, below, hours=i * 30) for i in range(3)])
    assert not any(has(decisions, "NEAR_LIMIT_SPLIT"))


async def test_a_split_declared_in_three_currencies_adds_up(engine: Engine) -> None:
    sender = person(92)
    trio = [
        in_currency(sender, i, currency, NEAR_IN[currency][0], hours=i * 30)
        for i, currency in enumerate(["HKD", "USD", "EUR"])
    ]
    ev = reason_of((await run(engine, trio))[2], "NEAR_LIMIT_SPLIT")
    assert (ev["entity"], ev["near_limit_parcels"], ev["band"]) == ("sender_id", 3, [720.0, 800.0])


async def test_a_japan_split_in_usd_is_judged_against_1000_cny(engine: Engine) -> None:
    sender = person(93)
    trio = [in_currency(sender, i, "USD", 140.0, hours=i * 30, country="JP") for i in range(3)]  # 994 CNY
    ev = reason_of((await run(engine, trio))[2], "NEAR_LIMIT_SPLIT")
    assert (ev["band"], ev["per_parcel_limit"]) == ([900.0, 1000.0], 1000.0)


async def test_small_looking_usd_parcels_add_up_to_a_ring_in_cny(engine: Engine) -> None:
    """Six parcels of 60 USD: 360 in dollars, 2,556 CNY, over 3 × 800."""
    sender = person(94)
    ring = [in_currency(sender, i, "USD", 60.0, hours=i * 0.5) for i in range(6)]
    decisions = await run(engine, ring)
    assert not any(has(decisions[:5], "ANT_MOVING_SENDER"))
    ev = reason_of(decisions[5], "ANT_MOVING_SENDER")
    assert (ev["parcels"], ev["total_value"], ev["per_parcel_limit"]) == (6, 2556.0, 800.0)


async def test_large_looking_hkd_parcels_under_three_limits_in_cny_are_not_a_ring(engine: Engine) -> None:
    """Six parcels of 430 HKD: 2,580 in dollars but 2,347.80 CNY, under 3 × 800."""
    sender = person(95)
    decisions = await run(engine, [in_currency(sender, i, "HKD", 430.0, hours=i * 0.5) for i in range(6)])
    assert not any(has(decisions, "ANT_MOVING_SENDER"))


@pytest.mark.parametrize(
    ("currency", "unit", "cny"),
    [("USD", 57.5, 816.5), ("HKD", 440.0, 800.8)],
)
async def test_a_parcel_over_800_cny_in_another_currency_is_over_the_limit(
    engine: Engine, currency: str, unit: float, cny: float
) -> None:
    wb = export_postal(currency=currency, items=lines((CREAM, 2, unit)))
    d = await score(engine, wb)
    ev = reason_of(d, "OVER_PERSONAL_LIMIT")
    assert (d.decision, ev["value_cny"], ev["limit_cny"]) == ("hold", cny, 800.0)


async def test_a_cbec_ring_in_usd_is_measured_against_5000_cny(engine: Engine) -> None:
    """Six cbec exports of 400 USD (2,840 CNY) each: 17,040 CNY, over 3 × 5,000."""
    sender = person(96)
    ring = [
        export(
            sender, abroad("JP", i), 0.0, hours=i * 0.5, channel="cbec", currency="USD", items=goods(400.0)
        )
        for i in range(6)
    ]
    ev = reason_of((await run(engine, ring))[5], "ANT_MOVING_SENDER")
    assert (ev["per_parcel_limit"], ev["total_value"]) == (5000.0, 17040.0)


def test_a_parcel_in_a_currency_without_a_rate_is_refused_and_not_counted(client: ScoringClient) -> None:
    sender = person(97)
    ring = [export(sender, abroad("HK", i), 700.0, hours=i * 0.5) for i in range(5)]
    for wb in ring:
        client.score(wb)
    unrated = export(sender, abroad("HK", 5), 0.0, hours=2.5, currency="CHF", items=goods(650.0))
    r = client.http.post("/v1/score", json=unrated)
    assert r.status_code == 422
    assert [e["loc"][-1] for e in r.json()["detail"]] == ["currency"]
    sixth = client.score(export(sender, abroad("HK", 6), 700.0, hours=2.6))
    ev = next(x for x in sixth["reasons"] if x["code"] == "ANT_MOVING_SENDER")["evidence"]
    assert (ev["parcels"], ev["total_value"]) == (6, 4200.0)
    assert unrated["waybill_no"] not in ev["linked_waybills"]


# 7. Several carriers and outlets ----------------------------------------------------------------------------

CARRIERS = ["SF", "EMS", "YTO", "ZTO", "STO", "JD"]


def via(carrier: str, n: int, waybill_no: str | None = None) -> Body:
    """The carrier, outlet, courier and waybill number of the n-th parcel of a spread ring."""
    return {
        "carrier": carrier,
        "waybill_no": waybill_no or f"{carrier}77{n:010d}",
        "outlet_id": f"{carrier}-3301{n:02d}-00{n}",
        "courier_id": f"C-{carrier}-{n}",
    }


async def test_a_ring_spread_over_six_carriers_and_outlets_is_one_ring(history_engine: Engine) -> None:
    sender = person(100)
    ring = [
        export(sender, abroad("MO", i % 3), 700.0, hours=i * 0.5, **via(c, i)) for i, c in enumerate(CARRIERS)
    ]
    decisions = await run(history_engine, ring)
    assert not any(has(decisions[:5], "ANT_MOVING_SENDER"))
    ev = reason_of(decisions[5], "ANT_MOVING_SENDER")
    assert (ev["parcels"], ev["distinct_receivers"], ev["total_value"]) == (6, 3, 4200.0)
    assert set(ev["linked_waybills"]) == numbers(ring[:5])
    assert decisions[5].decision == "hold"


async def test_one_waybill_number_on_six_carriers_is_six_parcels(engine: Engine) -> None:
    sender = person(101)
    ring = [
        export(sender, abroad("MO", i % 3), 700.0, hours=i * 0.5, **via(c, i, "X8800000001"))
        for i, c in enumerate(CARRIERS)
    ]
    decisions = await run(engine, ring)
    ev = reason_of(decisions[5], "ANT_MOVING_SENDER")
    assert (ev["parcels"], ev["total_value"]) == (6, 4200.0)


async def test_imports_to_one_receiver_over_five_carriers_are_one_ring(engine: Engine) -> None:
    receiver = cn_receiver(phone="13600077001")
    ring = [
        import_postal(abroad("JP", i % 3), receiver, 650.0, hours=i * 20, **via(c, i))
        for i, c in enumerate(CARRIERS[:5])
    ]
    ev = reason_of((await run(engine, ring))[4], "ANT_MOVING_RECEIVER")
    assert (ev["entity"], ev["parcels"], ev["distinct_senders"]) == ("receiver_phone", 5, 3)


async def test_a_parcel_re_sent_from_another_outlet_still_counts_once(engine: Engine) -> None:
    sender = person(102)
    ring = [export(sender, abroad("MO", i % 3), 700.0, hours=i * 0.5) for i in range(5)]
    moved = ring[4] | {"outlet_id": "SF-330106-0099", "courier_id": "C-99"}
    decisions = await run(engine, [*ring, moved])
    assert not any(has(decisions, "ANT_MOVING_SENDER"))  # five parcels, one of them told twice
    sixth = await score(engine, export(sender, abroad("MO", 2), 700.0, hours=2.5))
    assert reason_of(sixth, "ANT_MOVING_SENDER")["parcels"] == 6


# 8. Several payment accounts, one payment account -----------------------------------------------------------


async def test_one_sender_paying_from_six_accounts_is_one_ant_sender(engine: Engine) -> None:
    sender = person(110)
    ring = [
        export(
            sender,
            abroad("MO", i % 3),
            700.0,
            hours=i * 0.5,
            order={
                "platform": ["xianyu", "taobao", "pdd", "jd", "douyin", "wechat"][i],
                "order_id": f"O-{i}",
                "payment_account": f"acct-{5000 + i}",
                "buyer_ip": f"198.51.100.{i + 1}",
            },
        )
        for i in range(6)
    ]
    ev = reason_of((await run(engine, ring))[5], "ANT_MOVING_SENDER")
    assert (ev["entity"], ev["parcels"]) == ("sender_id", 6)


@pytest.mark.parametrize(
    ("order", "entity"),
    [
        ({"payment_account": "6222020200551234567"}, "payment_account"),
        ({"buyer_ip": "203.0.113.45"}, "buyer_ip"),
    ],
)
async def test_hired_senders_paying_from_one_account_or_ip_are_one_near_limit_splitter(
    engine: Engine, order: Body, entity: str
) -> None:
    trio = near_limit_trio([person(120 + i) for i in range(3)], order=order)
    decisions = await run(engine, trio)
    assert not any(has(decisions[:2], "NEAR_LIMIT_SPLIT"))
    ev = reason_of(decisions[2], "NEAR_LIMIT_SPLIT")
    assert (ev["entity"], ev["near_limit_parcels"]) == (entity, 3)
    assert set(ev["linked_waybills"]) == numbers(trio[:2])


async def test_hired_senders_paying_from_one_account_fan_out_the_same_goods(engine: Engine) -> None:
    ring = [
        export(
            person(130 + i),
            abroad("HK", i % 3),
            150.0,
            hours=i * 20,
            order={"payment_account": "6222020200559999000"},
        )
        for i in range(5)
    ]
    ev = reason_of((await run(engine, ring))[4], "SAME_GOODS_FANOUT")
    assert (ev["entity"], ev["parcels"]) == ("payment_account", 5) and ev["counterparts"] >= 3


async def test_three_unrelated_people_each_near_the_limit_are_no_split(engine: Engine) -> None:
    trio = near_limit_trio([person(140 + i) for i in range(3)])
    for i, wb in enumerate(trio):
        wb["order"] = {"payment_account": f"6222020200550000{i:03d}", "buyer_ip": f"198.51.100.{50 + i}"}
    decisions = await run(engine, trio)
    assert not any(has(decisions, "NEAR_LIMIT_SPLIT"))


# 9. Items split over more lines -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("parts", "max_units"),
    [
        ([("面霜 face cream", 3), ("面霜 face cream", 3)], 5),
        ([("面霜 face cream", 4), ("面霜 FACE CREAM", 4), ("面霜 face cream", 4)], 5),
        ([("纯棉T恤 cotton T-shirt", 6), ("纯棉T恤 cotton T-shirt", 5)], 10),
    ],
    ids=["six-jars-as-3-and-3", "twelve-jars-as-three-lines", "eleven-shirts-as-6-and-5"],
)
async def test_units_of_one_item_split_over_lines_add_up_to_a_commercial_quantity(
    engine: Engine, parts: list[tuple[str, int]], max_units: int
) -> None:
    items = lines(*((d, q, 20.0) for d, q in parts))
    d = await score(engine, export_postal(items=items, weight_kg=3.0))
    ev = reason_of(d, "COMMERCIAL_QUANTITY")
    assert (ev["quantity"], ev["max_units"]) == (sum(q for _, q in parts), max_units)
    assert d.decision == "inspect"


@pytest.mark.parametrize(
    "parts",
    [
        [("面霜 face cream", 3), ("面霜 face cream", 2)],
        [("面霜 face cream", 5), ("眼霜 eye cream", 5)],
        [("纯棉T恤 cotton T-shirt", 6), ("牛仔裤 jeans", 5)],
    ],
    ids=["five-jars-as-3-and-2", "five-of-two-creams", "two-garments"],
)
async def test_a_personal_quantity_over_several_lines_is_not_commercial(
    engine: Engine, parts: list[tuple[str, int]]
) -> None:
    items = lines(*((d, q, 20.0) for d, q in parts))
    d = await score(engine, export_postal(items=items, weight_kg=3.0))
    assert "COMMERCIAL_QUANTITY" not in codes(d)
    assert d.decision == "release"


async def test_one_article_split_into_two_lines_is_no_single_article(engine: Engine) -> None:
    """A 900 CNY handbag declared as two lines of one unit is held; as one line of one unit, inspected."""
    split = export_postal(
        items=lines(("手提包 handbag", 1, 450.0), ("手提包 handbag", 1, 450.0)), weight_kg=1.0
    )
    whole = export_postal(items=lines(("手提包 handbag", 1, 900.0)), weight_kg=1.0)
    held, inspected = await score(engine, split), await score(engine, whole)
    assert (held.decision, reason_of(held, "OVER_PERSONAL_LIMIT")["single_article"]) == ("hold", False)
    assert (inspected.decision, reason_of(inspected, "OVER_PERSONAL_LIMIT")["single_article"]) == (
        "inspect",
        True,
    )


async def test_parcels_of_many_lines_count_as_parcels_with_their_whole_value(engine: Engine) -> None:
    sender = person(150)
    ring = [
        export(
            sender,
            abroad("MO", i % 3),
            0.0,
            hours=i * 0.5,
            items=lines(
                ("面霜 face cream", 1, 300.0), ("面霜 face cream", 1, 300.0), ("眼霜 eye cream", 1, 100.0)
            ),
        )
        for i in range(6)
    ]
    decisions = await run(engine, ring)
    assert not any(has(decisions[:5], "ANT_MOVING_SENDER"))
    ev = reason_of(decisions[5], "ANT_MOVING_SENDER")
    assert (ev["parcels"], ev["total_value"]) == (6, 4200.0)


# 10. The same person as sender on some parcels and receiver on others ---------------------------------------


def both_sides(n: int) -> Body:
    """A mainland person who sends and also receives (ID given on both sides)."""
    return person(n, phone="13700070007", id_number=resident_id(region="440305", birth="19900909", seq="777"))


async def test_a_persons_sent_and_received_parcels_are_not_one_ring(history_engine: Engine) -> None:
    """Three exports from X to three receivers and three imports to X from three senders, in a day."""
    x = both_sides(160)
    parcels: list[Body] = []
    for i in range(3):
        parcels.append(export(x, abroad("HK", i), 700.0, hours=i))
        parcels.append(import_postal(abroad("JP", i), x, 700.0, hours=i + 0.5))
    decisions = await run(history_engine, parcels)
    for code in RING_RULES:
        assert not any(has(decisions, code)), code


async def test_parcels_received_between_a_senders_ants_do_not_pad_the_ring(engine: Engine) -> None:
    x = both_sides(161)
    parcels: list[Body] = []
    for i in range(6):
        parcels.append(export(x, abroad("MO", i % 3), 700.0, hours=i * 0.5))
        if i < 3:
            parcels.append(import_postal(abroad("JP", i), x, 700.0, hours=i * 0.5 + 0.1))
    decisions = await run(engine, parcels)
    sent = [d for d, wb in zip(decisions, parcels, strict=True) if wb["service"] == "export"]
    assert not any(has(sent[:5], "ANT_MOVING_SENDER"))
    ev = reason_of(sent[5], "ANT_MOVING_SENDER")
    assert (ev["entity"], ev["parcels"]) == ("sender_id", 6)
    sent_numbers = {wb["waybill_no"] for wb in parcels if wb["service"] == "export"}
    assert set(ev["linked_waybills"]) <= sent_numbers


@pytest.fixture
def officer_client(cases_client: CaseClient) -> CaseClient:
    """The case desk client logged in as an officer, who may report inspections."""
    cases_client.as_new("li", "officer")
    return cases_client


CAUGHT_ID = resident_id(region="440305", birth="19900909", seq="778")

# The caught sender as a receiver: by the same ID (another phone), or by the same phone typed otherwise.
AS_RECEIVER: dict[str, tuple[Body, str]] = {
    "same-id": (
        cn_receiver(name="李四", phone="13911118888", id_type="resident_id", id_number=CAUGHT_ID),
        "receiver_id",
    ),
    "same-phone-typed-otherwise": (cn_receiver(name="李四", phone="+86 139 0000 7007"), "receiver_phone"),
}


@pytest.mark.parametrize("side", list(AS_RECEIVER))
def test_a_sender_caught_smuggling_carries_the_violation_as_a_receiver(
    officer_client: CaseClient, side: str
) -> None:
    caught = person(170, phone="13900007007", id_number=CAUGHT_ID)
    sent = export(caught, abroad("HK", 1), 700.0)
    assert officer_client.score(sent)["decision"] == "release"
    report = {
        "carrier": sent["carrier"],
        "waybill_no": sent["waybill_no"],
        "result": "violation",
        "violation_type": "counterfeit",
        "inspected_at": (BASE_TIME + timedelta(hours=1)).isoformat(),
    }
    r = officer_client.http.post("/v1/inspections", json=report)
    assert r.status_code == 200, r.text
    again = officer_client.score(export(caught, abroad("HK", 2), 100.0, hours=2))
    assert "PRIOR_VIOLATIONS" in wire_codes(again)  # as a sender, the violation is there
    receiver, entity = AS_RECEIVER[side]
    d = officer_client.score(import_postal(abroad("JP", 1), receiver, 300.0, hours=3))
    assert "PRIOR_VIOLATIONS" in wire_codes(d), d["reasons"]
    prior = next(x for x in d["reasons"] if x["code"] == "PRIOR_VIOLATIONS")
    assert (d["decision"], prior["evidence"]["entity"], prior["evidence"]["violations"]) == (
        "inspect",
        entity,
        1,
    )


# 11. Every trick at once ------------------------------------------------------------------------------------


async def test_a_sender_using_every_trick_at_once_is_still_one_held_ring(history_engine: Engine) -> None:
    """One ID; phone, carrier, account, currency and the goods' writing change on every parcel."""
    phones = PHONE_WRITINGS["plus-86-spaced"], "13800138000", "１３８００１３８０００", "0086 138 0013 8000"
    currencies = [
        ("CNY", 760.0),
        ("HKD", 840.0),
        ("USD", 107.0),
        ("EUR", 99.0),
        ("JPY", 16200.0),
        ("CNY", 770.0),
    ]
    writings = [CREAM, *list(CREAM_WRITINGS.values())[:5]]
    sender = person(180)
    ring = []
    for i, (carrier, (currency, value)) in enumerate(zip(CARRIERS, currencies, strict=True)):
        who = Whole(sender | {"phone": phones[i % len(phones)], "name": ["赵六", "趙六", "ZHAO LIU"][i % 3]})
        ring.append(
            export(
                who,
                abroad("TW", i % 3),
                0.0,
                hours=i * 3,
                currency=currency,
                items=goods(value, description=writings[i]),
                order={"payment_account": f"acct-{i}"},
                **via(carrier, i),
            )
        )
    decisions = await run(history_engine, ring)
    assert not any(has(decisions[:5], "ANT_MOVING_SENDER"))
    last = decisions[5]
    ev = reason_of(last, "ANT_MOVING_SENDER")
    assert (ev["parcels"], ev["distinct_receivers"], ev["window"]) == (6, 3, "24h")
    assert set(ev["linked_waybills"]) == numbers(ring[:5])
    assert {"NEAR_LIMIT_SPLIT", "SAME_GOODS_FANOUT"} <= codes(last)
    assert last.decision == "hold"


async def test_a_receiver_building_fed_by_every_trick_at_once_is_one_held_ring(engine: Engine) -> None:
    """Five names and phones, the tower typed five ways, five carriers, three currencies, three senders."""
    places = [
        TOWER,
        *(
            TOWER_WRITINGS[k]
            for k in ("traditional-with-hao", "full-width-digits-and-letter", "another-room", "extra-spaces")
        ),
    ]
    currencies = [("USD", 90.0), ("HKD", 700.0), ("EUR", 83.0), ("JPY", 13600.0), ("CNY", 640.0)]
    ring = [
        import_postal(
            abroad("JP", i % 3),
            receiver_at(190 + i, place),
            0.0,
            hours=i * 30,
            currency=currency,
            items=goods(value, description="奶粉 milk powder", category="food"),
            **via(CARRIERS[i], i),
        )
        for i, (place, (currency, value)) in enumerate(zip(places, currencies, strict=True))
    ]
    decisions = await run(engine, ring)
    ev = reason_of(decisions[4], "ANT_MOVING_RECEIVER")
    assert (ev["entity"], ev["parcels"], ev["distinct_senders"]) == ("receiver_address", 5, 3)
    assert ev["total_value"] == round(639.0 + 637.0 + 639.1 + 639.2 + 640.0, 2)
    assert decisions[4].decision == "hold"
